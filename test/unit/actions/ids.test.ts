import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionFingerprint, canonicalJson, deriveActionId } from '../../../lib/actions/ids.js';
import type { NewAction } from '../../../lib/actions/model.js';
import { newActionSchema } from '../../../lib/actions/schema.js';

const api: NewAction = {
  operation: 'logoff',
  instanceId: 'i-0123456789abcdef0',
  target: { kind: 'session', sessionId: 2, expectedUser: 'CONTOSO\\alice' },
  trigger: { kind: 'api', ticketId: 'INC0001', caller: 'desk@contoso.com' },
  reason: 'stuck session',
  policy: null,
  dryRun: false,
};
const scheduled: NewAction = {
  operation: 'disconnect',
  instanceId: 'i-0123456789abcdef0',
  target: { kind: 'session', sessionId: 2, expectedUser: 'bob', logonTime: '2026-11-21T08:02' },
  trigger: { kind: 'schedule', sweepId: 'sweep-20261121T2000' },
  reason: "idle 47 min ≥ 30 min policy 'default'",
  policy: 'default',
  dryRun: false,
};
const idle: NewAction = {
  ...scheduled,
  trigger: { kind: 'idle-event', eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718' },
};

describe('deriveActionId', () => {
  it('gives a short stable id of a fixed shape', () => {
    const id = deriveActionId(api);

    expect(id).toMatch(/^act_[a-z2-7]{26}$/);
    expect(deriveActionId(structuredClone(api))).toBe(id);
  });

  it('keys API actions on ticket, operation, host and target, not on who asked or why', () => {
    const same = [
      { ...api, reason: 'other words', dryRun: true },
      { ...api, trigger: { ...api.trigger, caller: 'someone-else' } as NewAction['trigger'] },
      { ...api, target: { kind: 'session', sessionId: 2, expectedUser: 'contoso\\ALICE' } },
    ] satisfies NewAction[];
    const different = [
      { ...api, operation: 'disconnect' },
      { ...api, instanceId: 'i-0123456789abcdef1' },
      { ...api, trigger: { kind: 'api', ticketId: 'INC0002', caller: 'desk@contoso.com' } },
      { ...api, target: { kind: 'session', sessionId: 3, expectedUser: 'CONTOSO\\alice' } },
      { ...api, target: { kind: 'session', sessionId: 2, expectedUser: 'CONTOSO\\bob' } },
    ] satisfies NewAction[];

    for (const a of same) expect(deriveActionId(a)).toBe(deriveActionId(api));
    for (const a of different) expect(deriveActionId(a)).not.toBe(deriveActionId(api));
  });

  it('keys scheduled actions on sweep, host, session and logon time', () => {
    const relogged: NewAction = {
      ...scheduled,
      target: { ...scheduled.target, logonTime: '2026-11-21T09:15' } as NewAction['target'],
    };

    expect(deriveActionId({ ...scheduled, reason: 'idle 48 min' })).toBe(deriveActionId(scheduled));
    expect(deriveActionId(relogged)).not.toBe(deriveActionId(scheduled));
    expect(
      deriveActionId({ ...scheduled, trigger: { kind: 'schedule', sweepId: 'sweep-next' } })
    ).not.toBe(deriveActionId(scheduled));
  });

  it('keys idle-event actions on the event and the operation', () => {
    const sameEvent: NewAction = {
      ...idle,
      target: { kind: 'session', sessionId: 9, expectedUser: 'carol' },
    };

    expect(deriveActionId(sameEvent)).toBe(deriveActionId(idle));
    expect(deriveActionId({ ...idle, operation: 'logoff' })).not.toBe(deriveActionId(idle));
  });

  it('never lets one trigger kind collide with another', () => {
    const ids = new Set([api, scheduled, idle].map(deriveActionId));

    expect(ids.size).toBe(3);
  });

  it('maps distinct tickets to distinct ids', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 2, maxLength: 20 }),
        (tickets) => {
          const ids = tickets.map((ticketId) =>
            deriveActionId({ ...api, trigger: { kind: 'api', ticketId, caller: 'x' } })
          );
          expect(new Set(ids).size).toBe(tickets.length);
        }
      )
    );
  });
});

describe('actionFingerprint', () => {
  it('changes with anything the caller said', () => {
    const base = actionFingerprint(api);

    expect(actionFingerprint(structuredClone(api))).toBe(base);
    expect(actionFingerprint({ ...api, message: null, warnSeconds: undefined })).toBe(base);
    for (const changed of [
      { ...api, reason: 'other' },
      { ...api, dryRun: true },
      { ...api, message: 'hello' },
      { ...api, warnSeconds: 60 },
      { ...api, trigger: { kind: 'api', ticketId: 'INC0001', caller: 'other' } },
    ] satisfies NewAction[]) {
      expect(actionFingerprint(changed)).not.toBe(base);
    }
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      })
    );
  });
});

describe('newActionSchema', () => {
  it('accepts each trigger and target kind', () => {
    const files: NewAction = {
      ...api,
      operation: 'close-file',
      target: { kind: 'file', fileId: '18446744073709551615', expectedPath: 'D:\\Shares\\a.xlsx' },
    };
    const smb: NewAction = {
      ...api,
      operation: 'end-smb-session',
      target: { kind: 'smb', clientName: '10.0.0.7', userName: null },
    };

    for (const ok of [api, scheduled, idle, files, smb]) {
      expect(newActionSchema.safeParse(ok).success).toBe(true);
    }
  });

  it('refuses unknown operations, bad ids and control characters', () => {
    const bad = [
      { ...api, operation: 'shutdown' },
      { ...api, instanceId: 'i-XYZ' },
      { ...api, reason: 'a\u0007b' },
      { ...api, target: { kind: 'file', fileId: '0x10', expectedPath: 'C:\\a' } },
      { ...api, trigger: { kind: 'api', ticketId: 'x'.repeat(129), caller: 'a' } },
    ];

    for (const b of bad) expect(newActionSchema.safeParse(b).success).toBe(false);
  });
});
