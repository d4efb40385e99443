import { query } from '../api.js';
import { type App, eachLimited, errorBox } from '../app.js';
import { h, replace, table } from '../dom.js';
import { OPERATION_WORDS, utc } from '../words.js';
import { type Action, targetText } from './trail.js';

interface HostSummary {
  instanceId: string;
  computerName: string | null;
  platformName: string | null;
  pingStatus: string;
  policyGroup: string;
  lastSweep: {
    sweepId: string;
    scheduledAt: string;
    result: string;
    sessions: number | null;
  } | null;
  lastAction: Action | null;
}

interface LiveSessions {
  culture: string;
  sessions: Array<{ state: string; idleMinutes: number | null }>;
  policy?: { disconnectIdleMinutes: number | null; logoffIdleMinutes: number | null };
}

/** Idle: an active session idle at least as long as the group's first idle limit (or 5 min). */
function idleThreshold(live: LiveSessions): number {
  const limits = [live.policy?.disconnectIdleMinutes, live.policy?.logoffIdleMinutes].filter(
    (m): m is number => typeof m === 'number'
  );
  return limits.length > 0 ? Math.min(...limits) : 5;
}

/** Every managed host: SSM's view and the ledger's, then each online host's live sessions. */
export function fleetPage(app: App, params: URLSearchParams): Node {
  const results = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  void load(app, params.get('cursor'), results);
  return h('div', {}, h('h1', {}, 'Fleet'), results);
}

async function load(app: App, cursor: string | null, results: HTMLElement): Promise<void> {
  let answer: { items: HostSummary[]; cursor: string | null };
  try {
    answer = await app.api.get(`/v1/hosts${query({ limit: 50, cursor })}`);
  } catch (error) {
    replace(results, errorBox(error, 'The fleet'));
    return;
  }
  const cells = new Map<
    string,
    { locale: HTMLElement; sessions: HTMLElement; idle: HTMLElement; disconnected: HTMLElement }
  >();
  const placeholder = () => h('span', { class: 'muted' }, '…');
  const rows = answer.items.map((host) => {
    const live = {
      locale: placeholder(),
      sessions: placeholder(),
      idle: placeholder(),
      disconnected: placeholder(),
    };
    cells.set(host.instanceId, live);
    const last = host.lastAction;
    return [
      h(
        'a',
        { href: `#/host/${encodeURIComponent(host.instanceId)}` },
        host.computerName ?? host.instanceId
      ),
      h('code', {}, host.instanceId),
      live.locale,
      host.policyGroup,
      h('span', { class: `ping ping-${host.pingStatus}` }, host.pingStatus),
      live.sessions,
      live.idle,
      live.disconnected,
      host.lastSweep ? `${host.lastSweep.result}, ${utc(host.lastSweep.scheduledAt)}` : '—',
      last
        ? h(
            'a',
            {
              href: `#/trail?host=${encodeURIComponent(host.instanceId)}&action=${encodeURIComponent(last.id)}`,
            },
            `${OPERATION_WORDS[last.operation] ?? last.operation} ${targetText(last)}: ${last.status}, ${utc(last.createdAt)}`
          )
        : 'none',
    ];
  });
  replace(
    results,
    answer.items.length === 0
      ? h('p', {}, 'No managed hosts.')
      : table(
          'Managed hosts',
          [
            'Host',
            'Instance',
            'Locale',
            'Group',
            'SSM',
            'Sessions',
            'Idle',
            'Disconnected',
            'Last sweep',
            'Last action',
          ],
          rows
        ),
    answer.cursor
      ? h(
          'p',
          {},
          h('a', { href: `#/fleet?cursor=${encodeURIComponent(answer.cursor)}` }, 'More hosts')
        )
      : ''
  );
  // The counts are live (one listing per host), so they fill in as each host answers.
  await eachLimited(answer.items, 4, async (host) => {
    const live = cells.get(host.instanceId);
    if (!live) return;
    if (host.pingStatus !== 'Online') {
      for (const cell of Object.values(live)) cell.textContent = 'offline';
      return;
    }
    try {
      const listing = await app.api.get<LiveSessions>(
        `/v1/hosts/${encodeURIComponent(host.instanceId)}/sessions`
      );
      const threshold = idleThreshold(listing);
      live.locale.textContent = listing.culture;
      live.sessions.textContent = String(listing.sessions.length);
      live.idle.textContent = String(
        listing.sessions.filter((s) => s.state === 'active' && (s.idleMinutes ?? 0) >= threshold)
          .length
      );
      live.disconnected.textContent = String(
        listing.sessions.filter((s) => s.state === 'disconnected').length
      );
    } catch (error) {
      live.sessions.replaceChildren(
        h('span', { class: 'error-inline' }, error instanceof Error ? error.message : String(error))
      );
      for (const cell of [live.locale, live.idle, live.disconnected]) cell.textContent = '—';
    }
  });
}
