/**
 * Errors of the wire layer.
 *
 * Two kinds, on purpose (ARCHITECTURE.md, principle 5: errors are values where
 * input is untrusted):
 *
 * - Decoding reads bytes from the network, which anyone can send. A decoder
 *   never throws: it returns `{ ok: false, error }`, where `error` is a plain
 *   value naming what is wrong (`code`), saying it in words (`message`) and
 *   pointing at the byte where it went wrong (`offset`, from the start of the
 *   buffer handed to the decoder).
 * - Encoding reads typed values that our own code built. Asking to encode an
 *   impossible value (a port of 70000, a 13-byte transaction id, an ERROR-CODE
 *   of 200, MESSAGE-INTEGRITY without a key) is a programming error, so the
 *   encoders throw a {@link WireEncodeError} with a `code` saying which.
 */

/** A decode failure: what is wrong, in words, and where. */
export interface WireDecodeError<Code extends string = string> {
  readonly code: Code;
  /** One sentence, for people: what was expected and what was found. */
  readonly message: string;
  /** Byte offset, from the start of the decoded buffer, where the problem is. */
  readonly offset: number;
}

/** Why a STUN message could not be decoded. */
export type StunDecodeErrorCode =
  /** Fewer than the 20 bytes of a STUN header. */
  | 'too-short'
  /** The two most significant bits of the first byte are not zero (RFC 8489 §5). */
  | 'bad-leading-bits'
  /** The header's message length is not a multiple of 4 (RFC 8489 §5). */
  | 'length-not-multiple-of-4'
  /** Bytes 4-7 are not the magic cookie 0x2112A442 (RFC 8489 §5). */
  | 'bad-magic-cookie'
  /** The header's message length disagrees with the number of bytes that follow it. */
  | 'length-mismatch'
  /** Fewer than 4 bytes left where an attribute header should start. */
  | 'truncated-attribute-header'
  /** An attribute's length runs past the end of the message. */
  | 'attribute-overflow'
  /** A known attribute's value has a length its definition does not allow. */
  | 'bad-attribute-length'
  /** An address attribute's family is neither 0x01 (IPv4) nor 0x02 (IPv6). */
  | 'bad-address-family'
  /** A text attribute (USERNAME, REALM, NONCE, SOFTWARE, reason phrase) is not UTF-8. */
  | 'invalid-utf8'
  /** ERROR-CODE with a class outside 3-6 or a number above 99 (RFC 8489 §14.8). */
  | 'bad-error-code'
  /** An attribute other than those allowed follows FINGERPRINT, which must be last (RFC 8489 §14.7). */
  | 'attribute-after-fingerprint'
  /** A structured value (PASSWORD-ALGORITHMS) whose inner lengths do not add up. */
  | 'bad-attribute-value';

/** A STUN decode failure: what, in words, and where. */
export type StunDecodeError = WireDecodeError<StunDecodeErrorCode>;

/** Why an encoder refused its input: the `code` of the `WireEncodeError` it threw (the message says it in words). */
export type WireEncodeErrorCode =
  | 'invalid-transaction-id'
  | 'invalid-method'
  | 'invalid-class'
  /** An attribute `type` that is neither a name of the attribute table nor `'unknown'`. */
  | 'unknown-attribute'
  | 'invalid-address'
  | 'invalid-port'
  | 'invalid-integer'
  | 'invalid-error-code'
  | 'invalid-channel-number'
  | 'value-too-long'
  | 'message-too-long'
  | 'missing-key';

/** Thrown by encoders when asked to encode a value the RFCs do not allow. */
export class WireEncodeError extends Error {
  override readonly name = 'WireEncodeError';
  constructor(
    readonly code: WireEncodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
