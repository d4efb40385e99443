import { startAwsJsonServer } from '../aws-json/server.js';
import { REAL_TIME } from '../clock.js';
import { createOperations } from './api.js';
import { loadDocuments } from './document.js';
import { RunCommandEngine } from './engine.js';
import { SsmApiError } from './errors.js';
import { journalTo } from './journal.js';
import { createDice } from './random.js';
import {
  DEFAULT_FAULTS,
  DEFAULT_TIMING,
  type LocalSsm,
  type LocalSsmOptions,
  type SsmFaults,
} from './types.js';

/** A request body larger than this cannot be a valid SSM request (documents cap at 64 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts an SSM endpoint on 127.0.0.1 that speaks AWS JSON 1.1, so the real `SSMClient` works
 * against it unchanged, and runs `SessionJanitor-Operate` on the simulated fleet.
 *
 * @example const ssm = await startLocalSsm({ fleet, timing: { msPerSecond: 1 } });
 *   const client = new SSMClient({ endpoint: ssm.endpoint, region: 'us-east-1' });
 */
export async function startLocalSsm(options: LocalSsmOptions): Promise<LocalSsm> {
  const documents = loadDocuments();
  let faults: SsmFaults = { ...DEFAULT_FAULTS, ...options.faults };
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const seed = options.seed ?? 1;
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const throttleDice = createDice(seed);
  const clock = options.clock ?? (() => new Date());
  const engine = new RunCommandEngine({
    fleet: options.fleet,
    eventDice: createDice(seed ^ 0x27d4eb2f),
    timing,
    faults: () => faults,
    accountId,
    region,
    onListenerError:
      options.onListenerError ??
      ((error, event) =>
        process.emitWarning(
          `local SSM: a listener failed on ${event['detail-type']}: ${String(error)}`
        )),
    clock,
    scheduler: options.scheduler ?? REAL_TIME,
    onSent: options.journal === undefined ? undefined : journalTo(options.journal),
  });
  const operations = createOperations({
    engine,
    fleet: options.fleet,
    documents,
    faults: () => faults,
    accountId,
    region,
    startedAt: clock(),
    clock,
  });

  const server = await startAwsJsonServer({
    targetPrefix: 'AmazonSSM.',
    operations,
    maxBodyBytes: MAX_BODY_BYTES,
    admit: () => {
      if (faults.throttleRate > 0 && throttleDice.next() < faults.throttleRate) {
        throw new SsmApiError('ThrottlingException', 'Rate exceeded');
      }
    },
    port: options.port,
  });

  return {
    endpoint: server.endpoint,
    close: () => {
      engine.close();
      return server.close();
    },
    subscribe: (listener) => engine.subscribe(listener),
    setFaults: (next) => {
      faults = { ...faults, ...next };
    },
    commands: () => [...engine.sent],
    idle: () => engine.idle(),
  };
}
