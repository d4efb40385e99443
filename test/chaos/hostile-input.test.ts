import { readdirSync, readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandStatusHandler } from '../../functions/command-status.js';
import { createRuntime } from '../../functions/shared/runtime.js';
import { loadConfig } from '../../lib/config/env.js';
import { SESSION_IDLE_DETAIL_TYPE, SESSION_IDLE_SOURCE } from '../../lib/contract.js';
import { sessionIdleEventSchema } from '../../lib/idle/schema.js';
import { ACTION_SK } from '../../lib/ledger/items.js';
import { PolicyError, parsePolicy } from '../../lib/policy/schema.js';
import { parseNetFile } from '../../lib/windows/net-file.js';
import { parseNetSession } from '../../lib/windows/net-session.js';
import { parseOpenfiles } from '../../lib/windows/openfiles.js';
import { OUTPUT_KINDS, readOutput } from '../../lib/windows/output-kind.js';
import { parseQuser } from '../../lib/windows/quser.js';
import { parseQwinsta } from '../../lib/windows/qwinsta.js';
import { parseShells } from '../../lib/windows/shells.js';
import { parseSmbOpenFiles, parseSmbSessions } from '../../lib/windows/smb-json.js';
import { DEMO_POLICY_FILE } from '../../local/runtime/runtime.js';
import { type E2e, startE2e } from '../e2e/harness.js';
import {
  anyJson,
  deepJson,
  FULL,
  hostileText,
  INJECTIONS,
  nested,
  RUNS,
  recordFigures,
  SEED,
  samples,
  WRONG_TYPES,
} from './corpus.js';
import { type SentWatch, watchSendCommand } from './sent.js';

// Hostile input at every door: the API (bodies, query strings, path parameters), `Session Idle`
// events, status events, policy files and the Windows output parsers. Refused with a 4xx or a
// validation error, never a 5xx, never a command the input caused, never a parameter the
// document's patterns would refuse.

let e2e: E2e;
let sent: SentWatch;
const statuses: Record<string, number> = {};
const tried = { api: 0, idleEvents: 0, statusEvents: 0, policies: 0, parserInputs: 0 };
let acceptedAsData = 0;

beforeAll(async () => {
  e2e = await startE2e();
  sent = watchSendCommand(e2e.runtime.clients.ssm);
});
afterAll(async () => {
  recordFigures('hostile-input', {
    seed: SEED,
    tried,
    statuses,
    acceptedAsData,
    sendCommandAttempts: sent?.attempts(),
    parametersChecked: sent?.checked(),
    parametersRefusable: sent?.refused().length,
  });
  await e2e?.stop();
});

/** Inside `npm test` every third corpus entry per field (rotating, so all are used); all in full. */
function corpusFor(fieldIndex: number): readonly string[] {
  return FULL ? INJECTIONS : INJECTIONS.filter((_, i) => (i + fieldIndex) % 3 === 0);
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  }
  return results;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; rawBody?: string } = {}
) {
  tried.api++;
  const response = await e2e.call(method, path, options);
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  return response;
}

