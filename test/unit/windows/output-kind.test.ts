import { describe, expect, it } from 'vitest';
import {
  detectOutputKind,
  isOutputKind,
  OUTPUT_KINDS,
  readOutput,
} from '../../../lib/windows/output-kind.js';

const SAMPLES = {
  quser:
    ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME\n>administrator         rdp-tcp#2           1  Active          .  3/25/2021 9:27 AM',
  qwinsta:
    ' SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE\n>rdp-tcp#18        t2_jessica.richards       3  Active',
  'net-session': `Computer               User name            Client Type       Opens Idle time\n${'-'.repeat(79)}\n\\\\10.10.75.1           sec504                                     5 00:01:57`,
  'net-file': `ID         Path                                    User name            # Locks\n${'-'.repeat(79)}\n7          C:\\x.txt                                bob                  0`,
  openfiles: '"ARCTIC","1342178304","johndoe","Windows","0","Read","E:\\desktop_gis\\"',
  'smb-open-file': '{"FileId":1,"Path":"C:\\\\x"}',
  'smb-session': '{"SessionId":1,"ClientComputerName":"pc"}',
} as const;

describe('output kinds', () => {
  it('recognises each sample as its own command only', () => {
    for (const kind of OUTPUT_KINDS) {
      expect(detectOutputKind(SAMPLES[kind]), kind).toBe(kind);
      for (const other of OUTPUT_KINDS) {
        if (other === kind) continue;
        const result = readOutput(other, SAMPLES[kind]);
        const rows = 'kind' in result ? 0 : result.rows.length;
        expect(rows, `${kind} read as ${other}`).toBe(0);
      }
    }
  });

  it('identifies no command from error reports or unrelated text', () => {
    expect(detectOutputKind('Error [5]:Access is denied.')).toBeNull();
    expect(detectOutputKind('lorem ipsum')).toBeNull();
  });

  it('knows its kind names', () => {
    expect(isOutputKind('quser')).toBe(true);
    expect(isOutputKind('query')).toBe(false);
  });
});
