/**
 * Time for the local runtime. Everything that reports a time or waits for one (the fleet, the
 * local SSM, the functions' clock) uses one `Scheduler`, so the order of events is the same at
 * every `--time-scale`.
 */
export interface Scheduler {
  /** Milliseconds since the epoch on this clock. */
  now(): number;
  /** Runs `action` once `ms` of this clock's time have passed; returns a cancel function. */
  after(ms: number, action: () => void): () => void;
}

/** Wall-clock time and Node's timers. */
export const REAL_TIME: Scheduler = {
  now: () => Date.now(),
  after(ms, action) {
    const timer = setTimeout(action, ms);
    return () => clearTimeout(timer);
  },
};

interface Timer {
  due: number;
  seq: number;
  action: () => void;
  cancelled: boolean;
}

/**
 * Simulated time running `rate` times as fast as real time (`rate` simulated ms per real ms), at
 * millisecond resolution, never the same instant twice: every `now()` is later than the one
 * before, so times recorded one after the other are distinct and in the order they happened.
 *
 * Events keep their order at every speed, because the clock never runs past a timer that has not
 * fired: at a high rate many timers fall due within one real millisecond, and the event loop may
 * be late by several; the clock waits at the first one due until it has run (the real time it
 * waited is not made up). While work is `hold`ing it (a function handling an event), the clock
 * runs at real time, as it does in the cloud: a function's own latency costs no more simulated
 * time than it takes, whatever the `rate` (at 600 simulated minutes a second, 10 ms of a function
 * would otherwise be six simulated minutes), and SSM and the hosts go on meanwhile, as they do in
 * the cloud (a clock that stood still would wait for ever on a function that waits for SSM, or
 * on functions that never all finish at once).
 *
 * With `rate` 0 the clock stands still between calls; `advanceTo` moves it (tests).
 */
export class SimClock implements Scheduler {
  /** Simulated time at `syncedAt` (real, performance.now()). */
  private virtual: number;
  private syncedAt = performance.now();
  private last = Number.NEGATIVE_INFINITY;
  private holds = 0;
  private readonly queue: Timer[] = [];
  private seq = 0;
  /** Cancels the pending wake-up, if one is armed. */
  private armed: (() => void) | null = null;
  private closed = false;

  constructor(
    start: Date,
    readonly rate: number
  ) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`bad clock rate ${rate}`);
    this.virtual = start.getTime();
  }

  now(): number {
    this.last = Math.max(Math.floor(this.projected()), this.last + 1);
    return this.last;
  }

  /** Moves the clock forward to `ms` (never back); timers due before it fire next. */
  advanceTo(ms: number): void {
    this.sync();
    if (ms > this.virtual) this.virtual = ms;
    this.last = Math.max(this.last, ms - 1);
    this.arm();
  }

  /** Slows the clock to real time until the returned function is called (every hold released). */
  hold(): () => void {
    this.sync();
    this.holds++;
    this.arm();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.sync();
      this.holds--;
      this.arm();
    };
  }

  after(ms: number, action: () => void): () => void {
    if (this.closed) return () => undefined;
    const timer: Timer = {
      due: Math.max(this.projected(), this.last) + Math.max(0, ms),
      seq: this.seq++,
      action,
      cancelled: false,
    };
    push(this.queue, timer);
    this.arm();
    return () => {
      timer.cancelled = true;
    };
  }

  /** Every `ms` of simulated time, until the returned function is called. */
  every(ms: number, action: () => void): () => void {
    let cancel: () => void = () => undefined;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      cancel = this.after(ms, tick);
      action();
    };
    cancel = this.after(ms, tick);
    return () => {
      stopped = true;
      cancel();
    };
  }

  close(): void {
    this.closed = true;
    this.armed?.();
    this.armed = null;
    this.queue.length = 0;
  }

  /** Simulated ms per real ms now: real time while held, never faster than `rate`. */
  private pace(): number {
    return this.holds > 0 ? Math.min(this.rate, 1) : this.rate;
  }

  /** Where the clock is: running with real time, but never past the first timer not yet run. */
  private projected(): number {
    const pace = this.pace();
    if (pace === 0) return this.virtual;
    const running = this.virtual + (performance.now() - this.syncedAt) * pace;
    const first = this.firstDue();
    return first === undefined ? running : Math.min(running, Math.max(first, this.virtual));
  }

  private sync(): void {
    this.virtual = this.projected();
    this.syncedAt = performance.now();
  }

  private firstDue(): number | undefined {
    while (this.queue[0]?.cancelled) pop(this.queue);
    return this.queue[0]?.due;
  }

  private arm(): void {
    this.armed?.();
    this.armed = null;
    const first = this.firstDue();
    if (first === undefined || this.closed) return;
    const pace = this.pace();
    if (first > this.virtual && pace === 0) return;
    const delay = Math.max(0, (first - this.projected()) / (pace || 1));
    // Node waits at least 1 ms for any setTimeout: at a high rate, where thousands of timers fall
    // due within one real millisecond, that alone would cost seconds of idle waiting. A timer due
    // within a millisecond runs after the I/O and promises now pending instead.
    if (delay < 1) {
      const immediate = setImmediate(() => this.fire());
      this.armed = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.fire(), delay);
      this.armed = () => clearTimeout(timer);
    }
  }

  private fire(): void {
    this.armed = null;
    this.sync();
    // Only what is due now: a timer set by one of these actions waits for the next round, after
    // the promises the action started have had their turn.
    const horizon = this.virtual;
    while (!this.closed) {
      const first = this.firstDue();
      if (first === undefined || first > horizon) break;
      pop(this.queue).action();
    }
    this.sync();
    this.arm();
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function push(heap: Timer[], timer: Timer): void {
  heap.push(timer);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i] as Timer, heap[parent] as Timer)) break;
    [heap[i], heap[parent]] = [heap[parent] as Timer, heap[i] as Timer];
    i = parent;
  }
}

function pop(heap: Timer[]): Timer {
  const top = heap[0] as Timer;
  const last = heap.pop() as Timer;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Timer, heap[smallest] as Timer))
        smallest = left;
      if (right < heap.length && before(heap[right] as Timer, heap[smallest] as Timer))
        smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as Timer, heap[i] as Timer];
      i = smallest;
    }
  }
  return top;
}
