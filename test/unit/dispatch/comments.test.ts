import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idleCheckComment, parseComment, userTagOf } from '../../../lib/dispatch/comments.js';
import { MAX_COMMENT_LENGTH } from '../../../lib/ssm/send.js';

const eventId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

describe('idle check comment', () => {
  it('carries the event, group, session and user tag and reads back the same', () => {
    const check = { eventId, group: 'default', sessionId: 3, userTag: userTagOf('alice') };

    const comment = idleCheckComment(check);

    expect(comment).toBe(
      `sj:idle:6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b;g:default;s:3;u:${check.userTag}`
    );
    expect(parseComment(comment)).toEqual({ kind: 'idle', ...check });
  });

  it('fits the longest group and session id in 100 printable characters', () => {
    const comment = idleCheckComment({
      eventId: eventId.toUpperCase(),
      group: 'g'.repeat(40),
      sessionId: 65_535,
      userTag: userTagOf('a'.repeat(64)),
    });

    expect(comment).toHaveLength(MAX_COMMENT_LENGTH);
    expect(comment).toMatch(/^[\x20-\x7e]+$/);
    expect(parseComment(comment)).toMatchObject({ kind: 'idle', eventId, sessionId: 65_535 });
  });

  it('round-trips any event id, group, session and user', () => {
    const group = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/);
    const user = fc.stringMatching(/^[\p{L}\p{N}._-][\p{L}\p{N}._ -]{0,63}$/u);
    fc.assert(
      fc.property(fc.uuid(), group, fc.integer({ min: 0, max: 65_535 }), user, (id, g, s, u) => {
        const check = { eventId: id, group: g, sessionId: s, userTag: userTagOf(u) };
        const comment = idleCheckComment(check);
        expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
        expect(parseComment(comment)).toEqual({
          kind: 'idle',
          ...check,
          eventId: id.toLowerCase(),
        });
      })
    );
  });

  it('tags a user the way Windows compares names: without domain, case-insensitively', () => {
    expect(userTagOf('CONTOSO\\Alice')).toBe(userTagOf('alice'));
    expect(userTagOf('ALICE')).toBe(userTagOf('alice'));
    expect(userTagOf('alice')).not.toBe(userTagOf('alicia'));
    expect(userTagOf('Émilie Dupont')).toMatch(/^[\w-]{6}$/);
  });

  it('reads no purpose from a comment it did not write', () => {
    const tag = userTagOf('alice');
    for (const comment of [
      `sj:idle:6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b;g:default;s:65536;u:${tag}`,
      `sj:idle:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b;g:default;s:3;u:${tag}`,
      `sj:idle:6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b;g:default;s:3;u:${tag}x`,
      `sj:idle:6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b;g:-bad;s:3;u:${tag}`,
      'sj:idle:6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b;g:default;s:3',
    ]) {
      expect(parseComment(comment)).toBeNull();
    }
  });
});
