import { query } from '../api.js';
import { type App, errorBox } from '../app.js';
import { h, replace } from '../dom.js';
import { explainCause, OPERATION_WORDS, STATUS_WORDS, utc } from '../words.js';

export interface Action {
  id: string;
  operation: string;
  instanceId: string;
  target: Record<string, unknown> & { kind: string };
  trigger: Record<string, unknown> & { kind: string };
  reason: string;
  policy: string | null;
  status: string;
  dryRun: boolean;
  commandId: string | null;
  result: { exitCode: number | null; errorCode: string | null; excerpt: string } | null;
  createdAt: string;
  timestamps: Record<string, string>;
  affected?: Array<{ userName: string; client: string | null; path?: string }>;
}

const STATUSES = [
  '',
  'planned',
  'dispatched',
  'succeeded',
  'failed',
  'timed_out',
  'undeliverable',
  'cancelled',
  'skipped',
];

export function targetText(action: Pick<Action, 'target'>): string {
  const t = action.target;
  switch (t.kind) {
    case 'session':
      return `session ${String(t.sessionId)} (${String(t.expectedUser)})`;
    case 'file':
      return `file ${String(t.fileId)} ${String(t.expectedPath)}`;
    case 'smb':
      return `SMB ${[t.userName, t.clientName].filter(Boolean).join(' from ')}`;
    case 'shell':
      return `shell ${String(t.shellId)} (${String(t.expectedOwner)})`;
    default:
      return t.kind;
  }
}

export function triggerText(action: Pick<Action, 'trigger'>): string {
  const t = action.trigger;
  if (t.kind === 'api')
    return `ticket ${String(t.ticketId)} by ${String(t.caller)}${t.requestedBy ? ` for ${String(t.requestedBy)}` : ''}`;
  if (t.kind === 'schedule') return `sweep ${String(t.sweepId)}`;
  return `idle event ${String(t.eventId)}`;
}

/** Actions by host, ticket or user (the ledger's indexes), narrowed by status and time here. */
export function trailPage(app: App, params: URLSearchParams): Node {
  const field = (name: string, label: string, type = 'text', placeholder = '') =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `t-${name}` }, label),
      h('input', { id: `t-${name}`, name, type, value: params.get(name) ?? '', placeholder })
    );
  const status = h(
    'select',
    { id: 't-status', name: 'status' },
    STATUSES.map((s) =>
      h('option', { value: s, selected: (params.get('status') ?? '') === s }, s === '' ? 'any' : s)
    )
  );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the trail' },
    field('host', 'Host (instance id)', 'text', 'i-…'),
    field('ticket', 'Ticket', 'text', 'INC…'),
    field('user', 'User', 'text', 'alice or CORP\\alice'),
    h('div', { class: 'field' }, h('label', { for: 't-status' }, 'Status'), status),
    field('from', 'From (UTC)', 'datetime-local'),
    field('to', 'To (UTC)', 'datetime-local'),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show'))
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const [key, value] of data)
      if (typeof value === 'string' && value.trim() !== '') next.set(key, value.trim());
    app.go(`#/trail?${next.toString()}`);
  });
  const results = h('div', { id: 'trail-results', 'aria-live': 'polite' });
  void load(app, params, results);
  return h('div', {}, h('h1', {}, 'Trail'), form, results);
}

