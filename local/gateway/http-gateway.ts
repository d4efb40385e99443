import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { matchRoute } from '../../lib/api/routes.js';
import type { ApiThrottle } from '../../lib/contract.js';
import { lambdaContext } from '../runtime/lambda-context.js';
import { type ConsoleSite, serveConsole } from './console-site.js';
import { tokenBucket } from './throttle.js';
import type { TokenAuthority } from './tokens.js';

export type ApiHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

export interface Route {
  method: string;
  /** API Gateway route path, e.g. `/v1/actions/{id}`. */
  path: string;
  /** The route's authorizationScopes: the token needs at least one (API Gateway semantics). */
  scopes: readonly string[];
}

export interface HttpGateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Plays the part of API Gateway (HTTP API, payload 2.0, JWT authorizer) in front of the `api`
 * function: it verifies the bearer token (401 without a valid one, 403 without a route scope, both
 * before the function runs, as API Gateway does), matches the route, and hands the function the
 * same event shape it receives in the cloud. With `throttle`, the stage's token bucket comes first:
 * a request that finds it empty is answered 429 and goes no further, as API Gateway's is.
 */
export async function startHttpGateway(options: {
  handler: ApiHandler;
  routes: readonly Route[];
  tokens: TokenAuthority;
  /** The web console, served at every path outside `/v1/` (API Gateway leaves those to CloudFront). */
  console?: ConsoleSite;
  /** The stage's throttle; absent or `null`: none. */
  throttle?: ApiThrottle | null;
  port?: number;
  host?: string;
}): Promise<HttpGateway> {
  const inflight = new Set<Promise<void>>();
  const bucket = options.throttle ? tokenBucket(options.throttle) : null;
  const server = createServer((req, res) => {
    // The console's files come from CloudFront in the cloud: only the API counts against the stage.
    if (bucket && isApiPath(req.url ?? '/') && !bucket.take()) {
      req.resume();
      return send(res, 429, { message: 'Too Many Requests' });
    }
    const work = serve(req, res, options).catch(() => {
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
    });
    inflight.add(work);
    void work.finally(() => inflight.delete(work));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.allSettled([...inflight]);
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    handler: ApiHandler;
    routes: readonly Route[];
    tokens: TokenAuthority;
    console?: ConsoleSite;
  }
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  if (options.console && !isApiPath(url.pathname)) {
    return serveConsole(options.console, method, url.pathname, res);
  }
  const match = matchRoute(method, url.pathname, options.routes);
  if (!match) return send(res, 404, { message: 'Not Found' });

  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const verified = bearer ? await options.tokens.verify(bearer) : null;
  if (!verified) return send(res, 401, { message: 'Unauthorized' });
  if (!match.route.scopes.some((s) => verified.scopes.includes(s))) {
    return send(res, 403, { message: 'Forbidden' });
  }

  const body = await readBody(req);
  if (body === null) return send(res, 413, { message: 'Request Entity Too Large' });

  const now = new Date();
  const routeKey = `${method} ${match.route.path}`;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    query[key] = url.searchParams.getAll(key).join(',');
  }
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(match.params).length > 0 ? match.params : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: verified.claims, scopes: verified.scopes },
      },
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body : undefined,
    isBase64Encoded: false,
  };

  const result = await options.handler(event, lambdaContext('api', requestId));
  if (result === undefined || typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json', 'apigw-requestid': requestId });
    res.end(result ?? '');
    return;
  }
  const outHeaders: Record<string, string> = { 'apigw-requestid': requestId };
  for (const [key, value] of Object.entries(result.headers ?? {})) outHeaders[key] = String(value);
  res.writeHead(result.statusCode ?? 200, outHeaders);
  res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function isApiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/') || path.startsWith('/v1?');
}
