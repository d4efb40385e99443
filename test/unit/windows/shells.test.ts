import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../../lib/ssm/read.js';
import {
  durationSeconds,
  memoryBytes,
  parseShells,
  readShells,
} from '../../../lib/windows/shells.js';

/**
 * The real captures (test/fixtures/windows/wsman-shell/) reach this parser the way they would on a
 * host: the Pester contract run turned each into the XmlElements Get-WSManInstance returned, the
 * document's real script selected and serialised them, and test/fixtures/host-envelopes.json
 * kept its envelope.
 */
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/host-envelopes.json', import.meta.url), 'utf8')
) as { cases: { name: string; stdout: string }[] };

function listedBy(name: string): string {
  const found = fixture.cases.find((fixtureCase) => fixtureCase.name === name);
  const envelope = found ? parseEnvelope(found.stdout).envelope : null;
  if (envelope === null) throw new Error(`no envelope for ${name}`);
  return envelope.stdout;
}

describe('readShells on real listings, through the real script', () => {
  it('reads Get-WSManInstance shells (PowerShell Magazine capture)', () => {
    const result = parseShells(listedBy('list-shells'));
    expect(result.error).toBeNull();
    // The capture's two shells, and the contract run's Disconnected one (synthetic: New-ShellFields).
    expect(result.rows).toHaveLength(3);
    expect(result.rows[0]).toEqual({
      shellId: '75A89E0E-E6E5-477D-AD0F-DAD6706CC236',
      kind: 'powershell',
      resourceUri: 'http://schemas.microsoft.com/powershell',
      owner: 'Mydomain\\user1',
      clientIp: '192.168.2.11',
      processId: 5800,
      state: 'connected',
      runTimeSeconds: 17 * 60 + 7,
      inactivitySeconds: 7,
      idleTimeoutSeconds: 180,
      maxIdleTimeoutSeconds: null,
      bufferMode: 'block',
      childProcesses: 0,
      memoryUsedBytes: 134 * 1024 * 1024,
    });
    // The publisher's anonymising left an owner that is no account: kept as text, never guessed.
    expect(result.rows[1]).toMatchObject({
      owner: '92.168.2.11',
      clientIp: '***',
      processId: 9592,
    });
    expect(result.rows[2]).toMatchObject({
      state: 'disconnected',
      childProcesses: 2,
      idleTimeoutSeconds: 7200,
      maxIdleTimeoutSeconds: 43_200,
    });
    expect(result.warnings).toEqual([]);
  });

  it('leaves what a WinRM 2.0 listing lacks unknown, and says so (winrm enumerate shell, Microsoft docs)', () => {
    const result = parseShells(listedBy('list-shells-winrm-2'));
    expect(result.rows.map((shell) => [shell.kind, shell.inactivitySeconds])).toEqual([
      ['winrs', 35],
      ['powershell', 45],
      ['powershell', 47],
    ]);
    expect(result.rows[0]).toMatchObject({ state: null, childProcesses: null, processId: null });
    expect(result.rows[1]).toMatchObject({ childProcesses: 0, memoryUsedBytes: 48 * 1024 ** 2 });
    expect(result.warnings).toContain(
      'shell 0A6E6A01-8AB2-4037-86CC-BFC826A1244E: no ChildProcesses; unknown'
    );
    expect(result.warnings.filter((warning) => warning.endsWith('no State; unknown'))).toHaveLength(
      3
    );
  });

  it('reads an empty list as no shells', () => {
    expect(parseShells(listedBy('list-shells-none'))).toEqual({
      rows: [],
      error: null,
      warnings: [],
    });
  });
});

