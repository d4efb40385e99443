/**
 * Exclusion matching. `quser` prints the bare account name, while an idle event may carry the
 * domain too, so a domain-qualified pattern must still protect a user whose domain is unknown:
 * when in doubt, the user counts as excluded.
 */

export interface UserIdentity {
  userName: string;
  /** NetBIOS domain, when known. */
  domain?: string | null;
}

/** The first pattern that covers the user, or `null`. Case-insensitive; `*` and `?` wildcards. */
export function matchExclusion(user: UserIdentity, patterns: readonly string[]): string | null {
  const { domain, name } = splitUser(user);
  for (const pattern of patterns) {
    const slash = pattern.indexOf('\\');
    const namePart = slash < 0 ? pattern : pattern.slice(slash + 1);
    if (!globMatch(namePart, name)) continue;
    if (slash < 0) return pattern;
    // Unknown domain: the name alone decides, so an exclusion is never defeated by missing data.
    if (domain === null || globMatch(pattern.slice(0, slash), domain)) return pattern;
  }
  return null;
}

/** Accepts `user`, `DOMAIN\user` in `userName`, or a separate `domain`. */
function splitUser(user: UserIdentity): { domain: string | null; name: string } {
  const slash = user.userName.indexOf('\\');
  if (slash >= 0) {
    return { domain: user.userName.slice(0, slash), name: user.userName.slice(slash + 1) };
  }
  return { domain: user.domain ? user.domain : null, name: user.userName };
}

/** Iterative glob match: linear in practice, no regular expression built from policy text. */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
