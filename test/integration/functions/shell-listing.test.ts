import { describe, expect, it } from 'vitest';
import { startHarness } from './harness.js';

/** Which hosts a sweep asks for their WinRM shells: counted as SendCommand calls on the local SSM. */
describe('a sweep lists shells', () => {
  it('only on hosts whose group sets shells, and on none of the others', async () => {
    const h = await startHarness({
      policy: {
        version: 1,
        default: { disconnectIdleMinutes: 600 },
        groups: { strict: { shells: { endDisconnectedAfterMinutes: 30 } } },
      },
    });
    try {
      const [plain, withShells] = [h.instance(0), h.instance(1)];
      expect(h.fleet.instance(withShells)?.tags['session-janitor:policy-group']).toBe('strict');
      expect(h.fleet.instance(plain)?.tags['session-janitor:policy-group']).toBe('default');

      await h.sweepAt(h.fleet.now());
      await h.settle();

      const sent = (operation: string) =>
        h.ssm.commands().filter((c) => c.parameters.Operation?.[0] === operation);
      expect(sent('ListShells').map((c) => c.instanceIds)).toEqual([[withShells]]);
      expect(
        sent('ListSessions')
          .flatMap((c) => c.instanceIds)
          .sort()
      ).toEqual([plain, withShells].sort());
    } finally {
      await h.close();
    }
  });

  it('on no host whose group sets shells without a threshold: nothing could be planned', async () => {
    const h = await startHarness({
      policy: {
        version: 1,
        default: { disconnectIdleMinutes: 600, shells: { exclude: { owners: ['CORP\\svc_*'] } } },
      },
    });
    try {
      await h.sweepAt(h.fleet.now());
      await h.settle();
      const operations = h.ssm.commands().map((c) => c.parameters.Operation?.[0]);
      expect(operations).toContain('ListSessions');
      expect(operations).not.toContain('ListShells');
    } finally {
      await h.close();
    }
  });
});
