/**
 * The Action: one thing session-janitor does to one host, and why. Types only; the state machine
 * and id derivation live beside it in `lib/actions/`.
 */

export const OPERATIONS = [
  'disconnect',
  'logoff',
  'notify',
  'end-smb-session',
  'close-file',
  'end-shell',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const ACTION_STATUSES = [
  'planned',
  'dispatched',
  'succeeded',
  'failed',
  'timed_out',
  'undeliverable',
  'cancelled',
  'skipped',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export type ActionTarget =
  | {
      kind: 'session';
      sessionId: number;
      expectedUser: string;
      /** As quser printed it, host-local `YYYY-MM-DDTHH:MM`: the logon the host must still see. */
      logonTime?: string | null;
      /**
       * What a policy action planned from: the state the session must still be in, and the idle
       * or disconnected minutes it must still have reached, when the host acts.
       */
      expectedState?: 'active' | 'disconnected' | null;
      minIdleMinutes?: number | null;
      minDisconnectedMinutes?: number | null;
    }
  | { kind: 'file'; fileId: string; expectedPath: string }
  | { kind: 'smb'; clientName: string | null; userName: string | null }
  /** A WinRM shell: its id (GUIDs are never reused) and the owner the host must still see. */
  | {
      kind: 'shell';
      shellId: string;
      expectedOwner: string;
      /** What a policy end planned from: the state and inactivity the host must still see. */
      expectedState?: 'Connected' | 'Disconnected' | null;
      minInactiveMinutes?: number | null;
    };

export type ActionTrigger =
  | { kind: 'schedule'; sweepId: string }
  | { kind: 'idle-event'; eventId: string }
  | {
      kind: 'api';
      ticketId: string;
      /** The API client that called (the token's identity): which system asked. */
      caller: string;
      /** The person that system says asked (`requestedBy`), when it says so. */
      requestedBy?: string;
      /**
       * What the request explicitly overrode: the policy's exclusion pattern the user matched
       * (`override: "exclusion"`), and the console (`console: true`).
       */
      overrides?: { exclusion?: string; console?: true; confirm?: true };
    };

export interface ActionResult {
  /** The script's exit code (or SSM ResponseCode), when there is one. */
  exitCode: number | null;
  /** A short machine-readable cause: `guard:user-mismatch`, `ssm:DeliveryTimedOut`, `win32:5`… */
  errorCode: string | null;
  /** At most a few hundred characters of what the host printed. */
  excerpt: string;
  /** `end-shell`, succeeded: how the host ended the shell, and what the shell had then. */
  shellEnd?: ShellEndRecord;
}

/**
 * A server cannot hand a client's shell back, only end it: `ended` when the shell was
 * Disconnected or ran no command, `ended-ungraceful` when commands may have lost their work.
 */
export interface ShellEndRecord {
  outcome: 'ended' | 'ended-ungraceful';
  /** `Connected`, `Disconnected`, or `null` when the host did not show one. */
  state: string | null;
  childProcesses: number | null;
  inactivitySeconds: number | null;
}

/**
 * One SMB session or open file an action closed, and whose it was, as the host reported it: an
 * SMB session ended by client alone, or a file closed by path, can cut off many people at once.
 */
export interface AffectedEntry {
  /** `DOMAIN\user` as the host shows it (empty when it shows none). */
  userName: string;
  client: string | null;
  smbSessionId?: string;
  fileId?: string;
  path?: string;
}

export interface Action {
  id: string;
  operation: Operation;
  instanceId: string;
  target: ActionTarget;
  trigger: ActionTrigger;
  /** Human-readable: "idle 47 min ≥ 30 min policy 'default'". */
  reason: string;
  /** The policy group that planned it, or `null` for API requests. */
  policy: string | null;
  /** For notify: the message shown to the user. */
  message?: string | null;
  /** For notify: seconds the message stays up. */
  warnSeconds?: number | null;
  status: ActionStatus;
  dryRun: boolean;
  commandId: string | null;
  attempts: number;
  result: ActionResult | null;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** One entry per status reached, ISO 8601 UTC: `{planned: …, dispatched: …, succeeded: …}`. */
  timestamps: Partial<Record<ActionStatus, string>>;
  /**
   * Actions not terminal by then are reconciled by the sweep. ISO 8601 UTC. While `planned`: the
   * planned deadline (created + a grace for sending); once `dispatched`: the dispatch deadline.
   */
  deadline: string | null;
  /**
   * Close operations, once succeeded: every SMB session or file the host reports it closed. At
   * most what one envelope can report (≤ 20,000 characters), so the item stays far below
   * DynamoDB's 400 KB; each user's share is also a record of its own, queryable by user.
   */
  affected?: AffectedEntry[];
}

/** What a caller asks for; the ledger derives the id and owns status, timestamps and results. */
export type NewAction = Pick<
  Action,
  'operation' | 'instanceId' | 'target' | 'trigger' | 'reason' | 'policy' | 'dryRun'
> &
  Partial<Pick<Action, 'message' | 'warnSeconds'>>;
