import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOST_OPERATIONS, HOST_PARAMETERS } from '../../../lib/ssm/host-contract.js';
import { loadOperateDocument, resolveParameters } from '../../../local/ssm/document.js';
import { SsmApiError } from '../../../local/ssm/errors.js';

const document = loadOperateDocument();
const { parameters } = document.definition;
const patterned = HOST_PARAMETERS.map((name) => {
  const pattern = document.patterns.get(name);
  if (pattern === undefined) throw new Error(`${name} has no allowedPattern`);
  return [name, pattern] as const;
});

function accepts(name: string, value: string): boolean {
  return document.patterns.get(name)?.test(value) ?? false;
}

const INJECTIONS = [
  'a;b',
  '; Remove-Item C:\\ -Recurse',
  'a|b',
  'a | Out-File x',
  'a`b',
  '`n',
  '$(whoami)',
  'x$(whoami)',
  `\${env:PATH}`,
  '$env:USERNAME',
  'a\nb',
  'alice\n',
  'a\r\nb',
  '"quoted"',
  'a"b',
  '\u201Csmart\u201D',
  '--% /c whoami',
  'a --% b',
  'a & calc',
  'a && b',
  '<script>',
  'a > out.txt',
  '%COMSPEC%',
  '@(1,2)',
  'a\u0000b',
  'x'.repeat(5_000),
  `C:\\${'a'.repeat(5_000)}`,
  `C:${'\\a'.repeat(2_000)}`,
];

describe('document parameters', () => {
  it('declare Operation with allowedValues of the host contract and no default', () => {
    expect(Object.keys(parameters)).toEqual(['Operation', ...HOST_PARAMETERS]);
    expect(parameters.Operation?.allowedValues).toEqual([...HOST_OPERATIONS]);
    expect(parameters.Operation?.default).toBeUndefined();
  });

  it('pass every value as an environment variable', () => {
    for (const spec of Object.values(parameters)) {
      expect(spec.interpolationType).toBe('ENV_VAR');
      expect(spec.type).toBe('String');
    }
  });

  it.each(patterned)('%s: anchors its pattern, defaults to "" and admits ""', (name, pattern) => {
    const source = parameters[name]?.allowedPattern ?? '';
    expect(source.startsWith('^')).toBe(true);
    expect(source.endsWith('$')).toBe(true);
    expect(source.endsWith('\\$')).toBe(false);
    expect(parameters[name]?.default).toBe('');
    expect(pattern.test('')).toBe(true);
  });

  it.each(patterned)('%s: uses only syntax that Java, RE2 and JavaScript read alike', (name) => {
    const source = parameters[name]?.allowedPattern ?? '';
    // No lookaround or backreferences (RE2), no possessive/atomic groups, no \A \z \Z (JavaScript),
    // no && inside a class (Java intersection), no nested unescaped [ (Java union).
    expect(source).not.toMatch(/\(\?[=!<>]|\\[1-9]|[*+?}]\+|\\[AzZ]|&&/);
    expect(source.replace(/\\./g, '').replace(/\[[^\]]*\]/g, '')).not.toMatch(/[[\]]/);
  });

  it.each(patterned)('%s: rejects every injection string', (_, pattern) => {
    for (const value of INJECTIONS) {
      expect({ value: value.slice(0, 40), accepted: pattern.test(value) }).toEqual({
        value: value.slice(0, 40),
        accepted: false,
      });
    }
  });

  it('accepts every session id from 0 to 65536 and nothing beyond', () => {
    for (let id = 0; id <= 65_536; id++) expect(accepts('SessionId', String(id))).toBe(true);
    for (const value of ['65537', '99999', '-1', '01', '1.0', ' 1', '1e3', '١']) {
      expect(accepts('SessionId', value)).toBe(false);
    }
  });

  it('accepts file ids up to 18446744073709551615 and nothing beyond', () => {
    const max = 18_446_744_073_709_551_615n;
    for (const value of ['0', '1', '4415226383569', '18446744073709551609', String(max)]) {
      expect(accepts('FileId', value)).toBe(true);
    }
    for (const value of [
      '18446744073709551616',
      '18446744073709551620',
      '99999999999999999999',
      '00',
      '-1',
    ]) {
      expect(accepts('FileId', value)).toBe(false);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: max * 4n }), (id) => {
        expect(accepts('FileId', id.toString())).toBe(id <= max);
      }),
      { numRuns: 2_000 }
    );
  });

  it('accepts the user names Windows reports', () => {
    for (const value of [
      'alice',
      'CONTOSO\\alice',
      'contoso.local\\j.doe',
      'WIN-7H2K\\Administrator',
      'svc_backup',
      'Jürgen',
      'МОСКВА\\иван',
      '张伟',
      'first last',
    ]) {
      expect(accepts('ExpectedUser', value)).toBe(true);
      expect(accepts('UserName', value)).toBe(true);
    }
    expect(accepts('UserName', 'CONTOSO\\HV01$')).toBe(true);
    expect(accepts('ExpectedUser', 'CONTOSO\\HV01$')).toBe(false);
    for (const value of [
      'CONTOSO\\',
      '\\alice',
      'a\\b\\c',
      'alice@contoso.com',
      'CONTOSO\\al*',
      'al?ce',
      '[alice]',
    ]) {
      expect(accepts('ExpectedUser', value)).toBe(false);
    }
  });

  it('accepts SMB client names as Get-SmbSession shows them', () => {
    for (const value of [
      '10.0.0.5',
      '[fe80::c8c0:f65d:3bc6:7313]',
      'fe80::1',
      'WKS-042',
      'wks-042.contoso.local',
    ]) {
      expect(accepts('ClientName', value)).toBe(true);
    }
    for (const value of ['\\\\WKS-042', '-Force', '[::1', 'wks 042', '*']) {
      expect(accepts('ClientName', value)).toBe(false);
    }
  });

  it('accepts drive and UNC paths with spaces and common punctuation', () => {
    for (const value of [
      'C:\\Shares\\Finance\\Q3 report (final).xlsx',
      'D:\\Data\\Budget 2026 + Forecast, v2!.docx',
      'C:\\ClusterStorage\\Volume2\\VMS\\VM4.VHDX',
      '\\\\fs01\\Finance\\Team #3\\R+D [draft] {old}.xlsx',
      'E:\\Überweisungen\\März.pdf',
      'C:\\Shares\\Projects\\',
      // `&` is common in real paths ("R&D") and inert here: the path only ever reaches the host
      // as an environment variable that the script compares as a string.
      'D:\\Shares\\Projects\\Apollo\\Risks & Issues.xlsx',
    ]) {
      expect(accepts('ExpectedPath', value)).toBe(true);
    }
    for (const value of [
      'Shares\\a.txt',
      'C:a.txt',
      '\\\\\\x',
      'C:\\a\\b*.txt',
      'C:\\a?.txt',
      'C:\\a<b',
      'C:\\a;b',
      'C:\\a`b',
      'C:\\a"b',
      'C:\\a|b',
    ]) {
      expect(accepts('ExpectedPath', value)).toBe(false);
    }
  });

  it("admits ' in user names and ' $ % in paths, where they are inert, and nowhere else", () => {
    // These values are never passed to a tool nor made script text: the script reads them from
    // $env:SSM_* and compares them with what the host reports as strings ([string]::Equals), so a
    // quote, $(…) or %VAR% in them is plain text. Message reaches msg.exe: it admits none of them.
    for (const value of ["O'Brien", "CONTOSO\\d'angelo", "o'neil.o'hara"]) {
      expect(accepts('ExpectedUser', value), value).toBe(true);
      expect(accepts('UserName', value), value).toBe(true);
    }
    for (const value of ["'alice", "CON'TOSO\\alice", "it's"]) {
      if (value !== "it's") expect(accepts('ExpectedUser', value), value).toBe(false);
      expect(accepts('Message', value), value).toBe(false);
      expect(accepts('ClientName', value), value).toBe(false);
    }
    for (const value of [
      "D:\\Shares\\Marketing\\O'Brien Campaign.pptx",
      'C:\\$Recycle.Bin',
      'D:\\Shares\\Sales\\Growth 100%.xlsx',
      `D:\\Shares\\$(whoami) %PATH% \${HOME}.txt`,
    ]) {
      expect(accepts('ExpectedPath', value), value).toBe(true);
    }
    for (const name of ['Message', 'ClientName', 'SessionId', 'FileId', 'WarnSeconds']) {
      for (const value of ['$(whoami)', '100%', '$env:X']) expect(accepts(name, value)).toBe(false);
    }
  });

  it('accepts messages with common punctuation but nothing a shell could read', () => {
    for (const value of [
      'Your session will be logged off in 5 minutes. Please save your work!',
      'Idle for 2h: disconnecting (ticket #4711) - questions? help@contoso.com',
      'Bitte speichern Sie Ihre Arbeit: Abmeldung in 5 Minuten.',
      '請保存您的工作',
      'x'.repeat(255),
    ]) {
      expect(accepts('Message', value)).toBe(true);
    }
    for (const value of [
      '/time:0 hi',
      '-Force',
      ' leading space',
      'x'.repeat(256),
      'Save 100%',
      'a;b',
    ]) {
      expect(accepts('Message', value)).toBe(false);
    }
  });

  it('accepts warning times from 1 to 86400 seconds', () => {
    for (let seconds = 1; seconds <= 86_400; seconds++) {
      expect(accepts('WarnSeconds', String(seconds))).toBe(true);
    }
    for (const value of ['0', '86401', '100000', '05', '-5']) {
      expect(accepts('WarnSeconds', value)).toBe(false);
    }
  });
});

