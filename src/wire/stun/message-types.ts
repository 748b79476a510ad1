/**
 * A STUN message as typed values, before encoding and as decoded. Its own
 * file because the codec (message.ts) and the checks over decoded bytes
 * (fingerprint.ts, integrity.ts) both need it, and the codec needs the checks.
 */

import type { StunAttribute } from './attributes/table.js';
import type { StunClass } from './header.js';

/** A STUN message (RFC 8489 §5) as typed values: method, class, transaction id and attributes in wire order. What `encodeStunMessage` takes; `decodeStunMessage` gives one with more. */
export interface StunMessage {
  /** 12-bit method, e.g. `StunMethod.Binding`. */
  readonly method: number;
  readonly class: StunClass;
  /** 96 bits, 12 bytes (RFC 8489 §5). */
  readonly transactionId: Uint8Array;
  /** In wire order. */
  readonly attributes: readonly StunAttribute[];
}

/** A message as the decoder found it: the typed values plus what verification and error handling need. */
export interface DecodedStunMessage extends StunMessage {
  /** The bytes decoded (a view into the caller's buffer, not a copy). */
  readonly raw: Uint8Array;
  /**
   * Types of the unknown comprehension-required attributes (< 0x8000), in
   * order of appearance. Non-empty means: a request gets a 420 listing them
   * (see `createUnknownAttributesResponse`), a response fails its transaction,
   * an indication is dropped (RFC 8489 §6.3).
   */
  readonly unknownRequired: readonly number[];
  /** Types of the attributes that followed MESSAGE-INTEGRITY(-SHA256) and were ignored (RFC 8489 §14.5, §14.6). */
  readonly ignoredAfterIntegrity: readonly number[];
  /** Offset in `raw` of the MESSAGE-INTEGRITY attribute header, if there is one. */
  readonly integrityOffset?: number;
  /** Offset in `raw` of the MESSAGE-INTEGRITY-SHA256 attribute header, if there is one. */
  readonly integritySha256Offset?: number;
  /** Offset in `raw` of the FINGERPRINT attribute header, if there is one. */
  readonly fingerprintOffset?: number;
}
