import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../../lib/actions/model.js';
import type { HostScriptMode } from '../../local/runtime/options.js';
import { type Runtime, startRuntime } from '../../local/runtime/runtime.js';

/**
 * The whole service on one machine, set up for deterministic end-to-end tests: an in-memory
 * ledger, no scheduler (tests call `sweepNow`), a frozen fleet clock (tests call `fleet.advance`),
 * no users living on their own, and an SSM that runs scripts almost instantly.
 * The functions read their configuration from `process.env`: one runtime per test file.
 */
export interface E2e {
  runtime: Runtime;
  /** The instance id of a default-fleet host, by computer name (`RDSH-DE-02`). */
  hostId(computerName: string): string;
  /** A token for `subject` holding exactly `scopes`. */
  token(scopes: readonly string[], subject?: string): Promise<string>;
  /** One HTTP call to the API; `token: null` sends no Authorization header. */
  call(
    method: 'GET' | 'POST',
    path: string,
    options?: { token?: string | null; body?: unknown; rawBody?: string }
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Every action a ticket holds, oldest first. */
  ticketActions(ticketId: string): Promise<Action[]>;
  /** SendCommand calls that act on a host (not the listings the API and the sweep run). */
  actionCommands(): number;
  stop(): Promise<void>;
}

const LISTINGS = new Set(['ListSessions', 'ListOpenFiles', 'ListSmbSessions', 'ListShells']);

/**
 * `hostScript: 'pwsh'` runs the document's real script for every invocation; it takes real time,
 * so SSM's timeouts stay in real seconds there.
 */
export async function startE2e(
  policy?: unknown,
  {
    hostScript = 'typescript',
    fleet = 12,
    forwardEvents,
    idleEvents = false,
    idleLimitMinutes,
  }: {
    hostScript?: HostScriptMode;
    fleet?: number;
    forwardEvents?: string;
    /** Publish the fleet's Session Idle notices (its watcher's among them). */
    idleEvents?: boolean;
    /** `--idle-limit`: the session hosts' RDS idle limit. */
    idleLimitMinutes?: number;
  } = {}
): Promise<E2e> {
  const dir = await mkdtemp(join(tmpdir(), 'janitor-e2e-'));
  let policyFile: string | null = null;
  if (policy !== undefined) {
    policyFile = join(dir, 'policy.json');
    await writeFile(policyFile, JSON.stringify(policy));
  }
  const runtime = await startRuntime({
    port: 0,
    fleet,
    sweepEveryMs: Number.POSITIVE_INFINITY,
    seed: 7,
    policyFile,
    timeScale: 0,
    dataDir: dir,
    inMemory: true,
    janitorDir: dir,
    durationScale: 0,
    liveSessions: false,
    idleEvents,
    // 50 ms per SSM second: a 60 s delivery timeout lasts 3 s, so a loaded machine that delays a
    // timer never turns a delivered command into DeliveryTimedOut; no e2e test waits for one.
    ssmTiming: { pendingMs: 1, msPerSecond: hostScript === 'pwsh' ? 1000 : 50, eventDelayMs: 1 },
    hostScript,
    forwardEvents,
    ...(idleLimitMinutes === undefined ? {} : { idleLimitMinutes }),
    // The stage's throttle is tested on its own (test/chaos/load); here it would only slow tests.
    apiThrottle: null,
  });
  const names = new Map(runtime.fleet.instances().map((i) => [i.computerName, i.instanceId]));

  return {
    runtime,
    hostId(computerName) {
      const id = names.get(computerName);
      if (id === undefined) throw new Error(`no host ${computerName} in the fleet`);
      return id;
    },
    token: (scopes, subject = 'helpdesk-e2e') => runtime.tokens.issue({ subject, scopes }),
    async call(method, path, options = {}) {
      const token = options.token === undefined ? runtime.token : options.token;
      const body =
        options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const response = await fetch(`${runtime.apiUrl}${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
      };
    },
    async ticketActions(ticketId) {
      const page = await runtime.ledger.listByTicket(ticketId, { limit: 100, order: 'asc' });
      return page.items;
    },
    actionCommands() {
      return runtime.ssm.commands().filter((c) => !LISTINGS.has(c.parameters.Operation?.[0] ?? ''))
        .length;
    },
    async stop() {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
