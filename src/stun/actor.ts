/**
 * An actor on a clock: how every machine of the protocol layers is started,
 * and how a promise that waits on one lets a virtual clock run.
 *
 * Time is injected (ARCHITECTURE.md, principle 1): an actor's delays run on
 * the clock it is created with, the simulator's `VirtualClock` or, when none
 * is given, XState's real timers. This is the lowest layer that knows XState,
 * so the helper lives here and the layers above (TURN, ICE) use it.
 *
 * A virtual clock moves only when it is run. A promise that can settle only
 * as the actor's time passes (an allocation, a transaction's outcome, a
 * call) therefore holds the clock while it is pending (`waitOnClock`): a held
 * virtual clock runs itself whenever the program waits, and tells the
 * promise when it has nothing left to run, so awaiting one before
 * `world.run()` settles it, or fails with an error that says why, instead of
 * leaving Node to exit with code 13 and no word. On real timers there is
 * nothing to hold.
 */
import { createActor, type Actor, type ActorOptions, type AnyActorLogic, type InputFrom } from 'xstate';
import type { Clock } from '../io/clock.js';

/** What the actor runs on: its clock. */
export interface ActorClockOptions {
  /** The actor's clock: the simulator's `VirtualClock`; real timers by default. */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * Creates an actor of `logic` with `input` on the given clock (real timers without one), and starts it.
 *
 * @throws the machine's own typed error (e.g. `StunTimingError`, `TurnConfigError`) when its first state fails.
 */
export function startActor<TLogic extends AnyActorLogic>(logic: TLogic, input: InputFrom<TLogic>, options: ActorClockOptions = {}): Actor<TLogic> {
  const actorOptions = { input, ...(options.clock !== undefined ? { clock: options.clock } : {}) } as ActorOptions<TLogic>;
  const actor = createActor(logic, actorOptions as never) as Actor<TLogic>;
  // A machine that fails on its first state (bad timing, a bad server config) would have XState
  // rethrow the error as uncaught a moment later, killing the process. Bad input gets a typed
  // error instead (ARCHITECTURE.md, principle 6): observe errors while starting, then throw the
  // first state's error to the caller. Errors later in the actor's life are the app's to observe.
  const starting = actor.subscribe({ error: () => undefined });
  actor.start();
  starting.unsubscribe();
  const snapshot = actor.getSnapshot() as { status: string; error?: unknown };
  if (snapshot.status === 'error') throw snapshot.error;
  return actor;
}

/**
 * A clock that moves only when it is run, and can be held while a promise
 * waits on it (the simulator's `VirtualClock.hold`). Named here, by the layer
 * that uses it, as a shape: the simulator is handed in, never imported.
 */
export interface HoldableClock {
  hold(what: string, idle: (error: Error) => void): () => void;
}

function holdable(clock: unknown): clock is HoldableClock {
  return typeof clock === 'object' && clock !== null && typeof (clock as { hold?: unknown }).hold === 'function';
}

/**
 * A promise that settles as `executor` says, holding `clock` while pending
 * if it is a virtual one (see above): `what` names what it waits for, in the
 * error a world with nothing left to run rejects it with. The executor's
 * cleanup (its return) runs once the promise has settled, either way.
 */
export function waitOnClock<T>(clock: unknown, what: string, executor: (resolve: (value: T) => void, reject: (error: Error) => void) => (() => void) | void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let cleanup: (() => void) | void;
    let release: (() => void) | undefined;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      // The hold ends synchronously, inside the event that settled us: a held clock stops right there.
      release?.();
      cleanup?.();
      finish();
    };
    cleanup = executor(
      (value) => settle(() => resolve(value)),
      (error) => settle(() => reject(error)),
    );
    if (settled) {
      cleanup?.();
      return;
    }
    if (holdable(clock)) release = clock.hold(what, (error) => settle(() => reject(error)));
  });
}