async function load(app: App, params: URLSearchParams, results: HTMLElement): Promise<void> {
  const host = params.get('host');
  const ticket = params.get('ticket');
  const user = params.get('user');
  if (!host && !ticket && !user) {
    replace(
      results,
      h(
        'p',
        {},
        'Choose a host, a ticket or a user: the ledger is read by one of them, newest first.'
      )
    );
    return;
  }
  const by = host ? { instanceId: host } : ticket ? { ticketId: ticket } : { userName: user };
  const wanted = (a: Action) =>
    (!host || a.instanceId === host) &&
    (!ticket || (a.trigger.kind === 'api' && a.trigger.ticketId === ticket)) &&
    (!params.get('status') || a.status === params.get('status')) &&
    within(a.createdAt, params.get('from'), params.get('to'));
  const shown: Action[] = [];
  const list = h('ol', { class: 'trail', 'aria-label': 'Actions, newest first' });
  const footer = h('div', {});
  replace(results, h('p', { class: 'muted' }, 'Loading…'));
  const page = async (cursor: string | null) => {
    try {
      const answer = await app.api.get<{ items: Action[]; cursor: string | null }>(
        `/v1/actions${query({ ...by, limit: 100, cursor })}`
      );
      const fresh = answer.items.filter(wanted);
      shown.push(...fresh);
      for (const action of fresh)
        list.appendChild(h('li', {}, actionCard(action, params.get('action') === action.id)));
      replace(
        results,
        h(
          'p',
          { class: 'muted' },
          `${shown.length} action${shown.length === 1 ? '' : 's'}${answer.cursor ? ' so far' : ''}.`
        ),
        shown.length === 0 ? h('p', {}, 'No action matches.') : list,
        footer
      );
      replace(
        footer,
        answer.cursor
          ? h(
              'button',
              { type: 'button', onclick: () => void page(answer.cursor) },
              'Older actions'
            )
          : ''
      );
    } catch (error) {
      replace(results, errorBox(error, 'The trail'));
    }
  };
  await page(null);
}

function within(created: string, from: string | null, to: string | null): boolean {
  const at = Date.parse(created);
  if (from && at < Date.parse(`${from}Z`)) return false;
  if (to && at > Date.parse(`${to}Z`)) return false;
  return true;
}

/** One action: what, on whom, why, its timeline and what the host printed. */
export function actionCard(action: Action, open = false): HTMLElement {
  const steps = Object.entries(action.timestamps).sort(([, a], [, b]) => a.localeCompare(b));
  const cause = explainCause(action.result?.errorCode ?? null);
  return h(
    'details',
    { class: `action action-${action.status}`, open, id: `action-${action.id}` },
    h(
      'summary',
      {},
      h('span', { class: 'when' }, utc(action.createdAt)),
      ' ',
      h('strong', {}, OPERATION_WORDS[action.operation] ?? action.operation),
      ' ',
      targetText(action),
      ' on ',
      h('code', {}, action.instanceId),
      ' — ',
      h('span', { class: `status status-${action.status}` }, action.status),
      action.dryRun ? ' (dry run)' : '',
      h('span', { class: 'muted' }, ` · ${triggerText(action)}`)
    ),
    h(
      'div',
      { class: 'action-body' },
      h('p', {}, h('strong', {}, 'Why: '), action.reason),
      h('p', {}, h('strong', {}, 'Status: '), STATUS_WORDS[action.status] ?? action.status),
      h(
        'ol',
        { class: 'timeline', 'aria-label': 'Timeline' },
        steps.map(([status, at]) =>
          h(
            'li',
            { class: `step status-${status}` },
            h('span', { class: 'step-name' }, status),
            ' ',
            utc(at)
          )
        )
      ),
      h('p', {}, h('strong', {}, 'Action id: '), h('code', {}, action.id)),
      h(
        'p',
        {},
        h('strong', {}, 'SSM command: '),
        action.commandId ? h('code', {}, action.commandId) : 'none sent'
      ),
      action.result &&
        h(
          'div',
          {},
          h(
            'p',
            {},
            h('strong', {}, 'Result: '),
            `exit ${action.result.exitCode ?? '—'}`,
            action.result.errorCode ? `, ${action.result.errorCode}` : ''
          ),
          cause && h('p', { class: 'cause' }, cause),
          action.result.excerpt && [
            h('p', {}, h('strong', {}, 'The host printed:')),
            h('pre', { class: 'excerpt' }, action.result.excerpt),
          ]
        ),
      action.affected &&
        action.affected.length > 0 &&
        h(
          'p',
          {},
          h('strong', {}, 'Cut off: '),
          action.affected
            .map(
              (a) =>
                `${a.userName || '?'}${a.client ? ` from ${a.client}` : ''}${a.path ? ` (${a.path})` : ''}`
            )
            .join('; ')
        )
    )
  );
}
