/**
 * Randomness as the machines are given it (ARCHITECTURE.md, principle 2).
 * The simulator's `SeededRandom` satisfies {@link RandomSource}
 * structurally; {@link cryptoRandom} is the real world's.
 */

/** A source of random bytes: all a machine needs for transaction ids, ufrag/pwd and tie-breakers. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** The real world's randomness: Web Crypto's CSPRNG (RFC 8489 §6: transaction ids "SHOULD be cryptographically random"; RFC 4086). */
export const cryptoRandom: RandomSource = {
  bytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
};
