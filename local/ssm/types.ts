import type { COMMAND_DETAIL_TYPE, INVOCATION_DETAIL_TYPE } from '../../lib/contract.js';
import type { Scheduler } from '../clock.js';
import type { Fleet } from '../fleet/types.js';

/** Faults the local SSM can inject. All are deterministic for a given `seed`. */
export interface SsmFaults {
  /** Fraction (0–1) of API calls answered with `ThrottlingException: Rate exceeded`. */
  throttleRate: number;
  /**
   * Instances whose agent cannot be reached: PingStatus `ConnectionLost`, invocations `Delayed`
   * and then `DeliveryTimedOut` unless the instance comes back before the delivery timeout.
   */
  offlineInstanceIds: readonly string[];
  /** Extra run time (ms) per instance id, added to what the fleet reports. */
  slowInstanceMs: Readonly<Record<string, number>>;
  /** Fraction (0–1) of status-change events that are never delivered. */
  dropEventRate: number;
  /** Fraction (0–1) of status-change events that are delivered twice. */
  duplicateEventRate: number;
  /**
   * Fraction (0–1) of status-change events delivered `lateEventMs` late, after the events that
   * followed them (EventBridge keeps no order): an `InProgress` after its `Success`.
   */
  lateEventRate: number;
  /** Scheduler milliseconds a late event waits on top of `eventDelayMs`. */
  lateEventMs: number;
  /** For this long after SendCommand, GetCommandInvocation answers `InvocationDoesNotExist`. */
  invocationNotFoundMs: number;
}

/** Milliseconds of the scheduler's clock (`LocalSsmOptions.scheduler`: real time by default). */
export interface SsmTiming {
  /** How long an invocation to a reachable instance stays `Pending`. */
  pendingMs: number;
  /** How long an invocation to an unreachable instance stays `Pending` before `Delayed`. */
  delayedAfterMs: number;
  /** Between delivery attempts to an unreachable instance. */
  retryDeliveryMs: number;
  /**
   * Scheduler milliseconds per SSM second, applied to `TimeoutSeconds` and the document's
   * `timeoutSeconds` (tests on real time shrink a 120 s execution timeout to 120 ms with 1).
   */
  msPerSecond: number;
  /** Between a status change and the delivery of its event. */
  eventDelayMs: number;
}

export const DEFAULT_FAULTS: SsmFaults = {
  throttleRate: 0,
  offlineInstanceIds: [],
  slowInstanceMs: {},
  dropEventRate: 0,
  duplicateEventRate: 0,
  lateEventRate: 0,
  lateEventMs: 0,
  invocationNotFoundMs: 0,
};

export const DEFAULT_TIMING: SsmTiming = {
  pendingMs: 50,
  delayedAfterMs: 200,
  retryDeliveryMs: 500,
  msPerSecond: 1000,
  eventDelayMs: 5,
};

export type CommandStatus =
  | 'Pending'
  | 'InProgress'
  | 'Success'
  | 'Cancelled'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelling';

export type InvocationStatus = CommandStatus | 'Delayed';

interface EventEnvelope<TDetailType extends string, TDetail> {
  version: '0';
  id: string;
  'detail-type': TDetailType;
  source: 'aws.ssm';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

export type CommandStatusChangeEvent = EventEnvelope<
  typeof COMMAND_DETAIL_TYPE,
  {
    'command-id': string;
    'document-name': string;
    'expire-after': string;
    parameters: Record<string, string[]>;
    'requested-date-time': string;
    status: CommandStatus;
  }
>;

export type InvocationStatusChangeEvent = EventEnvelope<
  typeof INVOCATION_DETAIL_TYPE,
  {
    'command-id': string;
    'document-name': string;
    'instance-id': string;
    'requested-date-time': string;
    status: InvocationStatus;
  }
>;

export type SsmEventBridgeEvent = CommandStatusChangeEvent | InvocationStatusChangeEvent;

export type SsmEventListener = (event: SsmEventBridgeEvent) => void | Promise<void>;

/** What SendCommand accepted, as the caller sent it (after defaults), for tests to inspect. */
export interface SentCommandRecord {
  commandId: string;
  documentName: string;
  instanceIds: readonly string[];
  /** Parameters exactly as sent (`map<string, string[]>`), without document defaults. */
  parameters: Readonly<Record<string, readonly string[]>>;
  comment: string;
  timeoutSeconds: number;
  requestedAt: Date;
}

export interface LocalSsmOptions {
  fleet: Fleet;
  /** Default 0: an ephemeral port on 127.0.0.1. */
  port?: number;
  faults?: Partial<SsmFaults>;
  timing?: Partial<SsmTiming>;
  /** Seeds the fault dice; the same seed and call sequence give the same faults. */
  seed?: number;
  /**
   * The clock of every time SSM reports (RequestedDateTime, execution times, event times, the
   * ListCommands time filters). The local runtime passes the simulated fleet's clock so that the
   * ledger, the hosts and SSM agree on the time.
   * @default () => new Date()
   */
  clock?: () => Date;
  /**
   * What every delay and timeout waits on: the local runtime passes its simulated clock, so that
   * a delay lasts as long in simulated time at every `--time-scale`.
   * @default real time
   */
  scheduler?: Scheduler;
  accountId?: string;
  region?: string;
  /**
   * A file every accepted command is appended to (see `journal.ts`), which outlives the process;
   * absent: the history is only in memory.
   */
  journal?: string;
  /** Called when an event listener throws or rejects; default: a process warning. */
  onListenerError?: (error: unknown, event: SsmEventBridgeEvent) => void;
}

export interface LocalSsm {
  /** `http://127.0.0.1:<port>`, for `new SSMClient({ endpoint })`. */
  endpoint: string;
  close(): Promise<void>;
  /** Receives every status-change event (asynchronously); returns the unsubscribe function. */
  subscribe(listener: SsmEventListener): () => void;
  setFaults(faults: Partial<SsmFaults>): void;
  commands(): readonly SentCommandRecord[];
  /** Resolves once every invocation is terminal and every event delivered (listeners settled). */
  idle(): Promise<void>;
}
