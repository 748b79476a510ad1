/**
 * Starting a TURN client and waiting for its allocation, without writing the
 * actor plumbing each time.
 *
 * In the simulator (virtual time, seeded random, the world's trace):
 *
 *     const socket = world.host('alice').bindUdp();
 *     const client = startTurnClient({ flow: datagramFlow(socket, server), credentials,
 *       random: world.random.fork('alice:turn'), trace: world.trace, agent: 'alice' }, { clock: world.clock });
 *     const allocated = await whenAllocated(client);   // the world runs while the program waits
 *
 * (or `world.runFor(1_000)` first: a script that runs the world itself finds it settled).
 *
 * On real sockets, the same without `clock` (real timers) and `random` (crypto):
 *
 *     const client = startTurnClient({ flow: datagramFlow(await bindUdp(), server), credentials });
 *     const result = await whenAllocated(client);
 */
import { formatAddress } from '../../io/address.js';
import { startActor, waitOnClock, type ActorClockOptions } from '../../stun/actor.js';
import { turnClientMachine, type TurnClientActor } from './machine.js';
import type { TurnAllocation, TurnClientEnd, TurnClientInput } from './types.js';

/** The client's clock: the simulator's VirtualClock; real timers by default. */
export type TurnClientRunOptions = ActorClockOptions;

/** Creates and starts a TURN client actor; the Allocate goes at once. */
export function startTurnClient(input: TurnClientInput, options: TurnClientRunOptions = {}): TurnClientActor {
  return startActor(turnClientMachine, input, options);
}

/** What `whenAllocated` settles with: the allocation, or how the client ended without one. */
export type AllocationResult = { readonly ok: true; readonly allocation: TurnAllocation } | { readonly ok: false; readonly end: TurnClientEnd };

/**
 * Settles once the client has had an allocation, or has ended without one:
 * failures are values. On a simulated clock the world runs while the program
 * awaits it (src/stun/actor.ts); the one rejection is a `WorldIdleError`, if
 * the world has nothing left to run first (which a running client never lets happen).
 */
export function whenAllocated(actor: TurnClientActor): Promise<AllocationResult> {
  const input = actor.getSnapshot().context.input;
  const what = `whenAllocated (the TURN client${input.agent !== undefined ? ` of ${input.agent}` : ''} allocating on ${formatAddress(input.flow.remote)})`;
  return waitOnClock<AllocationResult>(actor.clock, what, (resolve) => {
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
    const subscription = actor.subscribe({ next: check, error: check, complete: check });
    return () => subscription.unsubscribe();
  });
}

/** The end of a client that has ended, else undefined. */
export function endOfClient(actor: TurnClientActor): TurnClientEnd | undefined {
  const snapshot = actor.getSnapshot();
  return snapshot.status === 'done' ? snapshot.output : undefined;
}
