import { randomUUID } from 'node:crypto';
import {
  COMMAND_DETAIL_TYPE,
  INVOCATION_DETAIL_TYPE,
  SSM_EVENT_SOURCE,
} from '../../lib/contract.js';
import type { HostParameters } from '../../lib/ssm/host-contract.js';
import type { Scheduler } from '../clock.js';
import type { Fleet, ScriptRun } from '../fleet/types.js';
import type { Dice } from './random.js';
import type {
  CommandStatus,
  InvocationStatus,
  SentCommandRecord,
  SsmEventBridgeEvent,
  SsmEventListener,
  SsmFaults,
  SsmTiming,
} from './types.js';

/**
 * The Run Command state machine: invocations move Pending → (Delayed) → InProgress → terminal on
 * timers, the command's status follows its invocations, and every change becomes an EventBridge
 * event. The HTTP layer (`api.ts`) validates requests and shapes responses around it.
 */

export interface Invocation {
  commandId: string;
  instanceId: string;
  instanceName: string;
  status: InvocationStatus;
  statusDetails: string;
  /** -1 until the script has exited (and for timeouts and cancellations). */
  responseCode: number;
  startedAt: Date | null;
  /** When the script started on the scheduler's clock: run time is measured on it. */
  startedAtMs: number | null;
  endedAt: Date | null;
  stdout: string;
  stderr: string;
}

export interface CommandRecord {
  commandId: string;
  documentName: string;
  documentVersion: string;
  comment: string;
  /** As sent (`map<string, string[]>`), without defaults. */
  parameters: Record<string, string[]>;
  /** Every document parameter, defaults applied. */
  resolved: Record<string, string>;
  instanceIds: string[];
  targets: unknown[];
  requestedAt: Date;
  /** When SendCommand was answered, on the scheduler's clock (the invisibility fault counts from it). */
  sentAtMs: number;
  timeoutSeconds: number;
  executionTimeoutSeconds: number;
  maxConcurrency: string;
  maxErrors: string;
  serviceRoleArn: string;
  outputS3BucketName: string;
  outputS3KeyPrefix: string;
  notificationConfig: Record<string, unknown>;
  cloudWatchOutputConfig: { CloudWatchLogGroupName: string; CloudWatchOutputEnabled: boolean };
  status: CommandStatus;
  statusDetails: string;
  invocations: Map<string, Invocation>;
}

export type NewCommand = Omit<
  CommandRecord,
  'commandId' | 'requestedAt' | 'sentAtMs' | 'status' | 'statusDetails' | 'invocations' | 'resolved'
> & { resolved: Record<string, string>; instanceNames: ReadonlyMap<string, string> };

const TERMINAL: ReadonlySet<InvocationStatus> = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
]);

export function isTerminal(status: InvocationStatus): boolean {
  return TERMINAL.has(status);
}

/** `expire-after` and `ExpiresAfter`: delivery timeout plus execution timeout. */
export function expiresAt(command: CommandRecord): Date {
  const seconds = command.timeoutSeconds + command.executionTimeoutSeconds;
  return new Date(command.requestedAt.getTime() + seconds * 1000);
}

export function instanceArn(region: string, account: string, instanceId: string): string {
  return instanceId.startsWith('mi-')
    ? `arn:aws:ssm:${region}:${account}:managed-instance/${instanceId}`
    : `arn:aws:ec2:${region}:${account}:instance/${instanceId}`;
}

function allowedErrors(maxErrors: string, targets: number): number {
  if (maxErrors.endsWith('%')) return Math.floor((Number(maxErrors.slice(0, -1)) / 100) * targets);
  return Number(maxErrors);
}

