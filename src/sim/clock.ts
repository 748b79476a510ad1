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
 *
 * Virtual time moves only when something runs the clock: a script (`run`,
 * `runFor`, `step`), or a promise that waits on it. A promise that can settle
 * only as virtual time passes (a TURN allocation, a STUN transaction's
 * outcome) `hold`s the clock while it is pending, and a held clock runs
 * itself whenever the program waits (ARCHITECTURE.md, principle 1): so
 * `await whenAllocated(client)` works before, or instead of, `world.run()`.
 * A held clock with nothing left to run tells the holder so, as a
 * `WorldIdleError`, rather than leaving the program waiting forever (Node
 * would exit with code 13 and no word of why).
 */

/** What the virtual clock's `setTimeout` returns, to give back to `clearTimeout`: an id, as in a browser. */
export type TimerHandle = number;

interface QueueEntry {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Where a run of the clock stops (by default: when nothing is left to run). */
export interface RunOptions {
  /** Stop once the next event would be due after this virtual time (ms). */
  readonly until?: number;
  /** Refuse to run more than this many events (a world that never goes idle must still stop). */
  readonly maxEvents?: number;
}

/** What a run of the clock did: how many events, where time stands, and why it stopped. */
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

/** Given to a hold whose promise waits on a world that has nothing left to run: it can never settle. */
export class WorldIdleError extends Error {
  override readonly name = 'WorldIdleError';
}

/** Ends a hold (see {@link VirtualClock.hold}); calling it again does nothing. */
export type ReleaseHold = () => void;

interface Hold {
  readonly what: string;
  readonly idle: (error: WorldIdleError) => void;
}

/**
 * How many events a held clock runs before it lets the program's other work
 * in (a world with timers that never stop, keepalives or refreshes, would
 * otherwise keep the process busy until the promise settles). A count, not a
 * time: where the program gets a turn must not depend on the machine's speed,
 * or the same seed would not give the same trace.
 */
const EVENTS_PER_TURN = 10_000;

/** A turn of the program's event loop: `setImmediate` where there is one (Node), else a 0 ms timer. */
const nextTurn: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (callback) => void globalThis.setImmediate(callback) : (callback) => void globalThis.setTimeout(callback, 0);

/**
 * Virtual time: one queue of timers, run in (due time, scheduling order).
 * XState's clock shape, so actors run on it; `now()` for the rules.
 */
export class VirtualClock {
  private current = 0;
  private nextSeq = 0;
  private readonly heap: QueueEntry[] = [];
  private readonly live = new Map<TimerHandle, QueueEntry>();
  private running = false;
  private readonly holds = new Set<Hold>();
  /** Bumped whenever a hold ends: a held run stops at the event that settled a promise. */
  private releases = 0;
  private turnPending = false;

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

  /**
   * Holds the clock for a promise that can settle only as virtual time
   * passes (`what` names it, for the error). While any hold is on, the clock
   * runs itself whenever the program waits: on the next turn of the event
   * loop it runs events until a hold ends (the program's `await` then goes on
   * with the world stopped at the very event that settled its promise) and
   * goes on while holds remain. If the queue empties first, nothing can
   * settle the promises: each remaining hold's `idle` gets a `WorldIdleError`
   * that says so, and ends.
   *
   * Deterministic: which events run, and between which events the program
   * gets its turn, depend on the program and the seed, never on wall time.
   * A script that runs the clock itself (`run`, `runFor`, `step`) settles
   * such promises before the held turn comes, and the turn then does nothing.
   */
  hold(what: string, idle: (error: WorldIdleError) => void): ReleaseHold {
    if (typeof idle !== 'function') throw new ClockError('hold needs a function to call when the world goes idle');
    const hold: Hold = { what: String(what), idle };
    this.holds.add(hold);
    this.takeTurnSoon();
    return () => {
      if (this.holds.delete(hold)) this.releases++;
    };
  }

  /** Promises holding the clock (see `hold`). */
  get held(): number {
    return this.holds.size;
  }

  private takeTurnSoon(): void {
    if (this.turnPending || this.holds.size === 0) return;
    this.turnPending = true;
    nextTurn(() => {
      this.turnPending = false;
      this.takeTurn();
    });
  }

  /** The program is waiting: run until a hold ends, the queue empties, or the program's turn comes again. */
  private takeTurn(): void {
    if (this.holds.size === 0) return;
    const releases = this.releases;
    let events = 0;
    // As in `run`: an event that calls `run()` is a re-entrant run, refused.
    this.running = true;
    try {
      while (this.releases === releases && events < EVENTS_PER_TURN) {
        if (!this.step()) break;
        events++;
      }
    } finally {
      this.running = false;
    }
    if (this.releases === releases && events < EVENTS_PER_TURN) this.idle();
    this.takeTurnSoon();
  }

  private idle(): void {
    const holds = [...this.holds];
    this.holds.clear();
    this.releases++;
    for (const hold of holds) {
      hold.idle(
        new WorldIdleError(
          `${hold.what} waits on the simulated world, but at ${this.current} ms (virtual) it has nothing left to run, so it can never settle: ` +
            'what it waits for was never started, or has been stopped. Start it, or schedule what it needs, before awaiting it; ' +
            'a script may also run the world itself (world.run() or world.runFor(ms)) and then read the result.',
        ),
      );
    }
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