/** Items in the ledger; with `actionsOnly`, the actions alone (not sweeps, quotas, sightings). */
async function ledgerItems(actionsOnly = false): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await e2e.runtime.clients.ddb.send(
      new ScanCommand({
        TableName: 'session-janitor-actions',
        ExclusiveStartKey: start,
        Select: 'COUNT',
        ...(actionsOnly
          ? {
              FilterExpression: 'sk = :action',
              ExpressionAttributeValues: { ':action': ACTION_SK },
            }
          : {}),
      })
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

/** SendCommand attempts that act on a host (not the listings). */
function acting(): number {
  return Object.entries(sent.byOperation())
    .filter(([operation]) => !operation.startsWith('List'))
    .reduce((n, [, count]) => n + count, 0);
}

interface Case {
  name: string;
  body: Record<string, unknown>;
  /** Fields the body may carry besides those it has, probed as well. */
  optional: string[];
}

function cases(): Case[] {
  const rdsh = e2e.hostId('RDSH-US-02');
  const fs = e2e.hostId('FS-US-01');
  const sessionId = e2e.runtime.fleet.addSession(rdsh, { user: 'CORP\\chaos.target' });
  const path = 'D:\\Shares\\Finance\\Chaos Probe.xlsx';
  const fileId = e2e.runtime.fleet.addOpenFile(fs, {
    path,
    clientComputerName: 'PC-CHAOS',
    user: 'chaos.probe',
  });
  const shellId = e2e.runtime.fleet.addShell(rdsh, { owner: 'CORP\\chaos.shell' });
  const session = {
    instanceId: rdsh,
    sessionId,
    userName: 'chaos.target',
    reason: 'chaos probe',
  };
  const sessionOptional = ['requestedBy', 'override', 'console'];
  return [
    { name: 'logoff', body: { operation: 'logoff', ...session }, optional: sessionOptional },
    {
      name: 'disconnect',
      body: { operation: 'disconnect', ...session },
      optional: sessionOptional,
    },
    {
      name: 'notify',
      body: { operation: 'notify', ...session, message: 'Please save your work', warnSeconds: 60 },
      optional: ['requestedBy'],
    },
    {
      name: 'close-file',
      body: { operation: 'close-file', instanceId: fs, fileId, path, reason: 'chaos probe' },
      optional: ['requestedBy', 'confirm'],
    },
    {
      name: 'end-shell',
      body: {
        operation: 'end-shell',
        instanceId: rdsh,
        shellId,
        owner: 'CORP\\chaos.shell',
        reason: 'chaos probe',
      },
      optional: ['requestedBy', 'override'],
    },
    {
      name: 'end-smb-session',
      body: {
        operation: 'end-smb-session',
        instanceId: fs,
        clientName: 'PC-CHAOS',
        userName: 'chaos.probe',
        confirm: false,
        reason: 'chaos probe',
      },
      optional: ['requestedBy'],
    },
  ];
}

/**
 * What a value may carry when it is accepted, outside a path: never a double or curly quote, `;`,
 * `&`, `|`, `$`, `%`, `<`, `>`, a backtick or a control character (an apostrophe, as in O'Brien,
 * is part of account names and of the document's user patterns). A path is compared on the host as a string,
 * never run: `&`, `$`, `%`, `(`, `)`, `'` are legal in Windows file names and in the document's
 * ExpectedPath and PathFilter patterns, so such a path may be accepted as data (the host finds no
 * file of that name). Every accepted value that reaches a host is also checked on its way there
 * against the document's patterns (`sent.refused()`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
const NEVER_OUTSIDE_A_PATH = /[;&|`$<>%"\u0000-\u001f\u2018-\u201f]/u;

describe('POST /v1/actions with hostile values in every field', () => {
  it('answers 4xx to every probe but harmless text, never 5xx, never a refusable parameter', async () => {
    const before = { acting: acting(), actions: await ledgerItems(true) };
    let n = 0;
    const probes: { label: string; field: string; body: Record<string, unknown> }[] = [];
    for (const c of cases()) {
      const fields = [...Object.keys(c.body), 'ticketId', ...c.optional];
      for (const [index, field] of fields.entries()) {
        const valid = c.body[field];
        const values: unknown[] = [
          ...corpusFor(index).flatMap((text) =>
            typeof valid === 'string' ? [text, `${valid}${text}`] : [text]
          ),
          ...(FULL ? WRONG_TYPES : WRONG_TYPES.filter((_, i) => (i + index) % 2 === 0)),
          ...samples(hostileText, FULL ? 20 : 3),
        ];
        for (const value of values) {
          if (value === valid) continue;
          probes.push({
            label: `${c.name} ${field} = ${JSON.stringify(value)?.slice(0, 60)}`,
            field,
            body: { ...c.body, ticketId: `CHAOS-${++n}`, [field]: value },
          });
        }
      }
    }
    const answers = await inBatches(probes, 20, async (probe) => ({
      probe,
      response: await call('POST', '/v1/actions', { body: probe.body }),
    }));
    let accepted = 0;
    for (const { probe, response } of answers) {
      expect(response.status, probe.label).toBeLessThan(500);
      if (response.status < 400) {
        if (probe.field !== 'path') {
          const value = probe.body[probe.field];
          const text = typeof value === 'string' ? value : JSON.stringify(value);
          expect(text, `accepted: ${probe.label}`).not.toMatch(NEVER_OUTSIDE_A_PATH);
        }
        accepted++;
        continue;
      }
      expect(response.status, probe.label).toBeGreaterThanOrEqual(400);
    }
    await e2e.runtime.settle();
    acceptedAsData += accepted;
    // Only what was accepted was recorded (one action each) and sent (at most one acting command
    // each; ending SMB sessions by user lists them first).
    expect(acting() - before.acting).toBeLessThanOrEqual(accepted);
    expect((await ledgerItems(true)) - before.actions).toBe(accepted);
    expect(sent.refused()).toEqual([]);
  });

  it('refuses bodies too deep, too long, duplicated keys and non-JSON with 4xx, sending nothing', async () => {
    const before = sent.attempts();
    const host = e2e.hostId('RDSH-US-02');
    const base = `"operation":"logoff","instanceId":"${host}","sessionId":2,"userName":"chaos.dup","reason":"chaos"`;
    const bodies = [
      deepJson(FULL ? 100_000 : 10_000),
      JSON.stringify({ ...JSON.parse(`{${base}}`), ticketId: 'DUP-0', extra: nested(500) }),
      `{${base},"ticketId":"DUP-1","sessionId":"2; calc"}`,
      `{${base},"ticketId":"DUP-2","userName":"x; calc","userName":"chaos.dup"}`,
      `{"ticketId":"DUP-3",${base},"operation":"shutdown"}`,
      `{${base},"ticketId":"${'T'.repeat(300_000)}"}`,
      '\u0000',
      '{"a":1}\u0000{"b":2}',
      '\ufeff{}',
      'null',
      '"logoff"',
      '1e999',
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ];
    for (const rawBody of bodies) {
      const response = await call('POST', '/v1/actions', { rawBody });
      expect(response.status, rawBody.slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(response.status, rawBody.slice(0, 60)).toBeLessThan(500);
    }
    await e2e.runtime.settle();
    expect(sent.attempts()).toBe(before);
  });
});

/** A `GET /v1/hosts` cursor as the listing encodes one, carrying `token` as SSM's next token. */
function hostsCursor(token: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: token }), 'utf8').toString('base64url');
}

