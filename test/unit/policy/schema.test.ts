import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtInPolicy,
  DEFAULT_GROUP,
  namedGroups,
  PolicyError,
  parsePolicy,
  policyFromEnv,
  readPolicyFile,
  resolveGroup,
} from '../../../lib/policy/schema.js';

const example = {
  version: 1,
  fleet: { maxActionsPerSweep: 20 },
  userGroups: { admins: ['CONTOSO\\adm-*', 'Administrator'] },
  default: {
    disconnectIdleMinutes: 60,
    logoffDisconnectedMinutes: 240,
    exclude: { users: ['svc-*'], groups: ['admins'] },
    quietHours: [{ days: ['mon', 'tue'], start: '22:00', end: '06:00' }],
  },
  groups: {
    'rds-farm': {
      logoffIdleMinutes: 120,
      warn: { minutesBefore: 10, message: 'You will be logged off in {minutes} minutes.' },
      maxActionsPerHost: 3,
      exclude: { users: ['kiosk-?'] },
    },
    pilot: { dryRun: true },
  },
};

function policyError(input: unknown): PolicyError {
  try {
    parsePolicy(input);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('resolves named groups over the default group field by field', () => {
    const policy = parsePolicy(JSON.stringify(example));

    expect(policy.fleetMaxActionsPerSweep).toBe(20);
    expect(namedGroups(policy)).toEqual(['pilot', 'rds-farm']);
    const farm = resolveGroup(policy, 'rds-farm');
    expect(farm).toMatchObject({
      name: 'rds-farm',
      disconnectIdleMinutes: 60,
      logoffIdleMinutes: 120,
      logoffDisconnectedMinutes: 240,
      maxActionsPerHost: 3,
      dryRun: false,
    });
    // Exclusions add up: the group's own come on top of the default group's.
    expect(farm.excludedUsers).toEqual(['svc-*', 'kiosk-?', 'CONTOSO\\adm-*', 'Administrator']);
    expect(resolveGroup(policy, 'pilot').excludedUsers).toEqual([
      'svc-*',
      'CONTOSO\\adm-*',
      'Administrator',
    ]);
    expect(resolveGroup(policy, 'pilot').dryRun).toBe(true);
    expect(resolveGroup(policy, 'pilot').maxActionsPerHost).toBe(5);
  });

  it('falls back to the default group for an untagged host or an unknown group', () => {
    const policy = parsePolicy(example);

    expect(resolveGroup(policy, null).name).toBe(DEFAULT_GROUP);
    expect(resolveGroup(policy, 'nonexistent').name).toBe(DEFAULT_GROUP);
  });

  it('names the field and the reason of a bad value', () => {
    const bad = structuredClone(example);
    bad.groups['rds-farm'].warn.minutesBefore = 0;

    const error = policyError(bad);

    expect(error.field).toBe('groups.rds-farm.warn.minutesBefore');
    expect(error.message).toMatch(/^invalid policy: groups\.rds-farm\.warn\.minutesBefore: .*>=1/);
  });

  it('rejects unknown fields, so that a typo never silently disables a limit', () => {
    const error = policyError({ version: 1, default: { disconectIdleMinutes: 30 } });

    expect(error.message).toContain('disconectIdleMinutes');
  });

  it('rejects a reference to an undefined user group', () => {
    const error = policyError({ version: 1, default: { exclude: { groups: ['nobody'] } } });

    expect(error.field).toBe('default.exclude.groups.0');
    expect(error.message).toContain('unknown user group "nobody"');
  });

  it('rejects a warning text outside the host document character set', () => {
    const error = policyError({
      version: 1,
      default: { warn: { minutesBefore: 5, message: 'bye"; Remove-Item C:\\ -Recurse' } },
    });

    expect(error.field).toBe('default.warn.message');
  });

  it('rejects malformed JSON, a wrong version and a quiet window that starts where it ends', () => {
    expect(policyError('{nope').field).toBe('');
    expect(policyError({ version: 2 }).field).toBe('version');
    expect(
      policyError({ version: 1, default: { quietHours: [{ start: '08:00', end: '08:00' }] } }).field
    ).toBe('default.quietHours.0.end');
    expect(policyError({ version: 1, groups: { default: {} } }).field).toBe('groups.default');
  });

  it('refuses a policy file that repeats a key, naming the key, so no exclusion is silently dropped', () => {
    // JSON.parse keeps the last of repeated keys: the first exclude list would vanish unsaid.
    const text = `{"version":1,"default":{"logoffDisconnectedMinutes":60,
      "exclude":{"users":["svc-*","Administrator"]},
      "exclude":{"users":[]}}}`;

    const error = policyError(text);

    expect(error.field).toBe('default.exclude');
    expect(error.message).toMatch(/^invalid policy: default\.exclude: .*"exclude".*more than once/);
    expect(policyError('{"version":1,"groups":{"a":{},"a":{"dryRun":true}}}').field).toBe(
      'groups.a'
    );
    expect(policyError('{"version":1,"version":1}').field).toBe('version');
    // The same key in different objects is no repeat.
    expect(() =>
      parsePolicy(
        '{"version":1,"default":{"exclude":{"users":["a"]}},"groups":{"g":{"exclude":{"users":["b"]}}}}'
      )
    ).not.toThrow();
  });

  it('rejects exclusion patterns that are not account names', () => {
    const error = policyError({ version: 1, default: { exclude: { users: ['a\\b\\c'] } } });

    expect(error.field).toBe('default.exclude.users.0');
  });
});

describe('builtInPolicy', () => {
  it('configures no threshold, as a fresh Windows RDS host does', () => {
    const group = resolveGroup(builtInPolicy(), 'anything');

    expect(group).toMatchObject({
      disconnectIdleMinutes: null,
      logoffIdleMinutes: null,
      logoffDisconnectedMinutes: null,
      warn: null,
      dryRun: false,
    });
  });

  it('is what an unset or blank POLICY gives', () => {
    expect(policyFromEnv(undefined)).toEqual(builtInPolicy());
    expect(policyFromEnv('  ')).toEqual(builtInPolicy());
    expect(() => policyFromEnv('{"version":1,"fleet":{"maxActionsPerSweep":-1}}')).toThrow(
      /fleet\.maxActionsPerSweep/
    );
  });
});

describe('readPolicyFile', () => {
  it('reads and validates a policy file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sj-policy-'));
    const path = join(dir, 'policy.json');
    await writeFile(path, JSON.stringify(example));

    const policy = await readPolicyFile(path);

    expect(resolveGroup(policy, 'rds-farm').logoffIdleMinutes).toBe(120);
  });

  it('refuses a file that repeats a key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sj-policy-'));
    const path = join(dir, 'policy.json');
    await writeFile(
      path,
      '{"version":1,"fleet":{"maxActionsPerSweep":5,"maxActionsPerSweep":500}}'
    );

    await expect(readPolicyFile(path)).rejects.toThrow(/fleet\.maxActionsPerSweep/);
  });
});