/** The command's status from its invocations (aws-facts §3.2 and §3.3). */
function aggregate(command: CommandRecord): { status: CommandStatus; details: string } {
  const invocations = [...command.invocations.values()];
  if (invocations.some((invocation) => !isTerminal(invocation.status))) {
    return invocations.every((invocation) => invocation.status === 'Pending')
      ? { status: 'Pending', details: 'Pending' }
      : { status: 'InProgress', details: 'InProgress' };
  }
  const count = (details: string) =>
    invocations.filter((invocation) => invocation.statusDetails === details).length;
  const total = invocations.length;
  const failed = count('Failed');
  const executionTimedOut = count('ExecutionTimedOut');
  const deliveryTimedOut = count('DeliveryTimedOut');
  const cancelled = count('Cancelled');
  const succeeded = count('Success');
  const tolerated = allowedErrors(command.maxErrors, total);
  if (succeeded === total) return { status: 'Success', details: 'Success' };
  if (cancelled > 0 && succeeded + cancelled === total) {
    return { status: 'Cancelled', details: 'Cancelled' };
  }
  if (failed + executionTimedOut > tolerated) {
    return failed > 0
      ? { status: 'Failed', details: 'Failed' }
      : { status: 'TimedOut', details: 'ExecutionTimedOut' };
  }
  if (deliveryTimedOut > tolerated) return { status: 'TimedOut', details: 'DeliveryTimedOut' };
  return { status: 'Failed', details: 'Incomplete' };
}

function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hostParametersOf(resolved: Record<string, string>): HostParameters {
  // Windows holds no empty environment variable, so a '' parameter is absent on the host too.
  const present = Object.entries(resolved).filter(([, value]) => value !== '');
  return Object.fromEntries(present) as HostParameters;
}

export interface EngineOptions {
  fleet: Fleet;
  eventDice: Dice;
  timing: SsmTiming;
  faults: () => SsmFaults;
  accountId: string;
  region: string;
  onListenerError: (error: unknown, event: SsmEventBridgeEvent) => void;
  clock: () => Date;
  /** Every delay and timeout waits on it. */
  scheduler: Scheduler;
  /** Told of each accepted command before SendCommand answers (the journal). */
  onSent?: (record: SentCommandRecord) => void;
}

export class RunCommandEngine {
  readonly commands = new Map<string, CommandRecord>();
  readonly sent: SentCommandRecord[] = [];
  private readonly listeners = new Set<SsmEventListener>();
  private readonly timers = new Set<() => void>();
  private readonly idleWaiters: (() => void)[] = [];
  /**
   * The order commands were sent in: event faults are keyed by it, not by the (random) command
   * id, so the same seed loses the same events.
   */
  private readonly ordinals = new Map<string, number>();
  private openInvocations = 0;
  private busy = 0;
  private closed = false;

  constructor(private readonly options: EngineOptions) {}

  subscribe(listener: SsmEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.openInvocations = 0;
    this.busy = 0;
    this.settleIdle();
  }

  isReachable(instanceId: string): boolean {
    const instance = this.options.fleet.instance(instanceId);
    return (
      instance?.pingStatus === 'Online' &&
      !this.options.faults().offlineInstanceIds.includes(instanceId)
    );
  }

  send(input: NewCommand): CommandRecord {
    const { instanceNames, ...rest } = input;
    const command: CommandRecord = {
      ...rest,
      // Random, as SSM's: the ledger outlives this process, and an id issued again after a
      // restart would tie an old action to a new, unrelated command.
      commandId: randomUUID(),
      requestedAt: this.options.clock(),
      sentAtMs: this.now(),
      status: 'Pending',
      statusDetails: 'Pending',
      invocations: new Map(),
    };
    for (const instanceId of command.instanceIds) {
      command.invocations.set(instanceId, {
        commandId: command.commandId,
        instanceId,
        instanceName: instanceNames.get(instanceId) ?? '',
        status: 'Pending',
        statusDetails: 'Pending',
        responseCode: -1,
        startedAt: null,
        startedAtMs: null,
        endedAt: null,
        stdout: '',
        stderr: '',
      });
    }
    this.commands.set(command.commandId, command);
    this.ordinals.set(command.commandId, this.ordinals.size);
    const record: SentCommandRecord = {
      commandId: command.commandId,
      documentName: command.documentName,
      instanceIds: [...command.instanceIds],
      parameters: structuredClone(command.parameters),
      comment: command.comment,
      timeoutSeconds: command.timeoutSeconds,
      requestedAt: command.requestedAt,
    };
    this.sent.push(record);
    this.options.onSent?.(record);
    this.emitCommand(command);
    for (const invocation of command.invocations.values()) {
      this.openInvocations++;
      this.emitInvocation(command, invocation);
      this.schedule(command, invocation);
    }
    return command;
  }

