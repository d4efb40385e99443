#!/usr/bin/env node
// The `janitor` command: registers tsx so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { runProcess } = await import('../local/cli/main.ts');
await runProcess();
