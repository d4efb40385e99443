import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How long the local endpoints keep an idle connection. Node's default of 5 s closes a socket the
 * SDK's keep-alive agent may pick for its next request in the same instant (a reset: the SDK's
 * `TimeoutError: read ECONNRESET`), which a busy machine met in any pause past 5 s between two
 * phases of a test; AWS's endpoints keep idle connections far longer.
 */
export const IDLE_CONNECTION_MS = 60_000;

/**
 * An AWS JSON 1.1 error as the services send it: HTTP 400 (500 for internal errors) with
 * `{"__type": <code>, "message": <text>}`, which the SDK turns into an exception named `<code>`.
 */
export class AwsJsonError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsJsonError';
    this.type = type;
    this.status = status;
  }
}

export type AwsJsonOperation = (input: Record<string, unknown>) => unknown;

export interface AwsJsonServerOptions {
  /** `AmazonSSM.`, `AWSEvents.`: what `X-Amz-Target` starts with. */
  targetPrefix: string;
  operations: Record<string, AwsJsonOperation>;
  /** A request body larger than this cannot be a valid request of the service. */
  maxBodyBytes: number;
  /** Runs before each known operation: throws to refuse it (a throttle, for one). */
  admit?: () => void;
  /** Requests that are not AWS JSON (other method or path); `false`: not found. */
  other?: (request: IncomingMessage, response: ServerResponse) => boolean;
  port?: number;
}

export interface AwsJsonServer {
  endpoint: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBytes) {
        reject(new AwsJsonError('SerializationException', 'The request body is too large.'));
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
    throw new AwsJsonError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * An endpoint on 127.0.0.1 speaking AWS JSON 1.1 (`POST /`, `X-Amz-Target: <prefix><Operation>`),
 * so the real SDK clients and the AWS CLI work against it unchanged.
 */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || (request.url ?? '/') !== '/') {
      if (options.other?.(request, response)) return;
      send(response, 404, { __type: 'UnknownOperationException', message: 'Not found.' });
      return;
    }
    try {
      const body = await readBody(request, options.maxBodyBytes);
      const target = request.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(options.targetPrefix)
          ? target.slice(options.targetPrefix.length)
          : '';
      const operation = Object.hasOwn(options.operations, name)
        ? options.operations[name]
        : undefined;
      if (operation === undefined) {
        throw new AwsJsonError('UnknownOperationException', `Unknown operation ${String(target)}.`);
      }
      options.admit?.();
      send(response, 200, operation(parseInput(body)));
    } catch (error) {
      if (error instanceof AwsJsonError) {
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
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
