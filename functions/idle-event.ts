import { parse } from '@aws-lambda-powertools/parser';
import { handleSessionIdle, type IdleDeps } from '../lib/idle/handle.js';
import { sessionIdleEventSchema } from '../lib/idle/schema.js';
import { observed } from './shared/middleware.js';
import { log } from './shared/observability.js';
import type { Runtime } from './shared/runtime.js';

/**
 * `idle-event` (EventBridge `Session Idle`): validates the event and, for a managed host, asks that
 * host for its sessions. The event is a hint only: `command-status` plans from the host's answer.
 * A stale event, one that asks for nothing, or one whose check already led to an action does
 * nothing.
 */
export function createIdleEventHandler(runtime: Runtime) {
  const deps: IdleDeps = {
    ...runtime.send,
    ...runtime.hostTags,
    ledger: runtime.ledger,
    policy: runtime.policy,
    checkLimit: {
      perHost: runtime.config.IDLE_EVENT_CHECKS_PER_HOST,
      windowMinutes: runtime.config.IDLE_EVENT_CHECK_WINDOW_MINUTES,
    },
  };
  return observed(async (event: unknown) => {
    const idle = parse(event, undefined, sessionIdleEventSchema);
    log().appendKeys({ eventId: idle.id, instanceId: idle.detail.instanceId });
    const result = await handleSessionIdle(deps, idle);
    log().info('session idle event handled', {
      result: result.kind,
      sessionId: idle.detail.sessionId,
      ...(result.kind === 'ignored' ? { reason: result.reason } : { group: result.group }),
      ...(result.kind === 'checking' ? { commandId: result.commandId } : {}),
    });
    return result;
  });
}
