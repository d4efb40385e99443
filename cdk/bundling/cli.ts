// `tsx cdk/bundling/cli.ts ENTRY OUTDIR`: what the stack's local bundling runs for each function
// (CDK constructs are synchronous; esbuild plugins need the asynchronous API).
import { bundleHandler } from './bundle.js';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) {
  console.error('usage: tsx cdk/bundling/cli.ts ENTRY OUTDIR');
  process.exit(2);
}
await bundleHandler(entry, outdir);
