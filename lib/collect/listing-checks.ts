/**
 * A listing older than this describes sessions that may have moved on (the user reconnected or
 * came back): the host guard checks only the user, so acting on it could log off someone working.
 * A late or redriven status event meets this; the next sweep lists the host afresh. The same bound
 * as for `Session Idle` events.
 */
const MAX_LISTING_AGE_MS = 15 * 60_000;

/** Why a listing the host produced at `hostTimeUtc` is too old to plan from, or `null`. */
export function staleListing(deps: { clock: () => Date }, hostTimeUtc: string): string | null {
  const age = deps.clock().getTime() - Date.parse(hostTimeUtc);
  return age > MAX_LISTING_AGE_MS ? `stale: sessions listed at ${hostTimeUtc}` : null;
}

/**
 * Why a host cannot act on any session now, by its own listing's language mode, or `null`. Under
 * WDAC or AppLocker the script runs in ConstrainedLanguage mode, where the guards' Add-Type is
 * blocked: every session action would fail (exit 30). Held, not retried, until a listing of the
 * host says FullLanguage again.
 */
export function actionsHeld(languageMode: string): string | null {
  if (languageMode === 'FullLanguage') return null;
  return `host runs PowerShell in ${languageMode} mode (WDAC or AppLocker): no session action until a listing shows FullLanguage`;
}
