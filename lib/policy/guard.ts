import type { ActionTarget } from '../actions/model.js';
import type { PlannedAction } from './plan.js';
import type { ResolvedGroup } from './schema.js';

type SessionGuard = Pick<
  Extract<ActionTarget, { kind: 'session' }>,
  'expectedState' | 'minIdleMinutes' | 'minDisconnectedMinutes'
>;

/**
 * What the host must still see before it carries out a policy's disconnect or logoff: the state the
 * session was planned in, and the rule's threshold, measured by the host itself (WTS last input or
 * disconnect time). A command that waited for delivery while the user came back, or logged off and
 * on again, is refused instead of acting on what the session has become. A warning needs none.
 */
export function hostGuard(plan: PlannedAction, group: ResolvedGroup): SessionGuard {
  if (plan.operation === 'notify') return {};
  if (plan.state === 'disconnected') {
    return plan.operation === 'logoff'
      ? { expectedState: 'disconnected', minDisconnectedMinutes: group.logoffDisconnectedMinutes }
      : {};
  }
  if (plan.state !== 'active') return {};
  const threshold =
    plan.operation === 'logoff' ? group.logoffIdleMinutes : group.disconnectIdleMinutes;
  return { expectedState: 'active', minIdleMinutes: threshold };
}