  cancel(command: CommandRecord, instanceIds: readonly string[] | undefined): void {
    for (const invocation of command.invocations.values()) {
      if (instanceIds !== undefined && !instanceIds.includes(invocation.instanceId)) continue;
      if (isTerminal(invocation.status)) continue;
      invocation.endedAt = invocation.startedAt === null ? null : this.options.clock();
      this.finish(command, invocation, 'Cancelled', 'Cancelled', -1);
    }
  }

  /** Milliseconds on the scheduler's clock. */
  now(): number {
    return this.options.scheduler.now();
  }

  private ms(seconds: number): number {
    return seconds * this.options.timing.msPerSecond;
  }

  private later(delayMs: number, action: () => void): void {
    if (this.closed) return;
    const cancel = this.options.scheduler.after(delayMs, () => {
      this.timers.delete(cancel);
      if (!this.closed) action();
    });
    this.timers.add(cancel);
  }

  private schedule(command: CommandRecord, invocation: Invocation): void {
    const { timing } = this.options;
    // The delivery timeout is a timer like the attempts, so it closes delivery in their order.
    // Compared with now() instead, it would fire early on a busy machine: every time a function
    // records moves the simulated clock on (times are distinct), not SSM's own waiting.
    let deliveryOpen = true;
    this.later(this.ms(command.timeoutSeconds), () => {
      deliveryOpen = false;
    });
    // Not delivered by ExpiresAfter (delivery + execution timeout): Delivery Timed Out.
    this.later(this.ms(command.timeoutSeconds + command.executionTimeoutSeconds), () => {
      if (invocation.status === 'Pending' || invocation.status === 'Delayed') {
        this.finish(command, invocation, 'TimedOut', 'DeliveryTimedOut', -1);
      }
    });
    // Both are timers, fired in the order they are due however late a busy process fires them
    // (with `msPerSecond: 1` a 60 s delivery window is 60 real ms).
    const attempt = () => {
      if (invocation.status !== 'Pending' && invocation.status !== 'Delayed') return;
      if (!deliveryOpen) return;
      if (this.isReachable(invocation.instanceId)) {
        this.run(command, invocation);
        return;
      }
      if (invocation.status === 'Pending')
        this.transition(command, invocation, 'Delayed', 'Delayed');
      this.later(timing.retryDeliveryMs, attempt);
    };
    const firstDelay = this.isReachable(invocation.instanceId)
      ? timing.pendingMs
      : timing.delayedAfterMs;
    this.later(firstDelay, attempt);
  }

  private run(command: CommandRecord, invocation: Invocation): void {
    invocation.startedAt = this.options.clock();
    invocation.startedAtMs = this.now();
    this.transition(command, invocation, 'InProgress', 'InProgress');
    const executionTimeoutMs = this.ms(command.executionTimeoutSeconds);
    this.later(executionTimeoutMs, () => {
      if (invocation.status !== 'InProgress') return;
      invocation.endedAt = this.options.clock();
      this.finish(command, invocation, 'TimedOut', 'ExecutionTimedOut', -1);
    });
    const parameters = hostParametersOf(command.resolved);
    this.busy++;
    this.options.fleet
      .run(invocation.instanceId, parameters)
      .then(
        (result) => this.completeAfter(command, invocation, result, executionTimeoutMs),
        (error: unknown) =>
          this.complete(command, invocation, {
            exitCode: 1,
            stdout: '',
            stderr: error instanceof Error ? error.message : String(error),
            durationMs: 0,
          })
      )
      .finally(() => {
        this.busy = Math.max(0, this.busy - 1);
        this.settleIdle();
      });
  }

  private completeAfter(
    command: CommandRecord,
    invocation: Invocation,
    result: ScriptRun,
    executionTimeoutMs: number
  ): void {
    if (invocation.status !== 'InProgress' || invocation.startedAtMs === null) return;
    const slowMs = this.options.faults().slowInstanceMs[invocation.instanceId] ?? 0;
    const runMs = result.durationMs + slowMs;
    // A script that outlives the execution timeout is killed by it: the timer above decides.
    if (runMs >= executionTimeoutMs) return;
    const remaining = invocation.startedAtMs + runMs - this.now();
    if (remaining <= 0) {
      this.complete(command, invocation, result);
      return;
    }
    this.later(remaining, () => this.complete(command, invocation, result));
  }

