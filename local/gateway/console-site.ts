import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** The built console (`console/dist`) and what its `config.json` says locally. */
export interface ConsoleSite {
  dir: string;
  /** Served as `/config.json`: locally the API is this origin and sign-in is by token. */
  config: Record<string, unknown>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/**
 * What CloudFront's response headers policy sets in the cloud: the page loads only its own
 * scripts and styles and talks only to its own origin; no framing, no sniffing, no referrer.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the console's files; any other path is the single page (its router reads the hash), as
 * CloudFront's error response does. A path that climbs out of the directory finds nothing.
 */
export async function serveConsole(
  site: ConsoleSite,
  method: string,
  pathname: string,
  res: ServerResponse
): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Method Not Allowed' }));
    return;
  }
  if (pathname === '/config.json') {
    return reply(res, method, 200, '.json', Buffer.from(JSON.stringify(site.config)), 'no-store');
  }
  const root = normalize(site.dir);
  const decoded = safeDecode(pathname);
  const file = decoded === null ? root : normalize(join(root, decoded));
  const inside = file.startsWith(root + sep) && extname(file) !== '';
  const asset = inside ? await readFile(file).catch(() => null) : null;
  if (asset !== null) {
    // Vite names every asset by its content hash: cache those for good, never the page.
    const immutable = file.includes(`${sep}assets${sep}`);
    return reply(
      res,
      method,
      200,
      extname(file),
      asset,
      immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
    );
  }
  const page = await readFile(join(root, 'index.html')).catch(() => null);
  if (page === null) {
    const text =
      'The console is not built: npm run build:console (npm start builds it when missing).\n';
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
    return;
  }
  return reply(res, method, 200, '.html', page, 'no-cache');
}

function reply(
  res: ServerResponse,
  method: string,
  status: number,
  extension: string,
  body: Buffer,
  cache: string
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extension] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': cache,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
