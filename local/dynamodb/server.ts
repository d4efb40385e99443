import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type dynaliteServer from 'dynalite';
import { IDLE_CONNECTION_MS } from '../aws-json/server.js';

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const fromDynalite = createRequire(require.resolve('dynalite'));
/** Marks the MemoryLevel below, so that a second load of this module does not wrap it again. */
const OWN_ARRAYS = Symbol.for('session-janitor.memory-level.view');

/**
 * dynalite keeps an in-memory table in a MemoryLevel with the default store, Buffers: each key
 * and item it stores is a small `Buffer.from` of its JSON, a slice of one of Node's shared 8 KB
 * pool slabs, and keeps the whole slab alive for as long as the item lives. The requests' own
 * short-lived Buffers fill the rest of the slabs, so each stored entry kept about one slab: after
 * a sweep of 1,000 hosts, 134 MB of slabs for ~6 MB of keys and items, every garbage collection
 * walking a heap many times the data (10,000 hosts: 2.2 GB RSS). memory-level's
 * `storeEncoding: 'view'` stores each in a Uint8Array of its own, compared byte by byte as the
 * Buffers were (DynamoDB's UTF-8 order; `'utf8'` would compare UTF-16 code units). dynalite
 * takes no store option, so its MemoryLevel gets it as a default, before dynalite is loaded.
 */
function storeInOwnArrays(): void {
  const memoryLevel = fromDynalite('memory-level') as {
    MemoryLevel: new (options?: Record<string, unknown>) => object;
  };
  const { MemoryLevel } = memoryLevel;
  if (OWN_ARRAYS in MemoryLevel) return;
  if (require.cache[fromDynalite.resolve('./db')] !== undefined) {
    throw new Error('dynalite was loaded before local/dynamodb/server.ts could set its store');
  }
  memoryLevel.MemoryLevel = class extends MemoryLevel {
    static readonly [OWN_ARRAYS] = true;
    constructor(options?: Record<string, unknown>) {
      super({ storeEncoding: 'view', ...options });
    }
  };
}

/**
 * dynalite 4 turns its Level iterators into streams and, when a stream ends or is destroyed,
 * closes the iterator only `if (iterator.return)`; abstract-level 3 iterators have `close()` and
 * no `return()`, so every Query and Scan left its iterator open for good. An open iterator of
 * memory-level holds the version of the (persistent) tree it started on: with a Query between
 * writes, every version of every item ever written stayed reachable (a sweep of 1,000 hosts:
 * 1,001 open iterators, 125,000 tree nodes for ~15,000 entries). A `return()` that closes the
 * iterator lets dynalite close what it meant to (on disk too: classic-level's open iterators
 * hold LevelDB snapshots).
 */
function closeLevelIteratorsOnReturn(): void {
  const stores = [
    fromDynalite.resolve('memory-level'),
    createRequire(fromDynalite.resolve('level')).resolve('classic-level'),
  ];
  for (const store of stores) {
    const level = createRequire(store)('abstract-level') as Record<string, { prototype: object }>;
    for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
      const prototype = level[name]?.prototype as { close?: () => Promise<void> } | undefined;
      if (prototype === undefined || typeof prototype.close !== 'function') {
        throw new Error(`abstract-level has no ${name}.close: see closeLevelIteratorsOnReturn`);
      }
      if ('return' in prototype) continue;
      const next = (prototype as { next: (...args: unknown[]) => unknown }).next;
      Object.defineProperty(prototype, 'return', {
        configurable: true,
        writable: true,
        value(this: { close(): Promise<void> }) {
          return this.close().then(() => ({ done: true, value: undefined }));
        },
      });
      // A stream may still ask for its next entry once its iterator is closed (by `return()`, or
      // by the store closing under a Query: a restart). A closed iterator rejects that, and
      // dynalite destroys its stream with the error while the stream is already being destroyed:
      // Node then emits it with no listener, an uncaught exception. A closed iterator has ended.
      Object.defineProperty(prototype, 'next', {
        configurable: true,
        writable: true,
        value(...args: unknown[]) {
          const result = next.apply(this, args);
          if (args.length > 0) return result;
          return (result as Promise<unknown>).catch((error: unknown) => {
            if ((error as { code?: unknown }).code === 'LEVEL_ITERATOR_NOT_OPEN') return undefined;
            throw error;
          });
        },
      });
    }
  }
}

