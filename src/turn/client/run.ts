/**
 * Starting a TURN client and waiting for its allocation, without writing the
 * actor plumbing each time.
 *
 * In the simulator (virtual time, seeded random, the world's trace):
 *
 *     const socket = world.host('alice').bindUdp();
 *     const client = startTurnClient({ flow: datagramFlow(socket, server), credentials,
 *       random: world.random.fork('alice:turn'), trace: world.trace, agent: 'alice' }, { clock: world.clock });
 *     const allocated = whenAllocated(client);   // settles once the world has run far enough
 *     world.runFor(1_000);
 *
 * On real sockets, the same without `clock` (real timers) and `random` (crypto):
 *
 *     const client = startTurnClient({ flow: datagramFlow(await bindUdp(), server), credentials });
 *     const result = await whenAllocated(client);
 */
import { createActor } from 'xstate';
import type { Clock } from '../../io/clock.js';
import { turnClientMachine, type TurnClientActor } from './machine.js';
import type { TurnAllocation, TurnClientEnd, TurnClientInput } from './types.js';

export interface TurnClientRunOptions {
  /** The actor's clock: the simulator's VirtualClock; real timers by default. */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/** Creates and starts a TURN client actor; the Allocate goes at once. */
export function startTurnClient(input: TurnClientInput, options: TurnClientRunOptions = {}): TurnClientActor {
  const actor = createActor(turnClientMachine, { input, ...(options.clock !== undefined ? { clock: options.clock } : {}) });
  actor.start();
  return actor;
}

export type AllocationResult = { readonly ok: true; readonly allocation: TurnAllocation } | { readonly ok: false; readonly end: TurnClientEnd };

/** Settles once the client has had an allocation, or has ended without one. Never rejects: failures are values. */
export function whenAllocated(actor: TurnClientActor): Promise<AllocationResult> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const snapshot = actor.getSnapshot();
      const allocation = snapshot.context.allocation;
      if (allocation !== undefined) resolve({ ok: true, allocation });
      else if (snapshot.status === 'done') resolve({ ok: false, end: snapshot.output ?? { kind: 'transport-closed', reason: 'stopped' } });
      else if (snapshot.status !== 'active') resolve({ ok: false, end: { kind: 'transport-closed', reason: `the actor is ${snapshot.status}` } });
      else return false;
      return true;
    };
    if (check()) return;
    const subscription = actor.subscribe({
      next: () => {
        if (check()) subscription.unsubscribe();
      },
      error: () => check(),
      complete: () => check(),
    });
  });
}

/** The end of a client that has ended, else undefined. */
export function endOfClient(actor: TurnClientActor): TurnClientEnd | undefined {
  const snapshot = actor.getSnapshot();
  return snapshot.status === 'done' ? snapshot.output : undefined;
}
