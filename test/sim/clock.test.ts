import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createActor, createMachine } from 'xstate';
import { ClockError, VirtualClock } from '../../src/sim/index.js';
import { build, prop, runs } from './support.js';

/**
 * A random program for the clock: timers scheduled up front, some of which
 * schedule children when they run, some cancelled before they are due.
 */
const timerArb = fc.record({
  delay: fc.integer({ min: 0, max: 50 }),
  children: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3 }),
  cancel: fc.boolean(),
});

describe('VirtualClock', () => {
  prop([fc.array(timerArb, { minLength: 1, maxLength: 40 })], runs(200))(
    'runs events in time order, ties in scheduling order, never a cancelled one, each at its due time',
    (timers) => {
      const clock = new VirtualClock();
      // Each scheduled timer gets a global creation index; the model says it must run in (due, index) order.
      let created = 0;
      const ran: Array<{ due: number; index: number; now: number }> = [];
      const cancelled = new Set<number>();
      const schedule = (delay: number, children: readonly number[]): { handle: number; index: number } => {
        const index = created++;
        const due = clock.now() + delay;
        const handle = clock.setTimeout(() => {
          ran.push({ due, index, now: clock.now() });
          for (const child of children) schedule(child, []);
        }, delay);
        return { handle, index };
      };
      const handles = timers.map((t) => ({ ...schedule(t.delay, t.children), cancel: t.cancel }));
      for (const h of handles) {
        if (h.cancel) {
          clock.clearTimeout(h.handle);
          cancelled.add(h.index);
        }
      }
      const result = clock.run();
      expect(result.stoppedBy).toBe('idle');
      expect(clock.pending).toBe(0);
      for (const r of ran) {
        expect(cancelled.has(r.index)).toBe(false);
        expect(r.now).toBe(r.due);
      }
      for (let i = 1; i < ran.length; i++) {
        const a = ran[i - 1]!;
        const b = ran[i]!;
        expect(a.due < b.due || (a.due === b.due && a.index < b.index)).toBe(true);
      }
      const expectedTop = timers.filter((t) => !t.cancel).length;
      const expectedChildren = timers.filter((t) => !t.cancel).reduce((n, t) => n + t.children.length, 0);
      expect(ran.length).toBe(expectedTop + expectedChildren);
      expect(result.events).toBe(ran.length);
    },
  );

  prop([fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 1200 })], runs(200))(
    'run({ until }) runs exactly the events due by then and ends at until',
    (delays, until) => {
      const clock = new VirtualClock();
      const ran: number[] = [];
      for (const d of delays) clock.setTimeout(() => ran.push(d), d);
      const result = clock.run({ until });
      expect(result).toMatchObject({ stoppedBy: 'until', now: until });
      expect(clock.now()).toBe(until);
      expect(ran.length).toBe(delays.filter((d) => d <= until).length);
      expect(clock.pending).toBe(delays.filter((d) => d > until).length);
    },
  );

  test('clearTimeout cancels; clearing twice, an unknown or an undefined handle is harmless', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    const a = clock.setTimeout(() => ran.push('a'), 10);
    clock.setTimeout(() => ran.push('b'), 10);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    clock.clearTimeout(12345);
    clock.clearTimeout(undefined);
    expect(clock.pending).toBe(1);
    clock.run();
    expect(ran).toEqual(['b']);
    // A timer can cancel another one due at the same instant.
    const c = new VirtualClock();
    const seen: string[] = [];
    let second = 0;
    c.setTimeout(() => {
      seen.push('first');
      c.clearTimeout(second);
    }, 5);
    second = c.setTimeout(() => seen.push('second'), 5);
    c.run();
    expect(seen).toEqual(['first']);
  });

  test('a never-idle world is bounded by until and by maxEvents', () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    expect(clock.run({ until: 1_000 })).toEqual({ events: 10, now: 1_000, stoppedBy: 'until' });
    expect(ticks).toBe(10);
    expect(clock.run({ maxEvents: 25 })).toEqual({ events: 25, now: 3_500, stoppedBy: 'max-events' });
    expect(clock.runFor(250)).toEqual({ events: 2, now: 3_750, stoppedBy: 'until' });
    // A timer due exactly at `until` runs.
    expect(clock.run({ until: 3_800 })).toEqual({ events: 1, now: 3_800, stoppedBy: 'until' });
  });

  test('run({ until }) advances time even when nothing is due, and never goes back', () => {
    const clock = new VirtualClock();
    expect(clock.run({ until: 500 })).toEqual({ events: 0, now: 500, stoppedBy: 'until' });
    expect(clock.run({ until: 100 }).now).toBe(500);
    expect(clock.run()).toEqual({ events: 0, now: 500, stoppedBy: 'idle' });
  });

  test('delays: negative and NaN count as 0 (as HTML timers do), infinite ones and non-functions are refused', () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    clock.setTimeout(() => at.push(clock.now()), -5);
    clock.setTimeout(() => at.push(clock.now()), Number.NaN);
    clock.setTimeout(() => at.push(clock.now()));
    clock.run();
    expect(at).toEqual([0, 0, 0]);
    expect(() => clock.setTimeout(() => {}, Number.POSITIVE_INFINITY)).toThrow(ClockError);
    expect(() => clock.setTimeout('nope' as unknown as () => void, 1)).toThrow(ClockError);
  });

  test('scheduleAt refuses a NaN or infinite time (which would poison the clock)', () => {
    const clock = new VirtualClock();
    expect(() => clock.scheduleAt(Number.NaN, () => {})).toThrow(ClockError);
    expect(() => clock.scheduleAt(Number.POSITIVE_INFINITY, () => {})).toThrow(ClockError);
    expect(() => clock.scheduleAt(5, 'x' as unknown as () => void)).toThrow(ClockError);
    expect(clock.pending).toBe(0);
    clock.setTimeout(() => {}, 10);
    expect(clock.run()).toEqual({ events: 1, now: 10, stoppedBy: 'idle' });
  });

  test('scheduleAt in the past runs now; run() inside an event is refused', () => {
    const clock = new VirtualClock(1_000);
    let when = -1;
    clock.scheduleAt(10, () => (when = clock.now()));
    let error: unknown;
    clock.setTimeout(() => {
      try {
        clock.run();
      } catch (e) {
        error = e;
      }
    }, 1);
    clock.run();
    expect(when).toBe(1_000);
    expect(error).toBeInstanceOf(ClockError);
  });

  test('peek and step', () => {
    const clock = new VirtualClock();
    expect(clock.peek()).toBeUndefined();
    expect(clock.step()).toBe(false);
    const h = clock.setTimeout(() => {}, 3);
    clock.setTimeout(() => {}, 7);
    clock.clearTimeout(h);
    expect(clock.peek()).toBe(7);
    expect(clock.step()).toBe(true);
    expect(clock.now()).toBe(7);
  });
});

