import { type ApiClient, ApiFailure, statusLine } from './api.js';
import type { ConsoleConfig, Session } from './auth.js';
import { h } from './dom.js';

export const SCOPES = {
  read: 'session-janitor/read',
  act: 'session-janitor/act',
  logoff: 'session-janitor/logoff',
  files: 'session-janitor/files',
  shells: 'session-janitor/shells',
} as const;

/** What every page gets: the API, who is signed in, and a way to go elsewhere. */
export interface App {
  api: ApiClient;
  config: ConsoleConfig;
  session: Session;
  can(scope: string): boolean;
  go(hash: string): void;
}

/** Any failure as words: the API's status, code and message, and each field it names. */
export function errorBox(error: unknown, context?: string): HTMLElement {
  if (error instanceof ApiFailure) {
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('p', {}, h('strong', {}, context ? `${context}: ` : '', statusLine(error))),
      h('p', { class: 'error-message' }, error.message),
      error.fields.length > 0 &&
        h(
          'ul',
          {},
          error.fields.map((f) => h('li', {}, h('code', {}, f.path), ' ', f.message))
        )
    );
  }
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, h('strong', {}, context ?? 'Something went wrong')),
    h('p', { class: 'error-message' }, error instanceof Error ? error.message : String(error))
  );
}

/** A section that fills itself in when its data comes, or says why it cannot. */
export function section(
  title: string,
  load: () => Promise<Node>,
  options: { id?: string; headingLevel?: 'h2' | 'h3' } = {}
): HTMLElement {
  const body = h(
    'div',
    { class: 'section-body', 'aria-busy': 'true' },
    h('p', { class: 'muted' }, 'Loading…')
  );
  const element = h(
    'section',
    { id: options.id ?? null, 'aria-label': title },
    h(options.headingLevel ?? 'h2', {}, title),
    body
  );
  load()
    .then(
      (node) => body.replaceChildren(node),
      (error: unknown) => body.replaceChildren(errorBox(error, title))
    )
    .finally(() => body.removeAttribute('aria-busy'));
  return element;
}

/** Runs `work` at most `limit` at a time (one SSM listing per host: the fleet page asks many). */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item).catch(() => undefined);
    }
  });
  await Promise.all(runners);
}
