import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console: one page, its script and its stylesheet, named by content hash. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