describe('query strings and path parameters with hostile values', () => {
  it('answers 4xx (a path filter may pass as data), never 5xx, never a refusable parameter', async () => {
    const host = e2e.hostId('FS-US-01');
    const before = sent.attempts();
    const paths: { path: string; data: boolean }[] = [];
    for (const [index, text] of [...INJECTIONS, ...samples(hostileText, FULL ? 50 : 5)].entries()) {
      if (text === '') continue;
      const v = encodeURIComponent(text);
      const some = FULL || index % 2 === 0;
      paths.push(
        { path: `/v1/actions?instanceId=${v}`, data: false },
        { path: `/v1/actions?ticketId=${v}`, data: false },
        { path: `/v1/actions?userName=${v}`, data: false },
        { path: `/v1/actions?ticketId=T-1&limit=${v}`, data: false },
        { path: `/v1/actions?ticketId=T-1&cursor=${v}`, data: false },
        { path: `/v1/actions?ticketId=T-1&${v}=1`, data: false },
        { path: `/v1/actions/${encodeURIComponent(`act_${text}`)}`, data: false },
        { path: `/v1/hosts/${encodeURIComponent(`${host}${text}`)}/sessions`, data: false },
        { path: `/v1/hosts/${encodeURIComponent(`${host}${text}`)}/shells`, data: false },
        { path: `/v1/hosts?limit=${v}`, data: false },
        { path: `/v1/hosts?cursor=${v}`, data: false },
        // A cursor of the hosts listing's own shape: its token goes on to SSM, which refuses it.
        { path: `/v1/hosts?cursor=${hostsCursor(text)}`, data: false },
        { path: `/v1/sweeps?limit=${v}`, data: false },
        { path: `/v1/sweeps?cursor=${v}`, data: false },
        { path: `/v1/sweeps/${encodeURIComponent(text)}`, data: false },
        { path: `/v1/sweeps/${encodeURIComponent(`sw-2026-01-01T00:00:00Z${text}`)}`, data: false }
      );
      if (some) {
        paths.push(
          { path: `/v1/hosts/${host}/open-files?include=${v}`, data: false },
          { path: `/v1/hosts/${host}/open-files?after=${v}`, data: false },
          { path: `/v1/hosts/${host}/open-files?path=${v}`, data: true }
        );
      }
    }
    paths.push(
      { path: '/v1/actions?ticketId=a&ticketId=b', data: false },
      { path: '/v1/actions?instanceId=i-0123456789abcdef0&ticketId=T-1', data: false },
      { path: '/v1/actions', data: false }
    );
    let accepted = 0;
    const answers = await inBatches(paths, 20, async (p) => ({
      p,
      response: await call('GET', p.path),
    }));
    for (const { p, response } of answers) {
      expect(response.status, p.path.slice(0, 120)).toBeLessThan(500);
      if (response.status < 400) {
        expect(p.data, `accepted: ${p.path.slice(0, 120)}`).toBe(true);
        accepted++;
      }
    }
    await e2e.runtime.settle();
    acceptedAsData += accepted;
    // An accepted path filter is one ListOpenFiles; nothing else reached SSM.
    expect(sent.attempts() - before).toBe(accepted);
    expect(sent.refused()).toEqual([]);
  });
});