  private complete(command: CommandRecord, invocation: Invocation, result: ScriptRun): void {
    if (invocation.status !== 'InProgress') return;
    invocation.endedAt = this.options.clock();
    invocation.stdout = result.stdout;
    invocation.stderr = result.stderr;
    if (result.exitCode === 0) {
      this.finish(command, invocation, 'Success', 'Success', 0);
    } else {
      this.finish(command, invocation, 'Failed', 'Failed', result.exitCode);
    }
  }

  private finish(
    command: CommandRecord,
    invocation: Invocation,
    status: InvocationStatus,
    details: string,
    responseCode: number
  ): void {
    invocation.responseCode = responseCode;
    this.transition(command, invocation, status, details);
    this.openInvocations = Math.max(0, this.openInvocations - 1);
    this.settleIdle();
  }

  private transition(
    command: CommandRecord,
    invocation: Invocation,
    status: InvocationStatus,
    details: string
  ): void {
    invocation.status = status;
    invocation.statusDetails = details;
    this.emitInvocation(command, invocation);
    const next = aggregate(command);
    if (next.status !== command.status || next.details !== command.statusDetails) {
      command.status = next.status;
      command.statusDetails = next.details;
      this.emitCommand(command);
    }
  }

  private envelope(detailType: string, resources: string[], detail: object) {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: SSM_EVENT_SOURCE,
      account: this.options.accountId,
      time: eventTime(this.options.clock()),
      region: this.options.region,
      resources,
      detail,
    };
  }

  private arn(instanceId: string): string {
    return instanceArn(this.options.region, this.options.accountId, instanceId);
  }

  private emitCommand(command: CommandRecord): void {
    const event = this.envelope(
      COMMAND_DETAIL_TYPE,
      command.instanceIds.map((id) => this.arn(id)),
      {
        'command-id': command.commandId,
        'document-name': command.documentName,
        'expire-after': expiresAt(command).toISOString(),
        parameters: structuredClone(command.parameters),
        'requested-date-time': command.requestedAt.toISOString(),
        status: command.status,
      }
    ) as SsmEventBridgeEvent;
    this.publish(
      event,
      `command|${this.ordinalOf(command)}|${command.status}|${command.statusDetails}`
    );
  }

  private emitInvocation(command: CommandRecord, invocation: Invocation): void {
    const event = this.envelope(INVOCATION_DETAIL_TYPE, [this.arn(invocation.instanceId)], {
      'command-id': command.commandId,
      'document-name': command.documentName,
      'instance-id': invocation.instanceId,
      'requested-date-time': command.requestedAt.toISOString(),
      status: invocation.status,
    }) as SsmEventBridgeEvent;
    this.publish(
      event,
      `invocation|${this.ordinalOf(command)}|${invocation.instanceId}|${invocation.status}`
    );
  }

  private ordinalOf(command: CommandRecord): number {
    return this.ordinals.get(command.commandId) ?? -1;
  }

  /** Best effort, like EventBridge: a seeded share of events is lost, delivered twice or late. */
  private publish(event: SsmEventBridgeEvent, key: string): void {
    const faults = this.options.faults();
    const { eventDice } = this.options;
    if (eventDice.keyed(`drop|${key}`) < faults.dropEventRate) return;
    const copies = eventDice.keyed(`duplicate|${key}`) < faults.duplicateEventRate ? 2 : 1;
    const late = eventDice.keyed(`late|${key}`) < faults.lateEventRate ? faults.lateEventMs : 0;
    for (let copy = 0; copy < copies; copy++) {
      this.busy++;
      this.later(this.options.timing.eventDelayMs + late, () => {
        void this.deliver(event).finally(() => {
          this.busy = Math.max(0, this.busy - 1);
          this.settleIdle();
        });
      });
    }
  }

  private async deliver(event: SsmEventBridgeEvent): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(structuredClone(event));
        } catch (error) {
          this.options.onListenerError(error, event);
        }
      })
    );
  }

  private isIdle(): boolean {
    return this.closed || (this.openInvocations === 0 && this.busy === 0);
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
