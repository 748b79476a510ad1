/**
 * A held clock runs itself whenever the program waits (ARCHITECTURE.md,
 * principle 1), stops at the very event that ended a hold, and tells a
 * holder when it has nothing left to run; an unheld clock never moves by
 * itself, and a script that runs the clock first leaves the held turn
 * nothing to do.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClockError, VirtualClock, WorldIdleError } from '../../src/sim/index.js';
import { runs } from './support.js';

/** A promise that settles when the clock runs the event at `atMs`, holding the clock meanwhile. */
function heldUntil(clock: VirtualClock, atMs: number, what = `the event at ${atMs} ms`): Promise<number> {
  return new Promise((resolve, reject) => {
    const release = clock.hold(what, reject);
    clock.scheduleAt(atMs, () => {
      release();
      resolve(clock.now());
    });
  });
}

/** Lets the event loop turn (the held clock takes its turns meanwhile). */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('VirtualClock.hold', () => {
  it('runs the clock while the program awaits, and stops at the event that settled the promise', async () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    for (const t of [10, 20, 30, 40]) clock.setTimeout(() => ran.push(t), t);
    const settledAt = await heldUntil(clock, 25);
    expect(settledAt).toBe(25);
    expect(clock.now()).toBe(25);
    expect(ran).toEqual([10, 20]);
    expect(clock.pending).toBe(2);
    expect(clock.held).toBe(0);
    // Nothing holds it now: it stays where it is however long the program waits.
    await turns(3);
    expect(clock.now()).toBe(25);
  });

  it('never moves by itself when nothing holds it', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 5);
    await turns(3);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(1);
  });

  it('tells a holder that waits on a world with nothing left to run, naming what it waits for', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 7);
    const waiting = new Promise((_, reject) => clock.hold('whenAllocated (the TURN client of alice)', reject));
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorldIdleError);
    expect((error as Error).message).toMatch(/^whenAllocated \(the TURN client of alice\) waits on the simulated world, but at 7 ms \(virtual\) it has nothing left to run/);
    expect((error as Error).message).toContain('world.run()');
    expect(clock.held).toBe(0);
  });

  it('leaves the turn nothing to do when a script ran the clock first', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 100);
    const settled = heldUntil(clock, 50);
    clock.run({ until: 60 });
    expect(clock.held).toBe(0);
    expect(await settled).toBe(50);
    await turns(2);
    expect(clock.now()).toBe(60);
    expect(clock.pending).toBe(1);
  });

  it('goes on across turns in a world whose timers never stop, letting the program in between', async () => {
    const clock = new VirtualClock();
    // A keepalive every ms, for ever: 30,000 events before the promise settles, more than one turn's worth.
    const tick = () => clock.setTimeout(tick, 1);
    tick();
    let programRan = 0;
    const program = (async () => {
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (clock.held === 0) return;
        programRan++;
      }
    })();
    expect(await heldUntil(clock, 30_000)).toBe(30_000);
    await program;
    expect(programRan).toBeGreaterThan(0);
  });

  it('refuses a hold without an idle callback', () => {
    expect(() => new VirtualClock().hold('x', undefined as never)).toThrow(ClockError);
  });

  it('awaiting runs exactly the events a script stepping the clock would, in the same order (the same seed, the same trace)', async () => {
    const program = async (timers: readonly number[], waits: readonly number[], awaiting: boolean) => {
      const clock = new VirtualClock();
      const log: string[] = [];
      timers.forEach((t, i) => clock.setTimeout(() => log.push(`timer ${i} at ${clock.now()}`), t));
      for (const at of waits) {
        const settled = heldUntil(clock, Math.max(at, clock.now()));
        // The script: step until the event that settles the promise, as test/*/support.ts's runUntil does.
        if (!awaiting) while (clock.held > 0) clock.step();
        log.push(`settled at ${await settled}`);
      }
      return log;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 5 }), async (timers, waits) => {
        expect(await program(timers, waits, true)).toEqual(await program(timers, waits, false));
      }),
      runs(30),
    );
  });
});
