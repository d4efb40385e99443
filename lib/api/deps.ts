import type { SSMClient } from '@aws-sdk/client-ssm';
import type { HostDocuments } from '../contract.js';
import type { Observer } from '../dispatch/observer.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Policy } from '../policy/schema.js';
import type { RetryPolicy } from '../ssm/retry.js';

/** Everything the API's use cases need, injected (built once per process by `functions/api`). */
export interface ApiDeps {
  ledger: Pick<
    Ledger,
    | 'createAction'
    | 'getAction'
    | 'markDispatched'
    | 'complete'
    | 'leaseResume'
    | 'releaseResume'
    | 'listByHost'
    | 'listByTicket'
    | 'listAffectedByUser'
  >;
  ssm: SSMClient;
  documents: HostDocuments;
  /** CloudWatch log group for command output; empty: none. */
  outputLogGroup: string;
  deliveryTimeoutSeconds: number;
  executionTimeoutSeconds: number;
  /** Its exclusions bind ticket actions too (the host's group, by its policy-group tag). */
  policy: Policy;
  groupTagKey: string;
  /** Only instances with this tag and value can be targeted or queried. */
  managedTag: { key: string; value: string };
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
  retry?: Partial<RetryPolicy>;
  clock: () => Date;
  observer: Observer;
}
