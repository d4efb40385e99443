/** What the fault runs share: their policy and how Lambda retries a failed async invocation. */

/** Thresholds every run acts on; the protected accounts excluded, as operators set it up. */
export const FAULT_POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 100_000 },
  userGroups: { protected: ['svc_*', '*\\svc_*', 'Administrator', '*\\Administrator'] },
  default: {
    disconnectIdleMinutes: 5,
    logoffDisconnectedMinutes: 15,
    exclude: { groups: ['protected'] },
    maxActionsPerHost: 50,
  },
};

/**
 * One asynchronous invocation as Lambda makes it: a failed one is tried twice more (Lambda waits
 * a minute, then two; here `retryDelayMs` times the attempt), then dead-lettered. Each failure's
 * error name goes to `failures`; false: dead-lettered.
 */
export async function invokeAsync(
  invoke: () => Promise<unknown>,
  failures: string[],
  retryDelayMs = 0
): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0 && retryDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
    try {
      await invoke();
      return true;
    } catch (error) {
      failures.push((error as Error).name);
    }
  }
  return false;
}
