import { type ActionSpec, actionButton } from '../actions.js';
import { query } from '../api.js';
import { type App, SCOPES, section } from '../app.js';
import { h, svg, table } from '../dom.js';
import { type Forecast, forecast, type HostPolicy, type SessionRow } from '../forecast.js';
import { minutes, utc } from '../words.js';

interface SessionsAnswer {
  instanceId: string;
  culture: string;
  hostTimeUtc: string;
  sessions: Array<SessionRow & { logonTime: string | null }>;
  policy?: HostPolicy;
  warnings: string[];
}

interface SmbSession {
  client: string;
  userName: string | null;
  opens: number | null;
  idleSeconds: number | null;
  sessionId?: string;
}

interface OpenFile {
  id: string;
  path: string;
  userName: string | null;
  client?: string;
  locks: number | null;
}

interface FilesAnswer {
  files: OpenFile[];
  next: { afterFileId: string } | null;
  smbSessions?: SmbSession[];
  warnings: string[];
}

interface Shell {
  shellId: string;
  kind: string | null;
  owner: string | null;
  clientIp: string | null;
  state: string | null;
  inactivitySeconds: number | null;
}

/** One host, live: its sessions against the policy, its SMB sessions and open files, its shells. */
export function hostPage(app: App, instanceId: string): Node {
  const here = `#/host/${encodeURIComponent(instanceId)}`;
  // After an action the lists are read again, unless the user has gone elsewhere meanwhile.
  const refresh = () => {
    if (location.hash.split('?')[0] === here) app.go(`${here}?t=${Date.now()}`);
  };
  const id = encodeURIComponent(instanceId);
  return h(
    'div',
    {},
    h('h1', {}, `Host ${instanceId}`),
    h(
      'p',
      { class: 'toolbar' },
      h('button', { type: 'button', onclick: refresh }, 'Refresh'),
      ' ',
      h('a', { href: `#/trail?host=${id}` }, 'This host in the Trail')
    ),
    section(
      'Sessions',
      async () =>
        sessions(app, await app.api.get<SessionsAnswer>(`/v1/hosts/${id}/sessions`), refresh),
      { id: 'sessions' }
    ),
    section('SMB sessions and open files', async () => files(app, instanceId, refresh), {
      id: 'files',
    }),
    section(
      'Remote shells',
      async () =>
        shells(
          app,
          instanceId,
          await app.api.get<{ shells: Shell[] }>(`/v1/hosts/${id}/shells`),
          refresh
        ),
      { id: 'shells' }
    )
  );
}

function sessions(app: App, answer: SessionsAnswer, refresh: () => void): Node {
  const policy = answer.policy;
  const rows = answer.sessions.map((s) => {
    const plan = policy ? forecast(s, policy, answer.hostTimeUtc) : null;
    const who = `${s.userName}'s session ${s.id}${s.sessionName ? ` (${s.sessionName})` : ''}`;
    const base = {
      instanceId: answer.instanceId,
      target: who,
      fields: { sessionId: s.id, userName: s.userName },
    };
    const buttons: ActionSpec[] = [];
    if (app.can(SCOPES.logoff)) buttons.push({ ...base, operation: 'logoff' });
    if (app.can(SCOPES.act) && s.state === 'active')
      buttons.push({ ...base, operation: 'disconnect' });
    if (app.can(SCOPES.act) && s.state === 'active')
      buttons.push({ ...base, operation: 'notify', message: true });
    return [
      String(s.id),
      s.userName,
      s.sessionName ?? '—',
      s.state,
      minutes(s.idleMinutes),
      s.logonTime ?? '—',
      plan ? thresholdBar(plan) : '—',
      plan
        ? h('span', { class: `forecast forecast-${plan.kind}` }, plan.text)
        : 'the API did not say the policy',
      buttons.length > 0
        ? h(
            'div',
            { class: 'buttons' },
            buttons.map((b) => actionButton(app, b, refresh))
          )
        : '—',
    ];
  });
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'muted' },
      `Culture ${answer.culture}; host time ${utc(answer.hostTimeUtc)}.`,
      policy &&
        ` Policy group '${policy.group}': disconnect idle ${limit(policy.disconnectIdleMinutes)}, log off idle ${limit(policy.logoffIdleMinutes)}${policy.warnMinutesBefore !== null ? ` (warned ${policy.warnMinutesBefore} min before)` : ''}, log off disconnected ${limit(policy.logoffDisconnectedMinutes)}${policy.dryRun ? '; dry run' : ''}. The sweep acts at its next run, outside quiet hours and within the blast-radius limits.`
    ),
    answer.warnings.length > 0 &&
      h(
        'ul',
        { class: 'warnings' },
        answer.warnings.map((w) => h('li', {}, w))
      ),
    answer.sessions.length === 0
      ? h('p', {}, 'Nobody is logged on.')
      : [
          h(
            'p',
            { class: 'muted' },
            'Bars: idle minutes (disconnected: since the disconnect) against the ticks D disconnect, W warning, L logoff.'
          ),
          table(
            `Live sessions on ${answer.instanceId}`,
            [
              'ID',
              'User',
              'Session',
              'State',
              'Idle',
              'Logon',
              'Against the policy',
              'What will happen',
              'Actions',
            ],
            rows
          ),
        ]
  );
}

function limit(value: number | null): string {
  return value === null ? 'never' : `after ${minutes(value)}`;
}

