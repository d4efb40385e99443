import { createHash } from 'node:crypto';
import type { ActionTarget, NewAction } from './model.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE32[(buffer << (5 - bits)) & 31] : out;
}

function sha256(parts: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(parts)).digest();
}

/** JSON with sorted keys and `undefined` read as `null`, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What the target *is*, independent of spelling: Windows user names and paths compare
 * case-insensitively, so `CONTOSO\Alice` and `contoso\alice` are one target; and a session's
 * user counts by its bare name, as the host's guard matches a bare name against any domain, so
 * `alice` and `CONTOSO\alice` for one session are one target too.
 */
export function targetKey(target: ActionTarget): string[] {
  switch (target.kind) {
    case 'session':
      return ['session', String(target.sessionId), bareUser(target.expectedUser)];
    case 'file':
      return ['file', target.fileId, target.expectedPath.toLowerCase()];
    case 'smb':
      return ['smb', target.clientName?.toLowerCase() ?? '', target.userName?.toLowerCase() ?? ''];
    case 'shell':
      return ['shell', target.shellId.toLowerCase(), bareUser(target.expectedOwner)];
  }
}

function bareUser(userName: string): string {
  return userName.slice(userName.indexOf('\\') + 1).toLowerCase();
}

/**
 * The parts that make two requests "the same action":
 * - api: ticket + operation + host + target (the caller's identity is not part of it);
 * - schedule: sweep (its id is the scheduled time window) + host + operation + target + logon
 *   time, so a session that logged off and on again under the same id is a new action;
 * - idle-event: the event id + host + operation (the event id alone is unique on EventBridge; the
 *   host makes a host that reuses ids harmless).
 */
function identity(action: NewAction): unknown[] {
  const { trigger, operation, instanceId, target } = action;
  switch (trigger.kind) {
    case 'api':
      return ['api', trigger.ticketId, operation, instanceId, targetKey(target)];
    case 'schedule':
      return [
        'schedule',
        trigger.sweepId,
        instanceId,
        operation,
        targetKey(target),
        target.kind === 'session' ? (target.logonTime ?? null) : null,
      ];
    case 'idle-event':
      return ['idle-event', trigger.eventId, instanceId, operation];
  }
}

/** `act_` + 26 base32 characters (130 bits) of the SHA-256 of what the action does and why. */
export function deriveActionId(action: NewAction): string {
  return `act_${base32(sha256(identity(action))).slice(0, 26)}`;
}

/**
 * A hash of the whole request as the caller stated it. Two requests with the same id and the same
 * fingerprint are one request sent twice; the same id with another fingerprint is a conflict
 * (for API triggers: same ticket, target and operation, but another reason, message, caller…).
 */
export function actionFingerprint(action: NewAction): string {
  const { message, warnSeconds, ...rest } = action;
  return base32(sha256({ ...rest, message: message ?? null, warnSeconds: warnSeconds ?? null }));
}
