import type { Action } from '../actions/model.js';

/**
 * What the use cases report, for logs and metrics. The functions implement it with Powertools;
 * the domain stays free of any logging library.
 */
export interface Observer {
  /** A new action was recorded: `send` it, or `skip` it (dry run, excluded, limits, quiet hours). */
  planned(action: Action, decision: 'send' | 'skip'): void;
  /** An action reached a terminal status. */
  finished(action: Action): void;
  /**
   * A sweep invocation ended: how many managed hosts it found and how long it took. Optional:
   * only the functions' observer makes metrics of it.
   */
  sweepRan?(sweep: SweepRun): void;
  /** An SSM call was throttled and is tried again (`attempt`: the one that was throttled). */
  ssmThrottled?(operation: string, attempt: number): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

export interface SweepRun {
  sweepId: string;
  hosts: number;
  /** A previous attempt of the same sweep had asked the hosts; this one sent nothing. */
  repeated: boolean;
  durationMs: number;
}
