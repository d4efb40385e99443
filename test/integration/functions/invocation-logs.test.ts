import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionIdleEvent } from '../../../lib/idle/schema.js';
import { lambdaContext } from '../../../local/runtime/lambda-context.js';
import {
  type ApiHarness,
  sample as apiSample,
  startApiHarness,
  withQuery,
} from '../api/harness.js';
import { type Harness, sample, startHarness } from './harness.js';

/**
 * The local runtime runs many invocations at once in one process. Each must log with its own
 * keys (and its own request id), never with those another invocation appended meanwhile.
 */

const saved = { ...process.env };
let h: Harness;
let api: ApiHarness;
let template: SessionIdleEvent;

beforeAll(async () => {
  // One JSON line per entry on stdout, as in Lambda (POWERTOOLS_DEV pretty-prints).
  process.env.POWERTOOLS_DEV = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  // What Lambda sets: the process's first invocation is its cold start.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  vi.resetModules();
  h = await startHarness({ policy: { version: 1, default: {} }, fleet: { hosts: 2 } });
  api = await startApiHarness();
  template = await sample<SessionIdleEvent>('session-idle/active.json');
});
afterAll(async () => {
  process.env.POWERTOOLS_DEV = saved.POWERTOOLS_DEV;
  process.env.POWERTOOLS_LOG_LEVEL = saved.POWERTOOLS_LOG_LEVEL;
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  vi.restoreAllMocks();
  await h.close();
  await api.close();
});

function idleEvent(instanceId: string): SessionIdleEvent {
  return {
    ...template,
    id: randomUUID(),
    time: h.fleet.now().toISOString(),
    resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
    detail: { ...template.detail, instanceId, observedAt: h.fleet.now().toISOString() },
  };
}

function captureStdout(): () => Record<string, unknown>[] {
  const raw: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    raw.push(String(chunk));
    return true;
  });
  return () =>
    raw
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('concurrent invocations in one process', () => {
  it('log their own keys and request ids, and only the first is a cold start', async () => {
    const { createIdleEventHandler } = await import('../../../functions/idle-event.js');
    const idle = createIdleEventHandler(h.runtime);
    const events = [idleEvent(h.instance(0)), idleEvent(h.instance(1))];
    const requestIds = [randomUUID(), randomUUID()];
    const lines = captureStdout();

    await Promise.all(
      events.map((event, i) => idle(event, lambdaContext('idle-event', requestIds[i] ?? '')))
    );

    const handled = lines().filter((line) => line.message === 'session idle event handled');
    expect(handled).toHaveLength(2);
    for (const [i, event] of events.entries()) {
      expect(handled).toContainEqual(
        expect.objectContaining({
          eventId: event.id,
          instanceId: event.detail.instanceId,
          function_request_id: requestIds[i],
        })
      );
    }
    expect(handled.map((line) => line.cold_start).sort()).toEqual([false, true]);
  });

  it('of the api log their own ticket and route', async () => {
    const tickets = ['LOGS-1', 'LOGS-2'];
    const lines = captureStdout();

    await Promise.all([
      ...tickets.map((ticketId) =>
        api.handler(
          withQuery(apiSample('list-actions-by-ticket'), { ticketId }),
          lambdaContext('api', randomUUID())
        )
      ),
      api.handler(apiSample('get-host-sessions'), lambdaContext('api', randomUUID())),
    ]);

    const answered = lines().filter((line) => line.message?.toString().startsWith('api request'));
    expect(answered).toHaveLength(3);
    for (const ticketId of tickets) {
      expect(answered).toContainEqual(
        expect.objectContaining({ route: 'listActions', statusCode: 200, ticketId })
      );
    }
    expect(answered).toContainEqual(expect.not.objectContaining({ ticketId: expect.anything() }));
  });
});
