/**
 * The agent's short-term credentials and tie-breaker (RFC 8445 §5.3, §7.1.1).
 *
 * ufrag and pwd are ice-chars (ALPHA / DIGIT / "+" / "/", RFC 8839 §5.4): 64
 * symbols, 6 bits each. RFC 8445 §5.3 asks for at least 24 bits of
 * randomness in the ufrag and 128 in the pwd; libwebrtc (p2p_constants.h,
 * ICE_UFRAG_LENGTH 4 and ICE_PWD_LENGTH 24) draws 4 and 24 characters, 24
 * and 144 bits, and so does this module. A byte masked to 6 bits is uniform
 * (256 is a multiple of 64), so no draw is wasted or biased.
 *
 * The tie-breaker is 64 random bits (RFC 8445 §7.1.1: ICE-CONTROLLING and
 * ICE-CONTROLLED carry it, §7.3.1.1 compares them in a role conflict).
 */
import type { RandomSource } from '../io/random.js';

export const ICE_UFRAG_LENGTH = 4;
export const ICE_PWD_LENGTH = 24;

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * An ICE agent's short-term credentials (RFC 8445 §5.3): the username
 * fragment and password that sign and check every connectivity check,
 * exchanged in SDP as `a=ice-ufrag` and `a=ice-pwd` (RFC 8839 §5.4). New
 * ones at each ICE restart (§9).
 */
export interface IceCredentials {
  /** The username fragment: 4 ice-chars here, as in libwebrtc (RFC 8445 §5.3 asks for at least 24 random bits). */
  readonly ufrag: string;
  /** The password: 24 ice-chars here, as in libwebrtc (RFC 8445 §5.3 asks for at least 128 random bits). */
  readonly pwd: string;
}

/** `length` ice-chars, 6 random bits each. */
export function iceChars(random: RandomSource, length: number): string {
  return Array.from(random.bytes(length), (b) => ICE_CHARS[b & 63]).join('');
}

/** Fresh ufrag and pwd (at the start and at each ICE restart, RFC 8445 §9). */
export function generateCredentials(random: RandomSource): IceCredentials {
  return { ufrag: iceChars(random, ICE_UFRAG_LENGTH), pwd: iceChars(random, ICE_PWD_LENGTH) };
}

/** A 64-bit tie-breaker. */
export function generateTieBreaker(random: RandomSource): bigint {
  return random.bytes(8).reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

/** A float in [0, 1) from 53 random bits: for the consent interval's jitter (RFC 7675 §5.1). */
export function randomUnit(random: RandomSource): number {
  const b = random.bytes(7);
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return (n % 2 ** 53) / 2 ** 53;
}

/** ice-chars only, 4 to 256 of them for a ufrag, 22 to 256 for a pwd (RFC 8839 §5.4): what a peer may signal. */
export function credentialsProblem(credentials: IceCredentials): string | undefined {
  const chars = /^[A-Za-z0-9+/]+$/;
  if (!chars.test(credentials.ufrag) || credentials.ufrag.length < 4 || credentials.ufrag.length > 256) return `ice-ufrag ${JSON.stringify(credentials.ufrag)} is not 4 to 256 ice-chars`;
  if (!chars.test(credentials.pwd) || credentials.pwd.length < 22 || credentials.pwd.length > 256) return 'ice-pwd is not 22 to 256 ice-chars';
  return undefined;
}
