// The Lambda entry of `command-status`: its runtime is built from the environment when Lambda loads the
// module (the init phase), so a bad configuration fails the cold start, not the first event.

import { createCommandStatusHandler } from '../command-status.js';
import { runtimeFromEnv } from '../shared/runtime.js';

export const handler = createCommandStatusHandler(runtimeFromEnv());
