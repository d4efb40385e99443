import { query } from '../api.js';
import { type App, errorBox } from '../app.js';
import { h, replace, svg, table } from '../dom.js';
import { utc } from '../words.js';

interface SweepSummary {
  id: string;
  scheduledAt: string;
  startedAt: string;
  updatedAt: string;
  asked: { hosts: number; groups: Record<string, number> | null };
  seen: { sessions: number; errors: number };
  planned: number;
  actions: {
    total: number;
    byStatus: Record<string, number>;
    byOperation: Record<string, Record<string, number>>;
    skippedByReason: Record<string, number>;
  };
}

/** The outcomes the chart stacks, bottom up; each has its own colour in the stylesheet. */
const OUTCOMES = [
  'succeeded',
  'skipped',
  'failed',
  'timed_out',
  'undeliverable',
  'dispatched',
  'planned',
  'cancelled',
];

export function sweepsPage(app: App, params: URLSearchParams): Node {
  const results = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  void load(app, params, results);
  return h('div', {}, h('h1', {}, 'Sweeps'), results);
}

async function load(app: App, params: URLSearchParams, results: HTMLElement): Promise<void> {
  let answer: { items: SweepSummary[]; cursor: string | null };
  try {
    answer = await app.api.get(`/v1/sweeps${query({ limit: 50, cursor: params.get('cursor') })}`);
  } catch (error) {
    replace(results, errorBox(error, 'The sweeps'));
    return;
  }
  if (answer.items.length === 0) {
    replace(results, h('p', {}, 'No sweep has run yet.'));
    return;
  }
  const selected = params.get('id');
  replace(
    results,
    chart(answer.items),
    table(
      'Sweeps, newest first',
      [
        'Sweep',
        'Scheduled',
        'Hosts asked',
        'Sessions seen',
        'Host errors',
        'Planned',
        'Actions by outcome',
        'Skipped by reason',
      ],
      answer.items.map((s) => [
        h(
          'a',
          {
            href: `#/sweeps?id=${encodeURIComponent(s.id)}`,
            'aria-current': s.id === selected ? 'true' : null,
          },
          s.id
        ),
        utc(s.scheduledAt),
        String(s.asked.hosts),
        String(s.seen.sessions),
        String(s.seen.errors),
        String(s.planned),
        counts(s.actions.byStatus),
        counts(s.actions.skippedByReason),
      ])
    ),
    selected ? h('div', { id: 'sweep-detail' }, detail(app, selected)) : '',
    answer.cursor
      ? h(
          'p',
          {},
          h('a', { href: `#/sweeps?cursor=${encodeURIComponent(answer.cursor)}` }, 'Older sweeps')
        )
      : ''
  );
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

/** Actions per sweep over time, stacked by outcome; oldest on the left. */
function chart(sweeps: readonly SweepSummary[]): Node {
  const ordered = [...sweeps].reverse();
  const width = 720;
  const height = 200;
  const pad = { left: 34, bottom: 24, top: 8 };
  const max = Math.max(1, ...ordered.map((s) => s.actions.total));
  const step = (width - pad.left) / ordered.length;
  const barWidth = Math.max(2, Math.min(28, step * 0.7));
  const y = (n: number) => ((height - pad.bottom - pad.top) * n) / max;
  const present = OUTCOMES.filter((o) => ordered.some((s) => (s.actions.byStatus[o] ?? 0) > 0));
  const summary = `Actions per sweep, ${ordered.length} sweeps from ${utc(ordered[0]?.scheduledAt)} to ${utc(ordered.at(-1)?.scheduledAt)}; at most ${max} in one sweep.`;
  return h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': summary,
        preserveAspectRatio: 'xMinYMin meet',
      },
      svg('line', {
        x1: pad.left,
        x2: width,
        y1: height - pad.bottom,
        y2: height - pad.bottom,
        class: 'axis',
      }),
      svg(
        'text',
        { x: pad.left - 4, y: pad.top + 8, 'text-anchor': 'end', class: 'axis-label' },
        String(max)
      ),
      svg(
        'text',
        { x: pad.left - 4, y: height - pad.bottom, 'text-anchor': 'end', class: 'axis-label' },
        '0'
      ),
      ordered.map((sweep, i) => {
        let base = height - pad.bottom;
        const x = pad.left + i * step + (step - barWidth) / 2;
        return svg(
          'g',
          {},
          svg('title', {}, `${utc(sweep.scheduledAt)}: ${counts(sweep.actions.byStatus)}`),
          OUTCOMES.map((outcome) => {
            const n = sweep.actions.byStatus[outcome] ?? 0;
            if (n === 0) return null;
            const bar = y(n);
            base -= bar;
            return svg('rect', {
              x,
              y: base,
              width: barWidth,
              height: bar,
              class: `seg seg-${outcome}`,
            });
          })
        );
      }),
      // The bars stand in equal slots, oldest first: the first and last are labelled with their
      // own times, under them, not at the axis's ends, which would read as a time scale.
      [...new Set([0, ordered.length - 1])]
        .filter((i) => i >= 0)
        .map((i) =>
          svg(
            'text',
            {
              x: pad.left + (i + 0.5) * step,
              y: height - 6,
              'text-anchor': 'middle',
              class: 'axis-label',
            },
            utc(ordered[i]?.scheduledAt).slice(11, 16)
          )
        )
    ),
    h(
      'figcaption',
      {},
      summary,
      ' ',
      h(
        'span',
        { class: 'legend' },
        present.map((o) => h('span', { class: `key key-${o}` }, o))
      )
    )
  );
}

function detail(app: App, id: string): Node {
  const holder = h(
    'section',
    { 'aria-label': `Sweep ${id}` },
    h('h2', {}, `Sweep ${id}`),
    h('p', { class: 'muted' }, 'Loading…')
  );
  app.api.get<SweepSummary>(`/v1/sweeps/${encodeURIComponent(id)}`).then(
    (s) => {
      holder.replaceChildren(
        h('h2', {}, `Sweep ${s.id}`),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Scheduled'),
          h('dd', {}, utc(s.scheduledAt)),
          h('dt', {}, 'Last update'),
          h('dd', {}, utc(s.updatedAt)),
          h('dt', {}, 'Asked'),
          h(
            'dd',
            {},
            `${s.asked.hosts} hosts`,
            s.asked.groups ? ` (${counts(s.asked.groups)})` : ''
          ),
          h('dt', {}, 'Saw'),
          h('dd', {}, `${s.seen.sessions} sessions, ${s.seen.errors} host errors`),
          h('dt', {}, 'Planned'),
          h('dd', {}, String(s.planned)),
          h('dt', {}, 'Did'),
          h('dd', {}, counts(s.actions.byStatus)),
          h('dt', {}, 'By operation'),
          h(
            'dd',
            {},
            Object.entries(s.actions.byOperation)
              .map(([op, c]) => `${op}: ${counts(c)}`)
              .join('; ') || 'none'
          ),
          h('dt', {}, 'Skipped'),
          h('dd', {}, counts(s.actions.skippedByReason))
        )
      );
    },
    (error: unknown) => holder.replaceChildren(errorBox(error, `Sweep ${id}`))
  );
  return holder;
}
