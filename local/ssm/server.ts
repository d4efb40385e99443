import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REAL_TIME } from '../clock.js';
import { createOperations } from './api.js';
import { loadDocuments } from './document.js';
import { RunCommandEngine } from './engine.js';
import { SsmApiError } from './errors.js';
import { createDice } from './random.js';
import {
  DEFAULT_FAULTS,
  DEFAULT_TIMING,
  type LocalSsm,
  type LocalSsmOptions,
  type SsmFaults,
} from './types.js';

const TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** A request body larger than this cannot be a valid SSM request (documents cap at 64 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new SsmApiError('SerializationException', 'The request body is too large.'));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function parseInput(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SsmApiError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SsmApiError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

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

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || (request.url ?? '/') !== '/') {
      send(response, 404, { __type: 'UnknownOperationException', message: 'Not found.' });
      return;
    }
    try {
      const body = await readBody(request);
      const target = request.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : '';
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (operation === undefined) {
        throw new SsmApiError('UnknownOperationException', `Unknown operation ${String(target)}.`);
      }
      if (faults.throttleRate > 0 && throttleDice.next() < faults.throttleRate) {
        throw new SsmApiError('ThrottlingException', 'Rate exceeded');
      }
      send(response, 200, operation(parseInput(body)));
    } catch (error) {
      if (error instanceof SsmApiError) {
        send(response, error.status, { __type: error.type, message: error.message });
        return;
      }
      send(response, 500, {
        __type: 'InternalServerError',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        engine.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    subscribe: (listener) => engine.subscribe(listener),
    setFaults: (next) => {
      faults = { ...faults, ...next };
    },
    commands: () => [...engine.sent],
    idle: () => engine.idle(),
  };
}
