/**
 * The virtual clock and its event queue.
 *
 * Every timer in a simulated world (link delays, retransmissions, NAT mapping
 * expiry, later the XState actors' delays) is an entry in one queue ordered by
 * (due time, insertion order). Draining the queue advances `now()` straight to
 * the next due time, so minutes of protocol time pass in microseconds of wall
 * time, and two events due at the same instant always run in the order they were
 * scheduled: that tie-break is what makes a run reproducible.
 *
 * The `setTimeout` / `clearTimeout` pair has the shape of XState v5's `Clock`,
 * so `createActor(machine, { clock })` runs an actor on virtual time. (This
 * file does not import XState: layer 1 knows nothing of it; the shape is enough.)
 */

export type TimerHandle = number;

interface QueueEntry {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export interface RunOptions {
  /** Stop once the next event would be due after this virtual time (ms). */
  readonly until?: number;
  /** Refuse to run more than this many events (a world that never goes idle must still stop). */
  readonly maxEvents?: number;
}

export interface RunResult {
  readonly events: number;
  readonly now: number;
  /** Why the run stopped. */
  readonly stoppedBy: 'idle' | 'until' | 'max-events';
}

/** Thrown when a callback given to the clock is not a function, or a delay is not a finite number. */
export class ClockError extends Error {
  override readonly name = 'ClockError';
}

export class VirtualClock {
  private current = 0;
  private nextSeq = 0;
  private readonly heap: QueueEntry[] = [];
  private readonly live = new Map<TimerHandle, QueueEntry>();
  private running = false;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  /** Virtual milliseconds since the world began. */
  now(): number {
    return this.current;
  }

  /** Number of scheduled, not yet run, not cancelled events. */
  get pending(): number {
    return this.live.size;
  }

  /** Runs `callback` after `delayMs` of virtual time (negative or NaN delays count as 0, as in HTML timers). */
  setTimeout(callback: (...args: unknown[]) => void, delayMs?: number): TimerHandle {
    if (typeof callback !== 'function') throw new ClockError('setTimeout needs a function');
    const delay = typeof delayMs === 'number' && delayMs > 0 ? delayMs : 0;
    if (!Number.isFinite(delay)) throw new ClockError(`setTimeout delay must be finite, got ${delayMs}`);
    return this.scheduleAt(this.current + delay, callback);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const entry = this.live.get(handle);
    if (!entry) return;
    entry.cancelled = true;
    this.live.delete(handle);
  }

  /** Schedules at an absolute virtual time; a time in the past runs at `now()`. */
  scheduleAt(due: number, callback: () => void): TimerHandle {
    // A NaN or infinite due time would become `now()` when it runs and poison every later time.
    if (typeof due !== 'number' || !Number.isFinite(due)) throw new ClockError(`scheduleAt needs a finite time, got ${due}`);
    if (typeof callback !== 'function') throw new ClockError('scheduleAt needs a function');
    const seq = this.nextSeq++;
    const entry: QueueEntry = { due: Math.max(due, this.current), seq, callback, cancelled: false };
    this.live.set(seq, entry);
    this.push(entry);
    return seq;
  }

  /** Due time of the next live event, or undefined when idle. */
  peek(): number | undefined {
    this.dropCancelledHead();
    return this.heap[0]?.due;
  }

  /** Runs the next event, if any; returns false when the queue is empty. */
  step(): boolean {
    this.dropCancelledHead();
    const entry = this.pop();
    if (!entry) return false;
    this.live.delete(entry.seq);
    this.current = entry.due;
    entry.callback();
    return true;
  }

  /**
   * Drains events in time order until the queue is empty, the next event is
   * due after `until`, or `maxEvents` have run. With `until`, the clock ends
   * exactly at `until` even if nothing was due then, so `runFor(60_000)` always
   * advances a minute.
   */
  run(options: RunOptions = {}): RunResult {
    if (this.running) throw new ClockError('run() called from inside a running event (re-entrant run)');
    const until = options.until ?? Number.POSITIVE_INFINITY;
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
    let events = 0;
    this.running = true;
    try {
      for (;;) {
        const next = this.peek();
        if (next === undefined) {
          if (Number.isFinite(until)) this.current = Math.max(this.current, until);
          return { events, now: this.current, stoppedBy: Number.isFinite(until) ? 'until' : 'idle' };
        }
        if (next > until) {
          this.current = Math.max(this.current, until);
          return { events, now: this.current, stoppedBy: 'until' };
        }
        if (events >= maxEvents) return { events, now: this.current, stoppedBy: 'max-events' };
        this.step();
        events++;
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs for `durationMs` of virtual time from now. */
  runFor(durationMs: number, options: Omit<RunOptions, 'until'> = {}): RunResult {
    return this.run({ ...options, until: this.current + durationMs });
  }

  // A binary min-heap on (due, seq): O(log n) per timer, no allocation per pop.
  private push(entry: QueueEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (before(p, entry)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): QueueEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (before(last, heap[child]!)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  private dropCancelledHead(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }
}

function before(a: QueueEntry, b: QueueEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
