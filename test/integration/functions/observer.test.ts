import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';

const action: Action = {
  id: 'act_abcdefghijklmnopqrstuvwxyz',
  operation: 'logoff',
  instanceId: 'i-0a1b2c3d4e5f60718',
  target: { kind: 'session', sessionId: 3, expectedUser: 'CONTOSO\\alice', logonTime: null },
  trigger: { kind: 'api', ticketId: 'INC0012345', caller: 'helpdesk' },
  reason: 'user reports a frozen session',
  policy: null,
  message: null,
  warnSeconds: null,
  status: 'failed',
  dryRun: false,
  commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
  attempts: 1,
  result: { exitCode: 1, errorCode: 'win32:5', excerpt: 'Access is denied.' },
  createdAt: '2026-11-21T20:05:00.000Z',
  timestamps: { planned: '2026-11-21T20:05:00.000Z' },
  deadline: null,
};

/** Everything Powertools writes (EMF metrics on stdout, JSON log lines on the console). */
function capture(): { lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    raw.push(String(chunk));
    return true;
  });
  for (const level of ['log', 'info', 'warn'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      raw.push(args.map(String).join(' '));
    });
  }
  return {
    lines: () =>
      raw
        .flatMap((text) => text.split('\n'))
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('powertoolsObserver', () => {
  let observer: typeof import('../../../functions/shared/observer.js')['powertoolsObserver'];
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.POWERTOOLS_DEV = 'false';
    vi.resetModules();
    ({ powertoolsObserver: observer } = await import('../../../functions/shared/observer.js'));
    const { logger } = await import('../../../functions/shared/observability.js');
    logger.setLogLevel('INFO');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = saved.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_DEV = saved.POWERTOOLS_DEV;
    if (saved.POWERTOOLS_METRICS_DISABLED === undefined)
      delete process.env.POWERTOOLS_METRICS_DISABLED;
  });

  it('emits ActionOutcome by operation and outcome, and logs the action and ticket ids', () => {
    const out = capture();

    observer.finished(action);

    const lines = out.lines();
    expect(lines).toContainEqual(
      expect.objectContaining({
        ActionOutcome: 1,
        operation: 'logoff',
        outcome: 'failed',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'SessionJanitor',
              Dimensions: [['service', 'operation', 'outcome']],
            }),
          ],
        }),
      })
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'action finished',
        actionId: action.id,
        ticketId: 'INC0012345',
        commandId: action.commandId,
        errorCode: 'win32:5',
      })
    );
  });

  it('emits ActionsPlanned with the decision as outcome', () => {
    const out = capture();

    observer.planned({ ...action, status: 'planned' }, 'skip');

    expect(out.lines()).toContainEqual(
      expect.objectContaining({ ActionsPlanned: 1, operation: 'logoff', outcome: 'skip' })
    );
  });

  it('emits ActionsSkipped by operation and reason beside the skipped outcome', () => {
    const out = capture();

    observer.finished({
      ...action,
      status: 'skipped',
      result: { exitCode: null, errorCode: 'policy:quiet-hours', excerpt: 'quiet hours' },
    });

    expect(out.lines()).toContainEqual(
      expect.objectContaining({
        ActionsSkipped: 1,
        operation: 'logoff',
        reason: 'policy:quiet-hours',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({ Dimensions: [['service', 'operation', 'reason']] }),
          ],
        }),
      })
    );
    expect(out.lines()).toContainEqual(
      expect.objectContaining({ ActionOutcome: 1, outcome: 'skipped' })
    );
  });

  it('emits no ActionsSkipped for an action that ended otherwise', () => {
    const out = capture();

    observer.finished(action);

    expect(out.lines().filter((line) => 'ActionsSkipped' in line)).toEqual([]);
  });

  it('emits SweepDuration in milliseconds and SweepHosts, with the service dimension only', () => {
    const out = capture();

    observer.sweepRan({
      sweepId: 'sw-2026-11-21T20:00:00Z',
      hosts: 42,
      repeated: false,
      durationMs: 1234,
    });

    const lines = out.lines();
    const metric = (name: string) => lines.find((line) => name in line);
    expect(metric('SweepDuration')).toMatchObject({
      SweepDuration: 1234,
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'SessionJanitor',
            Dimensions: [['service']],
            Metrics: [{ Name: 'SweepDuration', Unit: 'Milliseconds' }],
          },
        ],
      },
    });
    expect(metric('SweepHosts')).toMatchObject({
      SweepHosts: 42,
      _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: 'SweepHosts', Unit: 'Count' }] }] },
    });
  });

  it('emits SsmThrottleRetries by SSM operation', () => {
    const out = capture();

    observer.ssmThrottled('SendCommand', 2);

    expect(out.lines()).toContainEqual(
      expect.objectContaining({
        SsmThrottleRetries: 1,
        operation: 'SendCommand',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [expect.objectContaining({ Dimensions: [['service', 'operation']] })],
        }),
      })
    );
  });
});
