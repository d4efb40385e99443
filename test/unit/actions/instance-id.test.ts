import { describe, expect, it } from 'vitest';
import { instanceIdSchema } from '../../../lib/actions/schema.js';
import { INSTANCE_ID_PATTERN } from '../../../lib/contract.js';

// The ids SSM's own pattern admits, `(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)` (aws-facts.md §1).
describe('one instance-id rule', () => {
  it.each(['i-0a1b2c3d', 'i-0a1b2c3d4e5f60718', 'mi-0123456789abcdef0'])('admits %s', (id) => {
    expect(INSTANCE_ID_PATTERN.test(id)).toBe(true);
    expect(instanceIdSchema.safeParse(id).success).toBe(true);
  });

  // The ledger's schema used to take `mi-` + 8 and any length from 8 to 17, which SSM refuses.
  it.each(['mi-0a1b2c3d', 'i-0a1b2c3d4e', 'i-', 'x-0a1b2c3d', 'i-0a1b2c3d\n'])(
    'refuses %j',
    (id) => {
      expect(INSTANCE_ID_PATTERN.test(id)).toBe(false);
      expect(instanceIdSchema.safeParse(id).success).toBe(false);
    }
  );
});
