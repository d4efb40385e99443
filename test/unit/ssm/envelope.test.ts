import { describe, expect, it } from 'vitest';
import { isTerminalInvocationStatus, parseEnvelope } from '../../../lib/ssm/read.js';

const envelope = {
  operation: 'ListSessions',
  exitCode: 0,
  stdout: ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
  stderr: '',
  culture: 'en-US',
  shortDatePattern: 'M/d/yyyy',
  shortTimePattern: 'h:mm tt',
  hostTimeUtc: '2026-11-23T14:00:00Z',
};

describe('parseEnvelope', () => {
  it('reads a compressed envelope and fills the contract defaults', () => {
    const parsed = parseEnvelope(`${JSON.stringify(envelope)}\r\n`);
    expect(parsed.error).toBeNull();
    expect(parsed.envelope).toMatchObject({
      ...envelope,
      stdoutTruncated: false,
      utcOffsetMinutes: 0,
      guard: null,
    });
  });

  it('tolerates a byte order mark and lines printed before the envelope', () => {
    const parsed = parseEnvelope(`\uFEFFWARNING: slow CIM\r\n${JSON.stringify(envelope)}`);
    expect(parsed.envelope?.operation).toBe('ListSessions');
  });

  it('says why output is not an envelope', () => {
    expect(parseEnvelope('   ')).toEqual({ envelope: null, error: 'empty output' });
    expect(parseEnvelope('Access is denied.')).toEqual({
      envelope: null,
      error: 'output is not a JSON envelope',
    });
    const wrong = parseEnvelope(JSON.stringify({ ...envelope, operation: 'RunScript' }));
    expect(wrong.envelope).toBeNull();
    expect(wrong.error).toMatch(/^envelope does not match the contract: operation/);
    const truncated = JSON.stringify(envelope).slice(0, 60);
    expect(parseEnvelope(`${truncated}--output truncated--`).envelope).toBeNull();
  });
});

describe('isTerminalInvocationStatus', () => {
  it('knows which statuses SSM never changes again', () => {
    expect(['Success', 'Failed', 'TimedOut', 'Cancelled'].every(isTerminalInvocationStatus)).toBe(
      true
    );
    expect(
      ['Pending', 'InProgress', 'Delayed', 'Cancelling'].some(isTerminalInvocationStatus)
    ).toBe(false);
  });
});
