import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../../local/clock.js';

const START = new Date('2026-11-23T14:00:00Z');
/** --time-scale 600: 600 simulated minutes per real second. */
const FASTEST = 600 * 60;

describe('the simulated clock while a function holds it', () => {
  let clock: SimClock;
  afterEach(() => clock.close());

  it('runs at real time, not at its rate: a function costs what it takes, not minutes', async () => {
    clock = new SimClock(START, FASTEST);
    const release = clock.hold();
    const before = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const held = clock.now() - before;
    release();

    expect(held).toBeGreaterThanOrEqual(40);
    expect(held).toBeLessThan(5_000);
  });

  it('still fires timers, so a function waiting for SSM is not waiting for ever', async () => {
    clock = new SimClock(START, FASTEST);
    const release = clock.hold();
    try {
      const fired = await Promise.race([
        new Promise((resolve) => clock.after(30, () => resolve('fired'))),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
      ]);
      expect(fired).toBe('fired');
    } finally {
      release();
    }
  });

  it('stands still at rate 0, held or not', async () => {
    clock = new SimClock(START, 0);
    const release = clock.hold();
    const before = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now() - before).toBe(1);
    release();
  });
});
