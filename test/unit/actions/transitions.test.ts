import { describe, expect, it } from 'vitest';
import { ACTION_STATUSES, type ActionStatus } from '../../../lib/actions/model.js';
import {
  canTransition,
  isTerminal,
  sourcesOf,
  TERMINAL_STATUSES,
} from '../../../lib/actions/transitions.js';

const pairs = (list: string) =>
  list.split(' ').map((p) => p.split('>') as [ActionStatus, ActionStatus]);

describe('the status table', () => {
  it('allows exactly the moves the design lists', () => {
    const allowed = pairs(
      'planned>dispatched planned>skipped planned>failed planned>undeliverable planned>cancelled ' +
        'dispatched>succeeded dispatched>failed dispatched>timed_out dispatched>undeliverable ' +
        'dispatched>cancelled dispatched>skipped'
    );
    const actual = ACTION_STATUSES.flatMap((from) =>
      ACTION_STATUSES.filter((to) => canTransition(from, to)).map((to) => [from, to])
    );

    expect(actual.sort()).toEqual(allowed.sort());
  });

  it('never moves a terminal status, nor back to planned, nor in place', () => {
    for (const from of ACTION_STATUSES) {
      expect(canTransition(from, 'planned')).toBe(false);
      expect(canTransition(from, from)).toBe(false);
      if (isTerminal(from)) {
        for (const to of ACTION_STATUSES) expect(canTransition(from, to)).toBe(false);
      }
    }
  });

  it('calls terminal every status except planned and dispatched', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(
      ACTION_STATUSES.filter((s) => s !== 'planned' && s !== 'dispatched').sort()
    );
  });

  it('names the legal sources of each target status', () => {
    expect(sourcesOf('succeeded')).toEqual(['dispatched']);
    expect(sourcesOf('failed')).toEqual(['planned', 'dispatched']);
    expect(sourcesOf('dispatched')).toEqual(['planned']);
    expect(sourcesOf('planned')).toEqual([]);
  });
});
