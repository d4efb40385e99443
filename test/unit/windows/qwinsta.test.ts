import { describe, expect, it } from 'vitest';
import { parseQwinsta, readQwinsta } from '../../../lib/windows/qwinsta.js';

// The English tables are real captures quoted in windows-facts.md §4.2.

describe('parseQwinsta', () => {
  it('reads sessions without users, users without sessions and the listener', () => {
    const text = [
      ' SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE',
      ' services                                    0  Disc',
      ' console                                     1  Conn',
      '                   t1_toby.beck5             2  Disc',
      '>rdp-tcp#18        t2_jessica.richards       3  Active',
      ' rdp-tcp                                 65536  Listen',
    ].join('\r\n');
    expect(parseQwinsta(text)).toEqual({
      rows: [
        {
          sessionName: 'services',
          userName: null,
          id: 0,
          state: 'disconnected',
          type: null,
          device: null,
          current: false,
        },
        {
          sessionName: 'console',
          userName: null,
          id: 1,
          state: 'connected',
          type: null,
          device: null,
          current: false,
        },
        {
          sessionName: null,
          userName: 't1_toby.beck5',
          id: 2,
          state: 'disconnected',
          type: null,
          device: null,
          current: false,
        },
        {
          sessionName: 'rdp-tcp#18',
          userName: 't2_jessica.richards',
          id: 3,
          state: 'active',
          type: null,
          device: null,
          current: true,
        },
        {
          sessionName: 'rdp-tcp',
          userName: null,
          id: 65536,
          state: 'listen',
          type: null,
          device: null,
          current: false,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads the TYPE and DEVICE columns of older builds', () => {
    const text = [
      ' SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE',
      '>rdp-tcp#0         Elad                      2  Active  rdpwd       \\Device\\RdpDr',
    ].join('\n');
    expect(parseQwinsta(text).rows[0]).toMatchObject({ type: 'rdpwd', device: '\\Device\\RdpDr' });
  });

  it('reads /COUNTER totals and a state printed as several words', () => {
    const text = [
      ' NOMESESSIONE      NOMEUTENTE               ID  STATO   TIPO        DISPOSITIVO',
      ' services                                    0  Disc',
      '>rdp-tcp#9         frittoli_adm              6  Attivo',
      ' rdp-tcp                                 65538  Rimani in ascolto',
      '',
      'Totale sessioni create: 12',
      'Totale sessioni disconnesse: 10',
      'Totale sessioni riconnesse: 2',
    ].join('\r\n');
    const result = parseQwinsta(text);
    expect(result.rows.map((r) => [r.sessionName, r.state])).toEqual([
      ['services', 'disconnected'],
      ['rdp-tcp#9', 'active'],
      ['rdp-tcp', 'listen'],
    ]);
    expect(result.counters).toEqual({ created: 12, disconnected: 10, reconnected: 2 });
    expect(result.warnings).toEqual([]);
  });

  it('reads German state abbreviations', () => {
    const text = [
      ' SITZUNGSNAME      BENUTZERNAME             ID  STATUS  TYP         GERÄT',
      ' services                                    0  Getr.',
      ' console                                     1  Verb.',
      ' rdp-tcp                                 65536  Abhör.',
    ].join('\n');
    expect(parseQwinsta(text).rows.map((r) => r.state)).toEqual([
      'disconnected',
      'connected',
      'listen',
    ]);
  });

  it('says quser output is not qwinsta output and reads errors', () => {
    const quser = [
      ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
      '>administrator         rdp-tcp#2           1  Active          .  3/25/2021 9:27 AM',
    ].join('\n');
    expect(readQwinsta(quser)).toMatchObject({ kind: 'not-recognised' });
    expect(parseQwinsta('Error opening Terminal server srv1\nError [5]:Access is denied.')).toEqual(
      {
        rows: [],
        error: { code: 5, message: 'Access is denied.' },
        warnings: [],
      }
    );
  });
});
