import { describe, expect, it } from 'vitest';
import { loadWatcherDocument, MAX_DOCUMENT_BYTES } from '../../../local/ssm/document.js';

/*
 * SessionJanitor-InstallWatcher: what SSM checks before a host sees a value (the parameters'
 * rules), and what a reviewer checks in its scripts, pinned down as text. The scripts themselves
 * run under Pester (test/host/watcher.Tests.ps1).
 */

const document = loadWatcherDocument();
const { parameters } = document.definition;
const [step] = document.definition.mainSteps;
const install = step.inputs.runCommand.join('\n');
const watcherStart = install.indexOf("@'\n") + 3;
const watcher = install.slice(watcherStart, install.indexOf("\n'@", watcherStart));

const accepts = (name: string, value: string) => document.patterns.get(name)?.test(value) ?? false;

const INJECTIONS = [
  'a;b',
  '$(whoami)',
  'arn:aws:events:us-east-1:123456789012:event-bus/x;calc',
  'arn:aws:events:us-east-1:123456789012:event-bus/$(whoami)',
  'arn:aws:events:us-east-1:123456789012:event-bus/x"y',
  "arn:aws:events:us-east-1:123456789012:event-bus/x'y",
  'arn:aws:events:us-east-1:123456789012:event-bus/x y',
  'arn:aws:events:us-east-1:123456789012:event-bus/x\n',
  'arn:aws:events:us-east-1:123456789012:event-bus/x`n',
  'arn:aws:events:us-east-1:123456789012:event-bus/a|b',
  'arn:aws:events:us-east-1:123456789012:event-bus/%COMSPEC%',
  `arn:aws:events:us-east-1:123456789012:event-bus/${'a'.repeat(257)}`,
  'arn:aws:events:us-east-1:123456789012:rule/x',
  'arn:aws:sqs:us-east-1:123456789012:event-bus/x',
  'session-janitor',
];

describe('SessionJanitor-InstallWatcher parameters', () => {
  it('are Action (Install or Remove, default Install) and EventBusArn, both environment variables', () => {
    expect(Object.keys(parameters)).toEqual(['Action', 'EventBusArn']);
    expect(parameters.Action).toMatchObject({
      allowedValues: ['Install', 'Remove'],
      default: 'Install',
    });
    for (const spec of Object.values(parameters)) {
      expect(spec).toMatchObject({ type: 'String', interpolationType: 'ENV_VAR' });
    }
  });

  it('anchor the EventBusArn pattern, default it to "" and use syntax Java, RE2 and JavaScript share', () => {
    const source = parameters.EventBusArn?.allowedPattern ?? '';
    expect(source).toMatch(/^\^.*\$$/);
    expect(source.endsWith('\\$')).toBe(false);
    expect(parameters.EventBusArn?.default).toBe('');
    expect(accepts('EventBusArn', '')).toBe(true);
    expect(source).not.toMatch(/\(\?[=!<>]|\\[1-9]|[*+?}]\+|\\[AzZ]|&&/);
  });

  it('accept the ARN of an event bus in every partition', () => {
    for (const arn of [
      'arn:aws:events:us-east-1:123456789012:event-bus/session-janitor',
      'arn:aws-cn:events:cn-north-1:123456789012:event-bus/session-janitor',
      'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/session-janitor',
      'arn:aws:events:ap-southeast-2:123456789012:event-bus/my.bus_name-2',
    ]) {
      expect(accepts('EventBusArn', arn), arn).toBe(true);
    }
  });

  it('refuse every injection string and anything that is not an event bus ARN', () => {
    for (const value of INJECTIONS) {
      expect({ value: value.slice(0, 60), accepted: accepts('EventBusArn', value) }).toEqual({
        value: value.slice(0, 60),
        accepted: false,
      });
    }
  });

  it('fit SSM document quota', () => {
    expect(Buffer.byteLength(document.content)).toBeLessThan(MAX_DOCUMENT_BYTES);
    expect(step).toMatchObject({
      action: 'aws:runPowerShellScript',
      precondition: { StringEquals: ['platformType', 'Windows'] },
    });
  });
});

describe('the install script and the watcher it writes', () => {
  it('read parameters only from $env:SSM_*, and the install script checks them again before use', () => {
    expect(install.match(/\$env:SSM_\w+/g)).toEqual(['$env:SSM_Action', '$env:SSM_EventBusArn']);
    expect(install).not.toMatch(/\{\{\s*\w+\s*\}\}/);
    // The install script's own copy of the rule: the same alternatives, as a .NET pattern.
    const copy = /\$BusPattern = '\\A(.+)\\z'/.exec(install)?.[1];
    expect(copy).toBeDefined();
    const dotnet = new RegExp(`^${copy}$`);
    for (const value of INJECTIONS) expect(dotnet.test(value), value).toBe(false);
    expect(dotnet.test('arn:aws:events:us-east-1:123456789012:event-bus/session-janitor')).toBe(
      true
    );
  });

  it('evaluate nothing: no Invoke-Expression, no script blocks built from text, no Add-Type', () => {
    for (const source of [install, watcher]) {
      expect(source).not.toMatch(
        /Invoke-Expression|\biex\b|ScriptBlock\]::Create|NewScriptBlock|Add-Type|Start-Process|cmd(\.exe)? \/c/i
      );
    }
  });

  it('give the watcher only the record id on its command line, from the task, and it validates it', () => {
    expect(install).toContain('-RecordId `$(EventRecordID)</Arguments>');
    expect(install).toContain('<Value name="EventRecordID">Event/System/EventRecordID</Value>');
    expect(watcher).toContain('param([string]$RecordId)');
    expect(watcher).toContain(
      'if (-not (Test-Pattern $RecordId $RecordPattern) -or [uint64]::Parse($RecordId, $Invariant) -gt $MaxRecordId)'
    );
    // The one query with a value in it holds the number re-formatted from its parsed value.
    expect(watcher).toContain(
      "$query = '*[System[(EventRecordID=' + [uint64]::Parse($RecordId, $Invariant).ToString($Invariant) + ')]]'"
    );
  });

  it("check every value of a record with the anchored patterns of the event's schema", () => {
    for (const pattern of [
      "$UserPattern = '\\A[\\p{L}\\p{N}._-][\\p{L}\\p{N}._ -]{0,63}\\z'",
      "$DomainPattern = '\\A[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,14}\\z'",
    ]) {
      expect(watcher).toContain(pattern);
    }
    for (const variable of [
      '$UserPattern',
      '$DomainPattern',
      '$SessionPattern',
      '$ReasonPattern',
      '$TimePattern',
    ]) {
      expect(watcher.split(variable).length, variable).toBeGreaterThan(2);
    }
  });

  it('run the task as SYSTEM with a directory only SYSTEM and Administrators may change', () => {
    expect(install).toContain('<UserId>S-1-5-18</UserId>');
    expect(install).toContain(
      "@($InstallRoot, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F')"
    );
    // The directory is restricted before anything SYSTEM will run is written into it.
    expect(install.indexOf("'icacls.exe'")).toBeLessThan(
      install.indexOf('WriteAllText($ScriptPath')
    );
  });
});
