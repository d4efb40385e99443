// The Lambda entry of `sweep`: its runtime is built from the environment when Lambda loads the
// module (the init phase), so a bad configuration fails the cold start, not the first event.
import { runtimeFromEnv } from '../shared/runtime.js';
import { createSweepHandler } from '../sweep.js';

export const handler = createSweepHandler(runtimeFromEnv());
