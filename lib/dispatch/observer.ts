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
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}
