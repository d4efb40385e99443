import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../lib/ssm/errors.js';
import { describeHost, listManagedInstances } from '../../../lib/ssm/instances.js';
import { type Harness, MANAGED, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function idsWhere(predicate: (i: ReturnType<Harness['fleet']['instances']>[number]) => boolean) {
  return h.fleet
    .instances()
    .filter(predicate)
    .map((i) => i.instanceId)
    .sort();
}

describe('listManagedInstances', () => {
  it('lists managed, online Windows instances only', async () => {
    const listed = await listManagedInstances({ ssm: h.client }, MANAGED);
    expect(listed.map((i) => i.instanceId).sort()).toEqual(
      idsWhere((i) => i.tags[MANAGED.tagKey] === MANAGED.tagValue && i.pingStatus === 'Online')
    );
    expect(listed.every((i) => i.platformType === 'Windows' && i.pingStatus === 'Online')).toBe(
      true
    );
  });

  it('includes lost connections when asked, and narrows by an extra tag', async () => {
    const all = await listManagedInstances(
      { ssm: h.client },
      { ...MANAGED, pingStatus: ['Online', 'ConnectionLost'] }
    );
    expect(all.map((i) => i.instanceId).sort()).toEqual(
      idsWhere((i) => i.tags[MANAGED.tagKey] === MANAGED.tagValue)
    );
    const strict = await listManagedInstances(
      { ssm: h.client },
      { ...MANAGED, extraTagFilters: [{ key: 'session-janitor:policy-group', values: ['strict'] }] }
    );
    const expected = idsWhere(
      (i) =>
        i.tags[MANAGED.tagKey] === MANAGED.tagValue &&
        i.pingStatus === 'Online' &&
        i.tags['session-janitor:policy-group'] === 'strict'
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(strict.map((i) => i.instanceId).sort()).toEqual(expected);
  });
});

describe('describeHost', () => {
  it('tells managed, unmanaged and unknown instances apart', async () => {
    const managed = idsWhere((i) => i.tags[MANAGED.tagKey] === MANAGED.tagValue)[0];
    const unmanaged = idsWhere((i) => i.tags[MANAGED.tagKey] !== MANAGED.tagValue)[0];
    if (!managed || !unmanaged) throw new Error('fleet lacks a managed or unmanaged host');
    await expect(describeHost({ ssm: h.client }, managed, MANAGED)).resolves.toMatchObject({
      found: true,
      managed: true,
      platformType: 'Windows',
    });
    await expect(describeHost({ ssm: h.client }, unmanaged, MANAGED)).resolves.toMatchObject({
      found: true,
      managed: false,
    });
    await expect(describeHost({ ssm: h.client }, 'i-0fffffffffffffff0', MANAGED)).resolves.toEqual({
      found: false,
      managed: false,
      pingStatus: null,
      platformType: null,
    });
  });

  it('refuses a malformed instance id without asking SSM', async () => {
    await expect(
      describeHost({ ssm: h.client }, 'i-123; rm -rf /', MANAGED)
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
