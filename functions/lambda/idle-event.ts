// The Lambda entry of `idle-event`: its runtime is built from the environment when Lambda loads the
// module (the init phase), so a bad configuration fails the cold start, not the first event.

import { createIdleEventHandler } from '../idle-event.js';
import { runtimeFromEnv } from '../shared/runtime.js';

export const handler = createIdleEventHandler(runtimeFromEnv());
