// Builds the web console (console/ → console/dist) with Vite, and prints what it weighs.
// `--if-stale`: only when the build is missing or older than a source (npm start runs it so);
// everything it needs comes with npm ci, nothing is fetched.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../console/', import.meta.url));
const dist = join(root, 'dist');

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

async function stale() {
  const built = await stat(join(dist, 'index.html')).catch(() => null);
  if (built === null) return true;
  const sources = [
    join(root, 'index.html'),
    join(root, 'vite.config.ts'),
    ...(await files(join(root, 'src'))),
  ];
  for (const source of sources) {
    if ((await stat(source)).mtimeMs > built.mtimeMs) return true;
  }
  return false;
}

if (process.argv.includes('--if-stale') && !(await stale())) process.exit(0);

const { build } = await import('vite');
await build({ configFile: join(root, 'vite.config.ts') });
let raw = 0;
let gzip = 0;
for (const file of await files(dist)) {
  const bytes = await readFile(file);
  raw += bytes.length;
  gzip += gzipSync(bytes).length;
}
console.log(
  `console built: ${(raw / 1024).toFixed(1)} KB (${(gzip / 1024).toFixed(1)} KB gzipped) in console/dist`
);
