import type { HostTags, SendSettings } from '../dispatch/settings.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Policy } from '../policy/schema.js';

/** Everything the API's use cases need, injected (built once per process by `functions/api`). */
export interface ApiDeps extends SendSettings, HostTags {
  ledger: Pick<
    Ledger,
    | 'createAction'
    | 'getAction'
    | 'markDispatched'
    | 'complete'
    | 'publishTerminal'
    | 'leaseResume'
    | 'releaseResume'
    | 'listByHost'
    | 'listByTicket'
    | 'listByUser'
    | 'listSweeps'
    | 'getSweep'
    | 'getSweepHosts'
    | 'summarizeSweepActions'
  >;
  /** Its exclusions bind ticket actions too (the host's group, by its policy-group tag). */
  policy: Policy;
  /** How long a live host query may wait for the host (`HOST_QUERY_TIMEOUT_MS`). */
  hostQueryTimeoutMs: number;
  /** Pause between two GetCommandInvocation polls of a live query. Default 250 ms. */
  hostQueryPollMs?: number;
  /**
   * An action still `planned` this long after it was recorded is taken to be orphaned (its
   * request died between recording and sending) and a repeat of the request sends it. Default
   * 30 s: longer than the API function's timeout, so its first request can no longer be running.
   */
  dispatchGraceMs?: number;
}
