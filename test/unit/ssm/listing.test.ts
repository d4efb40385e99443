import { describe, expect, it } from 'vitest';
import { type HostEnvelope, hostEnvelopeSchema } from '../../../lib/ssm/host-contract.js';
import { sessionListingOf } from '../../../lib/ssm/listing.js';

// Synthetic envelopes; the quser lines follow the English layout of the captured fixtures.
const envelope = (over: Partial<HostEnvelope>): HostEnvelope =>
  hostEnvelopeSchema.parse({
    operation: 'ListSessions',
    exitCode: 0,
    stdout: '',
    stderr: '',
    culture: 'en-US',
    shortDatePattern: 'M/d/yyyy',
    shortTimePattern: 'h:mm tt',
    hostTimeUtc: '2026-11-21T20:00:00Z',
    ...over,
  });

describe('sessionListingOf', () => {
  it('reads the sessions with the host date patterns', () => {
    const listing = sessionListingOf(
      envelope({
        stdout: [
          ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
          ' alice                 rdp-tcp#3           2  Active         47  11/3/2026 8:05 AM',
        ].join('\r\n'),
      })
    );
    expect(listing).toMatchObject({
      kind: 'listed',
      rows: [{ userName: 'alice', id: 2, idleMinutes: 47, logonTime: '2026-11-03T08:05' }],
    });
  });

  it('takes "No User exists" on stderr as an empty list', () => {
    expect(sessionListingOf(envelope({ exitCode: 1, stderr: 'No User exists for *\r\n' }))).toEqual(
      { kind: 'listed', rows: [], warnings: [] }
    );
  });

  it('fails with the Windows error, or when the output is not quser output', () => {
    expect(
      sessionListingOf(envelope({ exitCode: 1, stderr: 'Error [5]:Access is denied.\r\n' }))
    ).toEqual({ kind: 'failed', reason: 'quser failed: Access is denied.' });
    expect(sessionListingOf(envelope({ stdout: 'hello world' }))).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/^not quser output/),
    });
  });
});