storeInOwnArrays();
closeLevelIteratorsOnReturn();
const dynalite = require('dynalite') as typeof dynaliteServer;

/**
 * Starts dynalite on 127.0.0.1. With `path` its data lives in LevelDB on disk (history survives a
 * restart); without, in memory.
 *
 * dynalite has no UpdateTimeToLive and answers DescribeTimeToLive DISABLED whatever was asked, so
 * a table the stack creates with TTL would look, locally, as if it had none. Both operations are
 * answered here instead, as DynamoDB answers them (kept beside the data, with `path`). Nothing
 * expires locally, though: DynamoDB deletes expired items "within a few days", dynalite never.
 */
export async function startDynalite(
  options: { port?: number; path?: string } = {}
): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: options.path,
  });
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  const ttlFile = options.path ? `${options.path}-ttl.json` : null;
  const ttl = new Map<string, string>(Object.entries(readTtl(ttlFile)));
  const [inner] = server.listeners('request') as RequestListener[];
  if (inner === undefined) throw new Error('dynalite has no request handler');
  server.removeAllListeners('request');
  let self: DynamoDBClient | null = null;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.split('.')[1];
    if (operation !== 'UpdateTimeToLive' && operation !== 'DescribeTimeToLive') {
      inner(request, response);
      return;
    }
    void readJson(request)
      .then(async (input) => {
        self ??= new DynamoDBClient({
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        });
        const answer = await timeToLive(self, ttl, operation, input);
        if (operation === 'UpdateTimeToLive' && ttlFile) {
          writeFileSync(ttlFile, JSON.stringify(Object.fromEntries(ttl)));
        }
        reply(response, 200, answer);
      })
      .catch((error: unknown) => {
        const { type, message } =
          error instanceof DynamoError
            ? error
            : {
                type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
                message: String(error),
              };
        reply(response, error instanceof DynamoError ? 400 : 500, { __type: type, message });
      });
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
        self?.destroy();
        server.close((e) => (e ? reject(e) : resolve()));
        // Clients keep their connections alive: without this, close waits out their idle time.
        server.closeAllConnections();
      }),
  };
}

class DynamoError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message);
  }
}

const validation = (message: string) =>
  new DynamoError('com.amazon.coral.validate#ValidationException', message);

async function timeToLive(
  client: DynamoDBClient,
  ttl: Map<string, string>,
  operation: 'UpdateTimeToLive' | 'DescribeTimeToLive',
  input: Record<string, unknown>
): Promise<unknown> {
  const tableName = input.TableName;
  if (typeof tableName !== 'string' || tableName === '') {
    throw validation(
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"
    );
  }
  await client.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      throw new DynamoError(
        'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        'Requested resource not found'
      );
    }
    throw error;
  });
  const current = ttl.get(tableName);
  if (operation === 'DescribeTimeToLive') {
    return {
      TimeToLiveDescription:
        current === undefined
          ? { TimeToLiveStatus: 'DISABLED' }
          : { TimeToLiveStatus: 'ENABLED', AttributeName: current },
    };
  }
  const spec = input.TimeToLiveSpecification as { Enabled?: unknown; AttributeName?: unknown };
  if (
    typeof spec !== 'object' ||
    spec === null ||
    typeof spec.Enabled !== 'boolean' ||
    typeof spec.AttributeName !== 'string' ||
    spec.AttributeName === ''
  ) {
    throw validation(
      "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"
    );
  }
  if (spec.Enabled && current !== undefined) throw validation('TimeToLive is already enabled');
  if (!spec.Enabled && current === undefined) throw validation('TimeToLive is already disabled');
  if (!spec.Enabled && current !== spec.AttributeName) {
    throw validation(
      `Attribute name ${spec.AttributeName} does not match the TTL attribute ${current}`
    );
  }
  if (spec.Enabled) ttl.set(tableName, spec.AttributeName);
  else ttl.delete(tableName);
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
}

function readTtl(file: string | null): Record<string, string> {
  if (file === null) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        resolve(typeof parsed === 'object' && parsed !== null ? parsed : {});
      } catch {
        reject(new DynamoError('com.amazon.coral.service#SerializationException', 'Bad JSON'));
      }
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