/** Generated values for one field of an event: hostile text or JSON of any shape. */
const anyField = fc.oneof(hostileText, anyJson);

function idleEvent(instanceId: string, sessionId: number): Record<string, unknown> {
  const now = e2e.runtime.fleet.now();
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': SESSION_IDLE_DETAIL_TYPE,
    source: SESSION_IDLE_SOURCE,
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${instanceId}`],
    detail: {
      instanceId,
      sessionId,
      userName: 'chaos.idle',
      domain: 'CORP',
      state: 'disconnected',
      idleMinutes: 600,
      logonTime: '2026-01-01T08:00',
      observedAt: now.toISOString(),
    },
  };
}

describe('Session Idle events with hostile values', () => {
  // No repeated keys here: EventBridge parses an event's Detail itself and the function receives
  // an object, so no text of it is left to read two ways.
  it('fails each one on its schema (a validation error), sending nothing', async () => {
    const host = e2e.hostId('RDSH-US-02');
    const sessionId = e2e.runtime.fleet.addSession(host, {
      user: 'CORP\\chaos.idle',
      state: 'disconnected',
    });
    const base = idleEvent(host, sessionId);
    const fields = [
      ...Object.keys(base).map((k) => [k]),
      ...Object.keys(base.detail as object).map((k) => ['detail', k]),
    ];
    const events: Record<string, unknown>[] = [];
    for (const [index, path] of fields.entries()) {
      for (const value of [
        ...corpusFor(index),
        ...WRONG_TYPES.slice(0, FULL ? undefined : 4),
        ...samples(anyField, FULL ? 20 : 2),
      ]) {
        const event = structuredClone(base);
        event.id = crypto.randomUUID();
        const [first, second] = path as [string, string?];
        if (second === undefined) event[first] = value;
        else (event[first] as Record<string, unknown>)[second] = value;
        // Values the schema would take unchanged are no probe.
        if (JSON.stringify(event) === JSON.stringify({ ...base, id: event.id })) continue;
        events.push(event);
      }
    }
    const before = {
      attempts: sent.attempts(),
      dead: e2e.runtime.bus.deadLetters.length,
      operations: sent.byOperation(),
    };
    for (const event of events) e2e.runtime.bus.put(event as never);
    tried.idleEvents += events.length;
    await e2e.runtime.settle();
    const dead = e2e.runtime.bus.deadLetters.slice(before.dead);
    // EventBridge delivers only what the rule matches (source and detail-type); of what it
    // delivers, each invalid event fails on its schema; a valid one at most asks the host.
    const delivered = events.filter(
      (e) => e.source === SESSION_IDLE_SOURCE && e['detail-type'] === SESSION_IDLE_DETAIL_TYPE
    );
    const valid = delivered.filter((e) => sessionIdleEventSchema.safeParse(e).success);
    expect(dead.length).toBe(delivered.length - valid.length);
    for (const letter of dead) expect(letter.error).toMatch(/ParseError|ZodError|invalid/i);
    expect(sent.attempts() - before.attempts).toBeLessThanOrEqual(valid.length);
    const operations = sent.byOperation();
    for (const [operation, count] of Object.entries(operations)) {
      if (operation !== 'ListSessions') expect(count, operation).toBe(before.operations[operation]);
    }
    expect(sent.refused()).toEqual([]);
  });
});

/**
 * A status event about a command of nobody's, as EventBridge hands it to the queue: of our
 * document by default (the function looks for the command and, finding none, hands the record
 * back to wait for it), or of another (ignored as not ours).
 */
function statusEvent(
  document = 'SessionJanitor-Operate'
): Record<string, unknown> & { detail: Record<string, unknown> } {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'EC2 Command Invocation Status-change Notification',
    source: 'aws.ssm',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${e2e.hostId('RDSH-US-02')}`],
    detail: {
      'command-id': crypto.randomUUID(),
      'document-name': document,
      'instance-id': e2e.hostId('RDSH-US-02'),
      'requested-date-time': new Date().toISOString(),
      status: 'Success',
    },
  };
}

