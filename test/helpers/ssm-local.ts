import { SSMClient } from '@aws-sdk/client-ssm';
import type { SsmEventBridgeEvent } from '../../local/ssm/types.js';

/** The real SDK client against a local SSM, without SDK retries so each fault is seen once. */
export function localSsmClient(endpoint: string): SSMClient {
  return new SSMClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
}

/** Collects every event a local SSM delivers. */
export function recordEvents(
  subscribe: (listener: (event: SsmEventBridgeEvent) => void) => () => void
) {
  const events: SsmEventBridgeEvent[] = [];
  const unsubscribe = subscribe((event) => {
    events.push(event);
  });
  return { events, unsubscribe };
}

/** The status sequence of one instance's invocation events. */
export function invocationStatuses(events: readonly SsmEventBridgeEvent[], instanceId: string) {
  return events
    .filter(
      (event) =>
        event['detail-type'] === 'EC2 Command Invocation Status-change Notification' &&
        event.detail['instance-id'] === instanceId
    )
    .map((event) => event.detail.status);
}

/** Catches the SDK error of a call, to assert its `name`. */
export async function errorOf(call: Promise<unknown>): Promise<Error & { $metadata?: unknown }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
