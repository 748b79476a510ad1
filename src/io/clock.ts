/**
 * Time as the machines are given it (ARCHITECTURE.md, principle 1): XState
 * v5's `Clock` shape (`setTimeout` / `clearTimeout`, which it does not export
 * as a type) plus `now()` in milliseconds. Handed to
 * `createActor(machine, { clock })` and read by the rules through `now()`.
 * The simulator's `VirtualClock` satisfies it structurally; {@link realClock}
 * is the real world's.
 *
 * Nothing here is node-only: timers and `performance.now()` exist in every runtime.
 */

/** A clock: timers and the current time in milliseconds. */
export interface Clock {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** The real world's clock: the global timers and a monotonic `now()`. */
export const realClock: Clock = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => performance.now(),
};
