/**
 * What a client makes of a message that carries its transaction id
 * (RFC 8489 §6.3, §7.3.3, §7.3.4, §9.1.4, §9.2.5). A pure function, so the
 * rules are testable on their own and the machine only routes its verdict.
 *
 * The order of the checks is the RFC's:
 * 1. Only a success or error response can end a transaction; a request or an
 *    indication with our id is not an answer (§6.3).
 * 2. A FINGERPRINT that does not match means the bytes are not STUN (§7.3).
 * 3. With credentials, a response must carry MESSAGE-INTEGRITY(-SHA256) that
 *    matches (§9.1.4, §9.2.5); else it is discarded "as if it had never been
 *    received". The exception is the answer a server cannot sign: a 401
 *    (Unauthenticated) or 438 (Stale Nonce) error, which tells the client to
 *    (re)authenticate, so it is accepted unauthenticated (§9.2.5).
 * 4. A response with unknown comprehension-required attributes, or an error
 *    response without ERROR-CODE, ends the transaction as a failure (§7.3.3,
 *    §7.3.4).
 */
import { findAttribute } from '../wire/stun/attribute-types.js';
import { verifyFingerprint } from '../wire/stun/fingerprint.js';
import { verifyIntegrity } from '../wire/stun/integrity.js';
import type { DecodedStunMessage } from '../wire/stun/message.js';

export type ResponseVerdict =
  | { readonly verdict: 'success'; readonly authenticated: boolean }
  | { readonly verdict: 'error'; readonly code: number; readonly reason: string; readonly authenticated: boolean }
  /** Ends the transaction as a failure: the response came but cannot be used. */
  | { readonly verdict: 'bad-response'; readonly detail: string; readonly unknownAttributes: readonly number[] }
  /** Not an answer: keep waiting. `integrity` marks a failed integrity check (§9.2.5 ends a TCP transaction on it). */
  | { readonly verdict: 'discard'; readonly reason: string; readonly integrity: boolean };

/** Error codes a server sends without MESSAGE-INTEGRITY because it could not compute one (RFC 8489 §9.2.5). */
const UNSIGNABLE_ERRORS: ReadonlySet<number> = new Set([401, 438]);

export function judgeResponse(message: DecodedStunMessage, key: Uint8Array | undefined): ResponseVerdict {
  if (message.class === 'request' || message.class === 'indication') {
    return { verdict: 'discard', reason: `${message.class === 'indication' ? 'an' : 'a'} ${message.class} carries our transaction id; only a response can answer it`, integrity: false };
  }
  const fingerprint = verifyFingerprint(message);
  if (!fingerprint.ok && fingerprint.reason === 'mismatch') return { verdict: 'discard', reason: fingerprint.message, integrity: false };

  const errorCode = findAttribute(message, 'ERROR-CODE')?.value;
  let authenticated = false;
  if (key !== undefined) {
    const integrity = verifyIntegrity(message, key);
    const unsignable = message.class === 'error-response' && integrity.ok === false && integrity.reason === 'absent' && errorCode !== undefined && UNSIGNABLE_ERRORS.has(errorCode.code);
    if (!integrity.ok && !unsignable) return { verdict: 'discard', reason: integrity.message, integrity: true };
    authenticated = integrity.ok;
  }

  if (message.unknownRequired.length > 0) {
    const list = message.unknownRequired.map((t) => `0x${t.toString(16).padStart(4, '0')}`).join(', ');
    return { verdict: 'bad-response', detail: `the response carries unknown comprehension-required attributes ${list} (RFC 8489 §7.3.3)`, unknownAttributes: message.unknownRequired };
  }
  if (message.class === 'success-response') return { verdict: 'success', authenticated };
  if (errorCode === undefined) {
    return { verdict: 'bad-response', detail: 'an error response without ERROR-CODE (RFC 8489 §7.3.4)', unknownAttributes: [] };
  }
  return { verdict: 'error', code: errorCode.code, reason: errorCode.reason, authenticated };
}