/**
 * The bodies through the command-status function as SQS records, 100 a batch; the message ids it
 * hands back to SQS as failures.
 */
async function deliverStatusBodies(bodies: readonly string[]): Promise<Set<string>> {
  const handler = createCommandStatusHandler(
    createRuntime(loadConfig(), { clients: e2e.runtime.clients })
  );
  const records = bodies.map((body, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body,
    // The attributes SQS gives every record: without them each would fail on its envelope and
    // its body would never be read.
    attributes: {
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      SenderId: 'AIDAEVENTBRIDGE',
      SentTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:session-janitor-command-status',
    awsRegion: 'us-east-1',
  }));
  tried.statusEvents += records.length;
  const failed = new Set<string>();
  for (let i = 0; i < records.length; i += 100) {
    const batch = records.slice(i, i + 100);
    // A record is either a failure handed back to SQS or one about nothing of ours. A batch
    // of nothing but failures is thrown whole (Powertools' FullBatchFailureError): SQS then
    // redelivers it all, as it would each failed record.
    const result = await handler({ Records: batch } satisfies SQSEvent, {
      functionName: 'command-status',
      awsRequestId: crypto.randomUUID(),
      getRemainingTimeInMillis: () => 60_000,
    } as Context).catch((error: Error) => {
      expect(error.name).toBe('FullBatchFailureError');
      return { batchItemFailures: batch.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    for (const failure of result?.batchItemFailures ?? []) failed.add(failure.itemIdentifier);
  }
  return failed;
}

describe('status events with hostile values', () => {
  it('fails each record alone, changes nothing and sends nothing', async () => {
    const base = statusEvent();
    const bodies: string[] = [];
    const fields = [
      ...Object.keys(base).map((k) => [k]),
      ...Object.keys(base.detail).map((k) => ['detail', k]),
    ];
    for (const [index, path] of fields.entries()) {
      for (const value of [
        ...corpusFor(index),
        ...WRONG_TYPES.slice(0, FULL ? undefined : 4),
        ...samples(anyField, FULL ? 20 : 2),
      ]) {
        const event = structuredClone(base) as Record<string, unknown>;
        const [first, second] = path as [string, string?];
        if (second === undefined) event[first] = value;
        else (event[first] as Record<string, unknown>)[second] = value;
        bodies.push(JSON.stringify(event));
      }
    }
    bodies.push('', 'not json', deepJson(10_000), '{"detail":null}', '[]', 'null');
    for (const value of samples(anyJson, FULL ? 200 : 20)) bodies.push(JSON.stringify(value));
    const before = { attempts: sent.attempts(), items: await ledgerItems() };
    const failed = await deliverStatusBodies([
      JSON.stringify(statusEvent('AWS-RunPowerShellScript')),
      ...bodies,
    ]);
    // Another document's event is read and found to be none of ours: the bodies reach the status
    // event schema, not only the SQS envelope's.
    expect(failed.has('m-0')).toBe(false);
    expect(sent.attempts()).toBe(before.attempts);
    expect(await ledgerItems()).toBe(before.items);
  });

  it('fails each record whose body repeats a key, whichever key', async () => {
    // Another document's event, which the function ignores unless the repeat makes it fail.
    const text = JSON.stringify(statusEvent('AWS-RunPowerShellScript'));
    const detail = text.indexOf('"detail":{') + '"detail":{'.length;
    const bodies = [
      text.replace('{', '{"source":"chaos.forged",'),
      text.replace('{', '{"detail":{"status":"Failed"},'),
      `${text.slice(0, detail)}"status":"Failed",${text.slice(detail)}`,
      `${text.slice(0, detail)}"command-id":"${crypto.randomUUID()}",${text.slice(detail)}`,
      `${text.slice(0, detail)}"instance-id":"i-0123456789abcdef0",${text.slice(detail)}`,
      // Ours to a reader that takes the first key, another document's to JSON.parse.
      `${text.slice(0, detail)}"document-name":"SessionJanitor-Operate",${text.slice(detail)}`,
    ];
    const before = { attempts: sent.attempts(), items: await ledgerItems() };
    const failed = await deliverStatusBodies([text, ...bodies]);
    expect([...failed].sort()).toEqual(bodies.map((_, i) => `m-${i + 1}`).sort());
    expect(sent.attempts()).toBe(before.attempts);
    expect(await ledgerItems()).toBe(before.items);
  });
});

describe('policy files with hostile values', () => {
  it('refuses every one with a PolicyError naming the field, or takes only what is harmless', () => {
    const demo = JSON.parse(readFileSync(DEMO_POLICY_FILE, 'utf8')) as Record<string, unknown>;
    const leaves: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value))
          walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
      }
      leaves.push(path);
    };
    walk(demo, []);
    let accepted = 0;
    for (const path of leaves) {
      if (path.length === 0) continue;
      for (const value of [...INJECTIONS, ...WRONG_TYPES]) {
        const doc = structuredClone(demo);
        let at: Record<string | number, unknown> = doc;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        at[path.at(-1) as string] = value;
        tried.policies++;
        try {
          parsePolicy(JSON.stringify(doc));
          accepted++;
          // Only user patterns take wildcards, and only wildcards and names pass.
          if (typeof value === 'string') expect(value, path.join('.')).toMatch(/^[\w.*?\\ -]*$/u);
        } catch (error) {
          expect(error, path.join('.')).toBeInstanceOf(PolicyError);
        }
      }
    }
    fc.assert(
      fc.property(anyJson, (value) => {
        tried.policies++;
        try {
          parsePolicy(value);
        } catch (error) {
          return error instanceof PolicyError;
        }
        return true;
      }),
      { numRuns: RUNS * 4, seed: SEED }
    );
    expect(accepted).toBeLessThan(tried.policies / 4);
  });
});