describe('the clock as an XState v5 clock', () => {
  const machine = createMachine({
    id: 'timer',
    initial: 'waiting',
    states: {
      waiting: { after: { 1_000: 'done' }, on: { CANCEL: 'cancelled' } },
      done: { type: 'final' },
      cancelled: {},
    },
  });

  test('a delayed transition fires only when virtual time advances, at exactly its delay', async () => {
    const world = build({ hosts: [{ id: 'a' }] });
    const actor = createActor(machine, { clock: world.clock }).start();
    expect(world.clock.pending).toBe(1);
    // Real time passing changes nothing.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(actor.getSnapshot().value).toBe('waiting');
    world.runFor(999);
    expect(actor.getSnapshot().value).toBe('waiting');
    world.runFor(1);
    expect(actor.getSnapshot().value).toBe('done');
    expect(world.clock.now()).toBe(1_000);
  });

  test('leaving the state cancels the delayed event through clearTimeout', () => {
    const world = build({ hosts: [{ id: 'a' }] });
    const actor = createActor(machine, { clock: world.clock }).start();
    world.runFor(500);
    actor.send({ type: 'CANCEL' });
    expect(world.clock.pending).toBe(0);
    world.runFor(10_000);
    expect(actor.getSnapshot().value).toBe('cancelled');
  });

  prop([fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 8 })], runs(50))(
    'many actors with random delays finish in delay order on virtual time',
    (delays) => {
      const world = build({ hosts: [{ id: 'a' }] });
      const finished: Array<{ i: number; t: number }> = [];
      delays.forEach((delay, i) => {
        const m = createMachine({ initial: 'wait', states: { wait: { after: { [delay]: 'end' } }, end: { type: 'final' } } });
        const actor = createActor(m, { clock: world.clock });
        actor.subscribe({ complete: () => finished.push({ i, t: world.clock.now() }) });
        actor.start();
      });
      world.run();
      expect(finished.map((f) => f.t)).toEqual([...delays].sort((a, b) => a - b));
      for (const f of finished) expect(f.t).toBe(delays[f.i]);
      // Ties finish in the order the actors were started.
      for (let k = 1; k < finished.length; k++) {
        if (finished[k]!.t === finished[k - 1]!.t) expect(finished[k]!.i).toBeGreaterThan(finished[k - 1]!.i);
      }
    },
  );
});
