/**
 * An actor on a clock (src/stun/actor.ts): started on the clock it is given,
 * and a promise that waits on it holds a virtual clock while pending, which
 * then runs while the program waits, and lets go once it settles.
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { VirtualClock, WorldIdleError } from '../../src/sim/index.js';
import { startActor, waitOnClock } from '../../src/stun/actor.js';

const waiter = createMachine({ id: 'waiter', initial: 'waiting', states: { waiting: { after: { 100: 'done' } }, done: { type: 'final' } } });

describe('startActor', () => {
  it('starts the actor on the clock it is given: its delays run on that clock', () => {
    const clock = new VirtualClock();
    const actor = startActor(waiter, undefined, { clock });
    expect(actor.getSnapshot().value).toBe('waiting');
    expect(clock.pending).toBe(1);
    clock.runFor(99);
    expect(actor.getSnapshot().status).toBe('active');
    clock.runFor(1);
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('throws the error of a machine that fails on its first state, and leaves nothing uncaught behind', async () => {
    const failing = createMachine({ initial: 'a', states: { a: { entry: () => { throw new RangeError('bad input'); } } } });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      expect(() => startActor(failing, undefined)).toThrow(RangeError);
      await new Promise((resolve) => setTimeout(resolve, 20)); // XState would rethrow on a timer
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('on real timers without one', async () => {
    const actor = startActor(createMachine({ initial: 'a', states: { a: { after: { 1: 'b' } }, b: { type: 'final' } } }), undefined);
    await new Promise<void>((resolve) => actor.subscribe({ complete: resolve }));
    expect(actor.getSnapshot().status).toBe('done');
  });
});

describe('waitOnClock', () => {
  const doneOf = (actor: ReturnType<typeof startActor<typeof waiter>>) => (resolve: (value: number) => void) => {
    const subscription = actor.subscribe({ complete: () => resolve(actor.getSnapshot().status === 'done' ? 1 : 0) });
    return () => subscription.unsubscribe();
  };

  it('holds a virtual clock while pending, so it settles though nobody runs the clock, and lets go at the event that settled it', async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 500);
    const actor = startActor(waiter, undefined, { clock });
    const settled = waitOnClock(clock, 'the waiter', doneOf(actor));
    expect(clock.held).toBe(1);
    expect(await settled).toBe(1);
    expect(clock.held).toBe(0);
    expect(clock.now()).toBe(100);
    expect(clock.pending).toBe(1);
  });

  it('settled at once, it holds nothing and cleans up', async () => {
    const clock = new VirtualClock();
    let cleaned = 0;
    const settled = waitOnClock<string>(clock, 'x', (resolve) => {
      resolve('now');
      return () => cleaned++;
    });
    expect(clock.held).toBe(0);
    expect(await settled).toBe('now');
    expect(cleaned).toBe(1);
  });

  it('rejects with what it waited for when the world has nothing left to run', async () => {
    const clock = new VirtualClock();
    const error = await waitOnClock(clock, 'the call of alice and bob', () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorldIdleError);
    expect((error as Error).message).toContain('the call of alice and bob waits on the simulated world');
  });

  it('holds nothing on a clock that cannot be held (real timers)', async () => {
    const actor = startActor(createMachine({ initial: 'a', states: { a: { after: { 1: 'b' } }, b: { type: 'final' } } }), undefined);
    expect(await waitOnClock(actor.clock, 'x', (resolve: (v: boolean) => void) => void actor.subscribe({ complete: () => resolve(true) }))).toBe(true);
  });
});

describe('bad settings are typed errors, not crashes (ARCHITECTURE.md, principle 6)', () => {
  it('runStunTransaction with a bad timing rejects with StunTimingError', async () => {
    const { runStunTransaction, bindingRequest } = await import('../../src/stun/client.js');
    const { StunTimingError } = await import('../../src/stun/rto.js');
    const { createWorld } = await import('../../src/sim/world.js');
    const { datagramFlow } = await import('../../src/stun/flow.js');
    const world = createWorld({ hosts: [{ id: 'a', address: '203.0.113.1' }] });
    const flow = datagramFlow(world.host('a').bindUdp({}), { address: '203.0.113.9', port: 3478 });
    await expect(
      runStunTransaction({ flow, request: bindingRequest(), random: world.random, timing: { rtoMs: -1 } } as never, { clock: world.clock }),
    ).rejects.toBeInstanceOf(StunTimingError);
  });

  it('startSimTurnServer with a bad config throws TurnConfigError', async () => {
    const { startSimTurnServer } = await import('../../src/turn/server/sim.js');
    const { TurnConfigError } = await import('../../src/turn/server/config.js');
    const { createWorld } = await import('../../src/sim/world.js');
    const world = createWorld({ hosts: [{ id: 'turn', address: '203.0.113.2' }] });
    expect(() => startSimTurnServer(world, 'turn', { config: { realm: '', users: {} } })).toThrow(TurnConfigError);
  });
});
