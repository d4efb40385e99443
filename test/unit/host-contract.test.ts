import { describe, expect, it } from 'vitest';
import { EXIT, GUARD_EXIT, hostEnvelopeSchema } from '../../lib/ssm/host-contract.js';

describe('host contract', () => {
  it('gives every guard its own exit code, distinct from the Windows tools', () => {
    const codes = Object.values(GUARD_EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect([EXIT.ok, EXIT.commandFailed, EXIT.badParameters]).not.toContain(code);
    }
  });

  it('reads an envelope and fills the optional fields', () => {
    const envelope = hostEnvelopeSchema.parse({
      operation: 'ListSessions',
      exitCode: 0,
      stdout: ' USERNAME',
      stderr: '',
      culture: 'de-DE',
      shortDatePattern: 'dd.MM.yyyy',
      shortTimePattern: 'HH:mm',
      hostTimeUtc: '2026-11-21T19:32:10Z',
    });
    expect(envelope.guard).toBeNull();
    expect(envelope.stdoutTruncated).toBe(false);
  });
});
