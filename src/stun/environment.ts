/**
 * What a STUN machine is given from outside (ARCHITECTURE.md, principles 1, 2
 * and 4: time, randomness and the trace are injected).
 *
 * - Time: an XState `Clock` (`setTimeout` / `clearTimeout`) handed to
 *   `createActor(machine, { clock })`. The simulated world's `VirtualClock` is
 *   one; `realClock` below is the real world's.
 * - Randomness: a `RandomSource` for transaction ids. The simulator's
 *   `SeededRandom` is one (structurally); `cryptoRandom` below is the real
 *   world's, as RFC 8489 §6 asks: transaction ids "SHOULD be cryptographically random".
 * - The trace: anything with the simulator's `Trace.record` (see trace.ts).
 *
 * Nothing here is node-only: Web Crypto and timers exist in every runtime.
 */

/** A source of random bytes: all a machine needs for transaction ids. `SeededRandom` satisfies it. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/**
 * XState v5's `Clock` shape (it does not export the type), plus `now()` in
 * milliseconds. `VirtualClock` satisfies it structurally.
 */
export interface StunClock {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** The real world's clock: the global timers and a monotonic `now()`. */
export const realClock: StunClock = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => performance.now(),
};

/** The real world's randomness: Web Crypto's CSPRNG (RFC 8489 §6, RFC 4086). */
export const cryptoRandom: RandomSource = {
  bytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
};
