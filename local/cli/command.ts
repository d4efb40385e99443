import { parseArgs } from 'node:util';
import { type ApiTarget, CliError, EXIT_CODES, resolveTarget } from './api-client.js';
import type { CliIo } from './main.js';

/** What the API commands share: where to send requests, the options every one takes, output. */

const TARGET_OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const TARGET_USAGE = `  --api URL        the API (default: JANITOR_API_URL, else .janitor/local.json)
  --token TOKEN    bearer token (default: JANITOR_TOKEN, else .janitor/local.json)
  --config FILE    local runtime file (default: .janitor/local.json)
  --json           print JSON instead of a table
  -h, --help       this help`;

/** The command's own options and the target options; a wrong command line is a usage error. */
export function parse<
  T extends Record<
    string,
    { type: 'string' | 'boolean'; short?: string; default?: string | boolean }
  >,
>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...TARGET_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, EXIT_CODES.usage);
  }
}

export async function targetOf(
  values: {
    api?: string | boolean | undefined;
    token?: string | boolean | undefined;
    config?: string | boolean | undefined;
  },
  io: Pick<CliIo, 'env'>
): Promise<ApiTarget> {
  return resolveTarget({
    api: typeof values.api === 'string' ? values.api : undefined,
    token: typeof values.token === 'string' ? values.token : undefined,
    config: typeof values.config === 'string' ? values.config : undefined,
    env: io.env,
  });
}

/** `?limit=…&cursor=…` of a paged listing, as the command line gave them. */
export function pageQuery(values: {
  limit?: string | boolean | undefined;
  cursor?: string | boolean | undefined;
}): URLSearchParams {
  const query = new URLSearchParams();
  if (typeof values.limit === 'string') query.set('limit', values.limit);
  if (typeof values.cursor === 'string') query.set('cursor', values.cursor);
  return query;
}

export const PAGE_OPTIONS = {
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const;

/** Every line the CLI prints ends with a newline, so shells and pipes see whole lines. */
export function say(io: Pick<CliIo, 'out'>, text: string): void {
  io.out(text.endsWith('\n') ? text : `${text}\n`);
}

export function warn(io: Pick<CliIo, 'err'>, text: string): void {
  io.err(text.endsWith('\n') ? text : `${text}\n`);
}

/** A table, or `empty` when there are no rows; then how to ask for the next page, if any. */
export function sayPage(
  io: Pick<CliIo, 'out'>,
  table: string | null,
  empty: string,
  cursor: string | null
): void {
  say(io, table ?? empty);
  if (cursor) say(io, `more: --cursor ${cursor}`);
}

export function showHelp(io: Pick<CliIo, 'out'>, usage: string): number {
  say(io, usage);
  return EXIT_CODES.ok;
}

export function printJson(io: Pick<CliIo, 'out'>, value: unknown): number {
  say(io, JSON.stringify(value, null, 2));
  return EXIT_CODES.ok;
}

/** An ISO timestamp as the tables show it: `2026-11-21 20:25:57` (UTC). */
export function timeText(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}
