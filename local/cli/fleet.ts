import type { HostSummary, SweepSummary } from '../../lib/api/fleet.js';
import { CliError, call, EXIT_CODES } from './api-client.js';
import {
  PAGE_OPTIONS,
  pageQuery,
  parse,
  printJson,
  say,
  sayPage,
  showHelp,
  TARGET_USAGE,
  targetOf,
  timeText,
} from './command.js';
import type { CliCommand } from './main.js';
import { renderTable } from './table.js';

function sweepResultText(sweep: NonNullable<HostSummary['lastSweep']>): string {
  if (sweep.result === 'listed') return `listed ${sweep.sessions ?? 0} sessions`;
  return sweep.result;
}

export function hostRows(items: readonly HostSummary[]): string {
  return renderTable(
    ['INSTANCE', 'COMPUTER', 'PING', 'PLATFORM', 'GROUP', 'LAST SWEEP', 'RESULT', 'LAST ACTION'],
    items.map((h) => [
      h.instanceId,
      h.computerName ?? '',
      h.pingStatus,
      h.platformName ?? '',
      h.policyGroup,
      h.lastSweep ? timeText(h.lastSweep.scheduledAt) : '-',
      h.lastSweep ? sweepResultText(h.lastSweep) : '-',
      h.lastAction
        ? `${timeText(h.lastAction.createdAt)} ${h.lastAction.operation} ${h.lastAction.status}`
        : '-',
    ])
  );
}

/** `{succeeded: 3, skipped: 1}` as `succeeded 3, skipped 1`, biggest first. */
function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return '-';
  return entries
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

export function sweepRows(items: readonly SweepSummary[]): string {
  return renderTable(
    ['SWEEP', 'HOSTS', 'SESSIONS', 'ERRORS', 'PLANNED', 'ACTIONS', 'BY STATUS'],
    items.map((s) => [
      s.id,
      String(s.asked.hosts),
      String(s.seen.sessions),
      String(s.seen.errors),
      String(s.planned),
      String(s.actions.total),
      countsText(s.actions.byStatus),
    ])
  );
}

export function sweepDetail(s: SweepSummary): string {
  const lines = [
    `sweep      ${s.id}`,
    `scheduled  ${s.scheduledAt}`,
    `started    ${s.startedAt}`,
    `updated    ${s.updatedAt}`,
    `asked      ${s.asked.hosts} hosts${s.asked.groups ? ` (${countsText(s.asked.groups)})` : ''}`,
    `seen       ${s.seen.sessions} sessions, ${s.seen.errors} hosts that could not list them`,
    `planned    ${s.planned} actions to send`,
    `actions    ${s.actions.total}: ${countsText(s.actions.byStatus)}`,
  ];
  const operations = Object.entries(s.actions.byOperation).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(0, ...operations.map(([name]) => name.length));
  for (const [operation, byStatus] of operations) {
    lines.push(`  ${operation.padEnd(width)}  ${countsText(byStatus)}`);
  }
  lines.push(`skipped    ${countsText(s.actions.skippedByReason)}`);
  return lines.join('\n');
}

const hosts: CliCommand = {
  summary: 'list the managed hosts: SSM ping status, platform, policy group, last sweep',
  usage: `janitor hosts [--limit 5-50] [--cursor C]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, PAGE_OPTIONS, this.usage);
    if (values.help) return showHelp(io, this.usage);
    if (positionals.length > 0)
      throw new CliError(`hosts takes no arguments\n${this.usage}`, EXIT_CODES.usage);
    const query = pageQuery(values);
    const { body } = await call(
      await targetOf(values, io),
      'GET',
      `/v1/hosts${query.size > 0 ? `?${query}` : ''}`
    );
    const page = body as { items: HostSummary[]; cursor: string | null };
    if (values.json) return printJson(io, page);
    sayPage(
      io,
      page.items.length > 0 ? hostRows(page.items) : null,
      'no managed hosts',
      page.cursor
    );
    return EXIT_CODES.ok;
  },
};

const sweeps: CliCommand = {
  summary: 'list the sweeps, newest first, or show one (what it asked, saw, planned, did, skipped)',
  usage: `janitor sweeps [SWEEP_ID] [--limit 1-50] [--cursor C]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, PAGE_OPTIONS, this.usage);
    if (values.help) return showHelp(io, this.usage);
    if (positionals.length > 1)
      throw new CliError(`give at most one sweep id\n${this.usage}`, EXIT_CODES.usage);
    const [id] = positionals;
    if (id !== undefined && (values.limit !== undefined || values.cursor !== undefined))
      throw new CliError(
        `--limit and --cursor page the list, not one sweep\n${this.usage}`,
        EXIT_CODES.usage
      );
    const target = await targetOf(values, io);
    if (id !== undefined) {
      const { body } = await call(target, 'GET', `/v1/sweeps/${encodeURIComponent(id)}`);
      if (values.json) return printJson(io, body);
      say(io, sweepDetail(body as SweepSummary));
      return EXIT_CODES.ok;
    }
    const query = pageQuery(values);
    const { body } = await call(target, 'GET', `/v1/sweeps${query.size > 0 ? `?${query}` : ''}`);
    const page = body as { items: SweepSummary[]; cursor: string | null };
    if (values.json) return printJson(io, page);
    sayPage(io, page.items.length > 0 ? sweepRows(page.items) : null, 'no sweeps', page.cursor);
    return EXIT_CODES.ok;
  },
};

/** The fleet's commands: its hosts and its sweeps. */
export const fleetCommands: Record<string, CliCommand> = { hosts, sweeps };
