/**
 * One call for the checks a receiver makes on a decoded message, in the order
 * RFC 8489 makes them: FINGERPRINT first (a wrong one means the packet is not
 * STUN at all, §7.3), then message integrity with the key (§9.1.3, §9.2.4).
 */

import { verifyFingerprint } from './fingerprint.js';
import { verifyIntegrity, verifyMessageIntegritySha256, type IntegrityCheck } from './integrity.js';
import type { DecodedStunMessage } from './message-types.js';

/** What `verifyStunMessage` checks beyond a present FINGERPRINT. */
export interface VerifyOptions {
  /** Key for MESSAGE-INTEGRITY(-SHA256). Without it, integrity is not checked. */
  readonly key?: Uint8Array;
  /** Fail when FINGERPRINT is absent (ICE requires it on connectivity checks, RFC 8445 §7.2.2). Default false. */
  readonly requireFingerprint?: boolean;
  /**
   * Fail unless MESSAGE-INTEGRITY-SHA256 is present and right. Without this,
   * a message whose MESSAGE-INTEGRITY-SHA256 was removed in transit still
   * passes on MESSAGE-INTEGRITY alone; a server that has agreed on SHA-256
   * with the client (the bid-down protection of RFC 8489 §9.2) sets it.
   */
  readonly requireIntegritySha256?: boolean;
}

/** The outcome of `verifyStunMessage`: ok, or the first check that failed and why. */
export type StunVerification =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Which check failed. */
      readonly failed: 'FINGERPRINT' | Exclude<IntegrityCheck, { ok: true }>['attribute'];
      readonly reason: 'absent' | 'mismatch';
      readonly message: string;
    };

/** Checks FINGERPRINT, then (with `options.key`) message integrity, in the order RFC 8489 makes them. */
export function verifyStunMessage(message: DecodedStunMessage, options: VerifyOptions = {}): StunVerification {
  const fp = verifyFingerprint(message);
  if (!fp.ok && (fp.reason === 'mismatch' || options.requireFingerprint === true)) {
    return { ok: false, failed: 'FINGERPRINT', reason: fp.reason, message: fp.message };
  }
  if (options.key !== undefined) {
    const mi = options.requireIntegritySha256 === true ? verifyMessageIntegritySha256(message, options.key) : verifyIntegrity(message, options.key);
    if (!mi.ok) return { ok: false, failed: mi.attribute, reason: mi.reason, message: mi.message };
  }
  return { ok: true };
}