/** `value` as JSON text, the first key of the object `target` written twice. */
function withRepeatedKey(value: unknown, target: object): string {
  if (Array.isArray(value)) return `[${value.map((v) => withRepeatedKey(v, target)).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).map(
    ([k, v]) => `${JSON.stringify(k)}:${withRepeatedKey(v, target)}`
  );
  if (value === target && entries[0] !== undefined) entries.unshift(entries[0]);
  return `{${entries.join(',')}}`;
}

describe('policy files that repeat a key', () => {
  it('refuses each with a PolicyError naming the repeated key, in every object of the file', () => {
    const demo = JSON.parse(readFileSync(DEMO_POLICY_FILE, 'utf8')) as Record<string, unknown>;
    const objects: Record<string, unknown>[] = [];
    const walk = (value: unknown) => {
      if (value === null || typeof value !== 'object') return;
      if (!Array.isArray(value) && Object.keys(value).length > 0) {
        objects.push(value as Record<string, unknown>);
      }
      for (const v of Object.values(value)) walk(v);
    };
    walk(demo);
    expect(objects.length).toBeGreaterThan(3);
    for (const target of objects) {
      tried.policies++;
      const key = Object.keys(target)[0] ?? '';
      expect(() => parsePolicy(withRepeatedKey(demo, target)), key).toThrow(
        `"${key}" appears more than once`
      );
    }
  });
});

describe('Windows output parsers fed random and truncated text', () => {
  const parsers: Record<string, (text: string) => unknown> = {
    quser: parseQuser,
    qwinsta: parseQwinsta,
    netFile: parseNetFile,
    netSession: parseNetSession,
    openfiles: parseOpenfiles,
    shells: parseShells,
    smbOpenFiles: parseSmbOpenFiles,
    smbSessions: parseSmbSessions,
    ...Object.fromEntries(OUTPUT_KINDS.map((k) => [`read:${k}`, (t: string) => readOutput(k, t)])),
  };

  function expectTyped(result: unknown, label: string) {
    const r = result as { rows?: unknown; warnings?: unknown; kind?: unknown };
    if (r.kind === 'not-recognised') return;
    expect(Array.isArray(r.rows), label).toBe(true);
    expect(Array.isArray(r.warnings), label).toBe(true);
  }

  it('answers a typed result for every truncation of every captured output, never throws', () => {
    const root = new URL('../fixtures/windows/', import.meta.url);
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && /\.(txt|json)$/.test(d.name) && d.name !== 'manifest.json')
      .map((d) => readFileSync(`${d.parentPath}/${d.name}`, 'utf8'));
    expect(files.length).toBeGreaterThan(20);
    const step = FULL ? 1 : 7;
    for (const text of files) {
      for (let cut = 0; cut <= text.length; cut += step) {
        const piece = text.slice(0, cut);
        for (const [name, parse] of Object.entries(parsers)) {
          tried.parserInputs++;
          expectTyped(parse(piece), `${name} cut at ${cut}`);
        }
      }
    }
  });

  it('answers a typed result for random text and random JSON, never throws', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .array(fc.string({ unit: 'grapheme', maxLength: 60 }), { maxLength: 12 })
        .map((l) => l.join('\r\n')),
      anyJson.map((v) => JSON.stringify(v)),
      hostileText
    );
    fc.assert(
      fc.property(texts, (text) => {
        for (const [name, parse] of Object.entries(parsers)) {
          tried.parserInputs++;
          expectTyped(parse(text), name);
        }
      }),
      { numRuns: RUNS * 4, seed: SEED }
    );
  });
});