describe('readShells on values the captures do not show (synthetic)', () => {
  const base = {
    ShellId: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
    ResourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell',
    Owner: 'CONTOSO\\alice',
    ClientIP: '10.0.0.5',
    ProcessId: '6120',
    State: 'Disconnected',
    ShellRunTime: 'P2DT3H4M5S',
    ShellInactivity: 'PT7200.000S',
    IdleTimeOut: 'PT7200.000S',
    MaxIdleTimeOut: 'PT43200.000S',
    BufferMode: 'Drop',
    ChildProcesses: '2',
    MemoryUsed: '48MB',
  };

  it('reads a Disconnected Drop shell (synthetic: every field, values of windows-facts §13.1)', () => {
    const [shell] = parseShells(JSON.stringify([base])).rows;
    expect(shell).toMatchObject({
      state: 'disconnected',
      bufferMode: 'drop',
      runTimeSeconds: 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5,
      inactivitySeconds: 7200,
      maxIdleTimeoutSeconds: 43_200,
      childProcesses: 2,
    });
  });

  it.each([
    ['ShellInactivity', 'P1Y', 'inactivitySeconds'],
    ['ShellInactivity', '-PT5S', 'inactivitySeconds'],
    ['ShellInactivity', '7200', 'inactivitySeconds'],
    ['ShellInactivity', 'PT', 'inactivitySeconds'],
    ['State', 'Broken', 'state'],
    ['ChildProcesses', 'many', 'childProcesses'],
    ['MemoryUsed', '48 MB', 'memoryUsedBytes'],
    ['BufferMode', 'Queue', 'bufferMode'],
    ['ProcessId', '-1', 'processId'],
  ])('reads %s %j as unknown, with a warning (synthetic)', (field, value, key) => {
    const result = parseShells(JSON.stringify([{ ...base, [field]: value }]));
    expect(result.rows[0]?.[key as keyof (typeof result.rows)[0]]).toBeNull();
    expect(result.warnings).toEqual([
      `shell ${base.ShellId}: ${field} ${JSON.stringify(value)} is not ${
        {
          ShellInactivity: 'an ISO 8601 duration',
          State: 'Connected or Disconnected',
          ChildProcesses: 'a number of processes',
          MemoryUsed: 'an amount like 48MB',
          BufferMode: 'Block or Drop',
          ProcessId: 'a process id',
        }[field]
      }; unknown`,
    ]);
  });

  it('skips an item without a ShellId GUID, and is not a listing when none has one', () => {
    const result = parseShells(JSON.stringify([{ ...base, ShellId: 'x' }, base]));
    expect(result.rows).toHaveLength(1);
    expect(result.warnings).toEqual(['item 1 has no ShellId GUID; skipped']);
    expect(readShells(JSON.stringify([{ SessionId: '1' }]))).toMatchObject({
      kind: 'not-recognised',
    });
    expect(readShells('')).toMatchObject({ kind: 'not-recognised' });
    expect(readShells(' USERNAME SESSIONNAME ID')).toMatchObject({ kind: 'not-recognised' });
  });
});

describe('durationSeconds', () => {
  it.each([
    ['P0DT0H1M46S', 106],
    ['PT7200.000S', 7200],
    ['PT180.000S', 180],
    ['P0DT0H0M7S', 7],
    ['P3D', 259_200],
    ['PT0.5S', 0.5],
    ['PT1H', 3600],
  ])('%s is %d s', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['P', 'PT', 'P1Y', 'P1M', 'P1W', '-PT1S', 'PT1.S', 'pt5s', ' PT5S', 'PT5S ', '', '5'])(
    '%j is no duration',
    (text) => {
      expect(durationSeconds(text)).toBeNull();
    }
  );

  it('reads every D/H/M/S duration to its seconds, in both spellings WinRM uses', () => {
    fc.assert(
      fc.property(
        fc.nat(999),
        fc.nat(23),
        fc.nat(59),
        fc.nat(59),
        fc.nat(999),
        (d, h, m, s, ms) => {
          const total = d * 86_400 + h * 3_600 + m * 60 + s;
          expect(durationSeconds(`P${d}DT${h}H${m}M${s}S`)).toBe(total);
          const fraction = String(ms).padStart(3, '0');
          expect(durationSeconds(`PT${total}.${fraction}S`)).toBeCloseTo(total + ms / 1000, 6);
        }
      )
    );
  });

  it('never throws, and answers a finite number of seconds ≥ 0 or null', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const seconds = durationSeconds(text);
        expect(seconds === null || (Number.isFinite(seconds) && seconds >= 0)).toBe(true);
      })
    );
  });
});

describe('memoryBytes', () => {
  it('reads WinRM amounts in 1024 steps, and nothing else', () => {
    expect(memoryBytes('48MB')).toBe(48 * 1024 * 1024);
    expect(memoryBytes('134MB')).toBe(134 * 1024 * 1024);
    expect(memoryBytes('512KB')).toBe(512 * 1024);
    expect(memoryBytes('1GB')).toBe(1024 ** 3);
    for (const text of ['48', '48 MB', 'MB', '-1MB', '1.5MB', '48TB']) {
      expect(memoryBytes(text), text).toBeNull();
    }
  });
});

describe('readShells on any input', () => {
  it('never throws, and every row it gives has a GUID', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseShells(text);
        for (const row of result.rows) expect(row.shellId).toMatch(/^[0-9A-F-]{36}$/i);
      })
    );
  });
});