describe('parameter resolution as SSM does it', () => {
  function rejection(given: unknown): SsmApiError {
    try {
      resolveParameters(document, given);
    } catch (error) {
      if (error instanceof SsmApiError) return error;
      throw error;
    }
    throw new Error('expected InvalidParameters');
  }

  it('fills defaults for omitted parameters', () => {
    const resolved = resolveParameters(document, { Operation: ['ListSessions'] });
    expect(resolved).toEqual({
      Operation: 'ListSessions',
      ...Object.fromEntries(HOST_PARAMETERS.map((name) => [name, ''])),
    });
  });

  it('refuses unknown names, a missing Operation, bad values and non-list values', () => {
    for (const given of [
      { Operation: ['ListSessions'], Commands: ['dir'] },
      { SessionId: ['1'] },
      { Operation: ['Reboot'] },
      { Operation: ['LogoffSession'], ExpectedUser: ['a;b'] },
      { Operation: 'ListSessions' },
      [],
    ]) {
      expect(rejection(given).type).toBe('InvalidParameters');
    }
  });

  it('never echoes a refused value back', () => {
    const secret = 'Hi $(Get-Secret)';
    expect(rejection({ Operation: ['NotifySession'], Message: [secret] }).message).not.toContain(
      secret
    );
  });

  it('refuses parameters that push the request past 64 KB', () => {
    const values = Object.fromEntries(HOST_PARAMETERS.map((name) => [name, ['']])) as Record<
      string,
      string[]
    >;
    const padded = { ...values, Operation: ['ListSessions'], Message: ['x'.repeat(255)] };
    expect(() => resolveParameters(document, padded)).not.toThrow();
    expect(Buffer.byteLength(document.content)).toBeLessThan(64 * 1024);
  });
});
