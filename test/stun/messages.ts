/**
 * STUN messages for the tests of pure rules: written with src/wire's encoder
 * and read back with its decoder, so a rule sees exactly what it would see
 * from the network (offsets of MESSAGE-INTEGRITY and FINGERPRINT, unknown
 * comprehension-required attributes, raw bytes).
 */
import { decodeStunMessage, encodeStunMessage, type DecodedStunMessage, type StunMessage } from '../../src/wire/stun/message.js';
import type { StunAttribute } from '../../src/wire/stun/attribute-types.js';
import type { StunClass } from '../../src/wire/stun/header.js';

export const TRANSACTION = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

/** An attribute no STUN or TURN RFC defines, in the comprehension-required range (< 0x8000, RFC 8489 §14). */
export const UNKNOWN_REQUIRED: StunAttribute = { type: 'unknown', code: 0x7f01, value: new Uint8Array([1, 2, 3, 4]) };
/** One in the comprehension-optional range (0x8000-0xFFFF): a receiver ignores it. */
export const UNKNOWN_OPTIONAL: StunAttribute = { type: 'unknown', code: 0xff01, value: new Uint8Array([1, 2, 3, 4]) };

/** Encodes, then decodes: the message a receiver holds. */
export function stun(
  method: number,
  cls: StunClass,
  attributes: readonly StunAttribute[],
  options: { readonly key?: Uint8Array; readonly transactionId?: Uint8Array } = {},
): DecodedStunMessage {
  const message: StunMessage = { method, class: cls, transactionId: options.transactionId ?? TRANSACTION, attributes };
  const bytes = encodeStunMessage(message, options.key !== undefined ? { key: options.key } : {});
  return decodeBytes(bytes);
}

/** Decodes bytes that must be a STUN message (a test's own, possibly tampered with). */
export function decodeBytes(bytes: Uint8Array): DecodedStunMessage {
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) throw new Error(`test message does not decode: ${decoded.error.message}`);
  return decoded.message;
}

/** The encoded bytes of a message, for rules that take bytes. */
export function stunBytes(method: number, cls: StunClass, attributes: readonly StunAttribute[], options: { readonly key?: Uint8Array; readonly transactionId?: Uint8Array } = {}): Uint8Array {
  return encodeStunMessage({ method, class: cls, transactionId: options.transactionId ?? TRANSACTION, attributes }, options.key !== undefined ? { key: options.key } : {});
}

/** Flips bits of one byte in place: a message tampered with after it was encoded. */
export function flip(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  bytes[index] = (bytes[index] as number) ^ mask;
  return bytes;
}