/** The idle (or disconnected) minutes as a bar, each threshold as a tick with its name. */
function thresholdBar(plan: Forecast): Node {
  const width = 180;
  const max = Math.max(10, ...plan.marks.map((m) => m.minutes * 1.15), (plan.value ?? 0) * 1.05);
  const x = (m: number) => Math.round((Math.min(m, max) / max) * width);
  const label = `${plan.measure} ${plan.value === null ? 'unknown' : minutes(plan.value)}; ${plan.marks.map((m) => `${m.label} at ${minutes(m.minutes)}`).join(', ') || 'no threshold'}`;
  return svg(
    'svg',
    {
      class: 'bar',
      width,
      height: 30,
      viewBox: `0 0 ${width} 30`,
      role: 'img',
      'aria-label': label,
    },
    svg('title', {}, label),
    svg('rect', { x: 0, y: 6, width, height: 10, class: 'bar-track' }),
    plan.value !== null &&
      svg('rect', {
        x: 0,
        y: 6,
        width: x(plan.value),
        height: 10,
        class: `bar-value bar-${plan.kind}`,
      }),
    plan.marks.map((m) => [
      svg('line', {
        x1: x(m.minutes),
        x2: x(m.minutes),
        y1: 2,
        y2: 20,
        class: `tick tick-${m.label}`,
      }),
      svg(
        'text',
        {
          x: Math.min(Math.max(x(m.minutes), 1), width - 1),
          y: 29,
          class: 'tick-label',
          'text-anchor': x(m.minutes) < 6 ? 'start' : x(m.minutes) > width - 6 ? 'end' : 'middle',
        },
        // One letter: ticks a few minutes apart must not print over each other (legend below).
        (m.label[0] ?? '').toUpperCase()
      ),
    ])
  );
}

async function files(app: App, instanceId: string, refresh: () => void): Promise<Node> {
  const id = encodeURIComponent(instanceId);
  const first = await app.api.get<FilesAnswer>(
    `/v1/hosts/${id}/open-files${query({ include: 'smb-sessions' })}`
  );
  const canClose = app.can(SCOPES.files);
  const smb = (first.smbSessions ?? []).map((s) => {
    const who = `${s.userName ?? 'nobody'}'s SMB session from ${s.client}`;
    return [
      s.client,
      s.userName ?? '—',
      s.opens === null ? '—' : String(s.opens),
      s.idleSeconds === null ? 'unknown' : minutes(Math.floor(s.idleSeconds / 60)),
      canClose
        ? actionButton(
            app,
            {
              operation: 'end-smb-session',
              instanceId,
              target: who,
              fields: { clientName: s.client, ...(s.userName ? { userName: s.userName } : {}) },
            },
            refresh
          )
        : '—',
    ];
  });
  const fileRows = (page: FilesAnswer) =>
    page.files.map((f) => [
      f.id,
      h('span', { class: 'path' }, f.path),
      f.userName ?? '—',
      f.client ?? '—',
      f.locks === null ? '—' : String(f.locks),
      canClose
        ? actionButton(
            app,
            {
              operation: 'close-file',
              instanceId,
              target: `file ${f.id} (${f.path}) of ${f.userName ?? 'nobody'}`,
              fields: { fileId: f.id },
            },
            refresh
          )
        : '—',
    ]);
  const filesHolder = h('div', {});
  const showPage = (page: FilesAnswer, rows: ReturnType<typeof fileRows>) => {
    const more = page.next
      ? h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              const next = await app.api.get<FilesAnswer>(
                `/v1/hosts/${id}/open-files${query({ after: page.next?.afterFileId })}`
              );
              showPage(next, [...rows, ...fileRows(next)]);
            },
          },
          'More open files'
        )
      : null;
    filesHolder.replaceChildren(
      rows.length === 0
        ? h('p', {}, 'No open files.')
        : table(
            `Open files on ${instanceId}`,
            ['File id', 'Path', 'User', 'Client', 'Locks', 'Actions'],
            rows
          ),
      more ?? ''
    );
  };
  showPage(first, fileRows(first));
  return h(
    'div',
    {},
    first.warnings.length > 0 &&
      h(
        'ul',
        { class: 'warnings' },
        first.warnings.map((w) => h('li', {}, w))
      ),
    smb.length === 0
      ? h('p', {}, 'No SMB sessions.')
      : table(
          `SMB sessions on ${instanceId}`,
          ['Client', 'User', 'Open files', 'Idle', 'Actions'],
          smb
        ),
    filesHolder
  );
}

function shells(
  app: App,
  instanceId: string,
  answer: { shells: Shell[] },
  refresh: () => void
): Node {
  if (answer.shells.length === 0) return h('p', {}, 'No WinRM remote shells.');
  return table(
    `Remote shells on ${instanceId}`,
    ['Shell', 'Kind', 'Owner', 'Client', 'State', 'Inactive', 'Actions'],
    answer.shells.map((s) => [
      h('code', {}, s.shellId),
      s.kind ?? '—',
      s.owner ?? 'unknown',
      s.clientIp ?? '—',
      s.state ?? 'unknown',
      s.inactivitySeconds === null ? 'unknown' : minutes(Math.floor(s.inactivitySeconds / 60)),
      app.can(SCOPES.shells)
        ? actionButton(
            app,
            {
              operation: 'end-shell',
              instanceId,
              target: `${s.owner ?? 'unknown owner'}'s remote shell ${s.shellId}`,
              fields: { shellId: s.shellId },
            },
            refresh
          )
        : '—',
    ])
  );
}
