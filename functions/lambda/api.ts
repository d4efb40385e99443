// The Lambda entry of `api`: its runtime is built from the environment when Lambda loads the
// module (the init phase), so a bad configuration fails the cold start, not the first event.

import { createApiHandler } from '../api.js';
import { runtimeFromEnv } from '../shared/runtime.js';

export const handler = createApiHandler(runtimeFromEnv());
