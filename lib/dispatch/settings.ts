import type { SSMClient } from '@aws-sdk/client-ssm';
import type { HostDocuments } from '../contract.js';
import type { RetryPolicy } from '../ssm/retry.js';
import type { Observer } from './observer.js';

/**
 * How commands are sent, the same for every use case (sweep, status events, idle events, the
 * API): built once from the configuration (`functions/shared/runtime.ts`).
 */
export interface SendSettings {
  ssm: SSMClient;
  documents: HostDocuments;
  /** CloudWatch log group for command output; empty: none. */
  outputLogGroup: string;
  /** SendCommand `TimeoutSeconds`: how long SSM may try to deliver a command. */
  deliveryTimeoutSeconds: number;
  /** The document's execution timeout: with the delivery timeout, when an action is overdue. */
  executionTimeoutSeconds: number;
  /** SSM retry policy override (tests shorten the backoff). */
  retry?: Partial<RetryPolicy>;
  clock: () => Date;
  observer: Observer;
}

/** Which hosts may be acted on, and the tag that names a host's policy group. */
export interface HostTags {
  /** Only instances with this tag and value are ever targeted or queried. */
  managedTag: { key: string; value: string };
  groupTagKey: string;
}
