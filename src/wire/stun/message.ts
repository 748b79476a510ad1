/**
 * STUN messages: header plus attributes, to bytes and back (RFC 8489 §5, §14).
 *
 * Encoding computes MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT wherever they stand in the attribute list, so that a message is
 * described by its attributes in wire order and one key:
 *
 *     encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId,
 *       attributes: [{ type: 'USERNAME', value: 'a:b' }, { type: 'MESSAGE-INTEGRITY' },
 *                    { type: 'FINGERPRINT' }] }, { key: shortTermKey(password) })
 *
 * Decoding never throws. It checks the header (RFC 8489 §6.3: first two bits
 * zero, magic cookie, length a multiple of 4 that matches the bytes), walks
 * the attributes, decodes the ones it knows, keeps the others, and applies the
 * ordering rules of RFC 8489 §14.5-14.7.
 */

import { WireEncodeError, type StunDecodeError, type StunDecodeErrorCode } from '../errors.js';
import { checkInteger, isValueError, pad4 } from './attributes/codec.js';
import {
  AttributeType,
  definitionByCode,
  definitionOf,
  isComprehensionRequired,
  type NamedDefinition,
  type StunAttribute,
} from './attributes/table.js';
import { computeFingerprint } from './fingerprint.js';
import {
  HEADER_LENGTH,
  MAGIC_COOKIE,
  TRANSACTION_ID_LENGTH,
  decodeMessageType,
  encodeMessageType,
  isStunClass,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from './header.js';
import { computeIntegrity } from './integrity.js';
import type { DecodedStunMessage, StunMessage } from './message-types.js';

export type { DecodedStunMessage, StunMessage } from './message-types.js';

/** What `decodeStunMessage` gives: the message, or why the bytes are not one. */
export type StunDecodeResult =
  | { readonly ok: true; readonly message: DecodedStunMessage }
  | { readonly ok: false; readonly error: StunDecodeError };

/** How `encodeStunMessage` fills in what the attributes leave out. */
export interface StunEncodeOptions {
  /** Key for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (`shortTermKey` or `longTermKey`). */
  readonly key?: Uint8Array;
  /**
   * The byte to pad attribute values with. RFC 8489 §14 says zero, which is
   * the default; the RFC 5769 vectors happen to pad with 0x20, and this lets
   * a test reproduce them byte for byte.
   */
  readonly padding?: number;
}

/** Longest Message Length: 16 bits, and a multiple of 4. */
const MAX_MESSAGE_LENGTH = 0xfffc;

// The three attributes computed over the message before them (RFC 8489 §14.5-14.7).
const MESSAGE_INTEGRITY = AttributeType['MESSAGE-INTEGRITY'];
const MESSAGE_INTEGRITY_SHA256 = AttributeType['MESSAGE-INTEGRITY-SHA256'];
const FINGERPRINT = AttributeType.FINGERPRINT;

// What the first pass of `encodeStunMessage` found, for its second. Module-level and
// reused, so an encode allocates only its output: encoding is synchronous and no
// codec encodes a message, so no two encodes ever share them.
const measuredDefinitions: NamedDefinition[] = [];
const measuredLengths: number[] = [];

/**
 * Encodes a STUN message (RFC 8489 §5, §14) to its bytes. MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed where they stand in
 * the attribute list, with `options.key` for the integrity ones. Every value
 * is checked before a byte is written.
 *
 * @throws WireEncodeError `invalid-method` (not 0..0xFFF), `invalid-class`,
 *   `invalid-transaction-id` (not 12 bytes), `unknown-attribute` (a `type`
 *   that is neither a known name nor `'unknown'`), `missing-key` (an
 *   integrity attribute without `options.key`), `message-too-long`
 *   (attributes beyond 65532 bytes), and the value errors of the attribute
 *   codecs (`invalid-port`, `invalid-address`, `invalid-integer`,
 *   `invalid-error-code`, `value-too-long`).
 */
export function encodeStunMessage(message: StunMessage, options: StunEncodeOptions = {}): Uint8Array {
  const { method, transactionId, attributes } = message;
  if (!Number.isInteger(method) || method < 0 || method > 0xfff) {
    throw new WireEncodeError('invalid-method', `method ${method} is not a 12-bit number`);
  }
  if (!isStunClass(message.class)) throw new WireEncodeError('invalid-class', `'${String(message.class)}' is not a STUN class`);
  if (!(transactionId instanceof Uint8Array) || transactionId.length !== TRANSACTION_ID_LENGTH) {
    throw new WireEncodeError('invalid-transaction-id', 'a transaction id is 12 bytes (RFC 8489 §5)');
  }
  // First every value is checked and measured, so that writing cannot fail half-way.
  const definitions = measuredDefinitions;
  const lengths = measuredLengths;
  let total = 0;
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i] as StunAttribute;
    const definition = definitionOf(a.type);
    if (definition === undefined) {
      throw new WireEncodeError('unknown-attribute', `'${String(a.type)}' is no attribute this library knows; keep others as { type: 'unknown', code, value }`);
    }
    if ((definition.code === MESSAGE_INTEGRITY || definition.code === MESSAGE_INTEGRITY_SHA256) && options.key === undefined) {
      throw new WireEncodeError('missing-key', `${a.type} needs options.key`);
    }
    if (a.type === 'unknown') checkInteger('unknown attribute type', a.code, 0xffff);
    const length = definition.codec.encodedLength(valueOf(a), a.type);
    definitions[i] = definition;
    lengths[i] = length;
    total += 4 + pad4(length);
  }
  if (total > MAX_MESSAGE_LENGTH) {
    throw new WireEncodeError('message-too-long', `attributes take ${total} bytes; a STUN message holds at most ${MAX_MESSAGE_LENGTH}`);
  }

  const out = new Uint8Array(HEADER_LENGTH + total);
  writeU16(out, 0, encodeMessageType(method, message.class));
  writeU32(out, 4, MAGIC_COOKIE);
  out.set(transactionId, 8);
  const xorKey = out.subarray(4, HEADER_LENGTH);
  const padding = options.padding ?? 0;

  let offset = HEADER_LENGTH;
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i] as StunAttribute;
    const definition = definitions[i] as NamedDefinition;
    const length = lengths[i] as number;
    writeU16(out, offset, a.type === 'unknown' ? a.code : definition.code);
    writeU16(out, offset + 2, length);
    // The definition's code, not the one written: an unknown attribute may carry any code, and is kept as it is.
    if (definition.code === MESSAGE_INTEGRITY) {
      out.set(computeIntegrity(out, offset, options.key as Uint8Array, 'MESSAGE-INTEGRITY'), offset + 4);
    } else if (definition.code === MESSAGE_INTEGRITY_SHA256) {
      out.set(computeIntegrity(out, offset, options.key as Uint8Array, 'MESSAGE-INTEGRITY-SHA256'), offset + 4);
    } else if (definition.code === FINGERPRINT) {
      writeU32(out, offset + 4, computeFingerprint(out, offset));
    } else {
      definition.codec.write(out, offset + 4, valueOf(a), xorKey);
    }
    const end = offset + 4 + pad4(length);
    if (padding !== 0) out.fill(padding, offset + 4 + length, end);
    offset = end;
  }
  writeU16(out, 2, total);
  return out;
}

/** Decodes one STUN message that fills `bytes` exactly (a UDP datagram, or a frame from the stream framer). Never throws. */
export function decodeStunMessage(bytes: Uint8Array): StunDecodeResult {
  if (bytes.length < HEADER_LENGTH) {
    return fail('too-short', `a STUN header is 20 bytes, only ${bytes.length} given`, bytes.length);
  }
  const type = readU16(bytes, 0);
  if ((type & 0xc000) !== 0) {
    return fail('bad-leading-bits', `the two most significant bits must be zero; first byte is 0x${hex2(bytes[0] as number)}`, 0);
  }
  const length = readU16(bytes, 2);
  if (length % 4 !== 0) return fail('length-not-multiple-of-4', `message length ${length} is not a multiple of 4`, 2);
  if (readU32(bytes, 4) !== MAGIC_COOKIE) {
    return fail('bad-magic-cookie', `bytes 4-7 are 0x${readU32(bytes, 4).toString(16).padStart(8, '0')}, not the magic cookie 0x2112a442`, 4);
  }
  if (HEADER_LENGTH + length !== bytes.length) {
    return fail(
      'length-mismatch',
      `the header announces ${length} bytes of attributes but ${bytes.length - HEADER_LENGTH} follow it`,
      2,
    );
  }

  const xorKey = bytes.subarray(4, HEADER_LENGTH);
  const attributes: StunAttribute[] = [];
  const unknownRequired: number[] = [];
  const ignoredAfterIntegrity: number[] = [];
  let integrityOffset: number | undefined;
  let integritySha256Offset: number | undefined;
  let fingerprintOffset: number | undefined;

  let offset = HEADER_LENGTH;
  while (offset < bytes.length) {
    // Cannot happen while Message Length is a multiple of 4 (checked above); kept so the loop stands on its own.
    if (bytes.length - offset < 4) {
      return fail('truncated-attribute-header', `${bytes.length - offset} bytes left, too few for an attribute header`, offset);
    }
    const attrType = readU16(bytes, offset);
    const attrLength = readU16(bytes, offset + 2);
    const next = offset + 4 + pad4(attrLength);
    if (offset + 4 + attrLength > bytes.length) {
      return fail(
        'attribute-overflow',
        `attribute 0x${hex4(attrType)} claims ${attrLength} bytes but only ${bytes.length - offset - 4} remain`,
        offset + 2,
      );
    }
    if (fingerprintOffset !== undefined) {
      return fail('attribute-after-fingerprint', `attribute 0x${hex4(attrType)} follows FINGERPRINT, which must be last`, offset);
    }
    // After MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
    // count; after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT (RFC 8489 §14.5,
    // §14.6). The rest are ignored: they are not covered by the HMAC.
    const ignored =
      attrType !== FINGERPRINT &&
      (integritySha256Offset !== undefined || (integrityOffset !== undefined && attrType !== MESSAGE_INTEGRITY_SHA256));
    if (ignored) {
      ignoredAfterIntegrity.push(attrType);
      offset = next;
      continue;
    }
    let attribute: StunAttribute;
    const definition = definitionByCode(attrType);
    if (definition === undefined) {
      attribute = { type: 'unknown', code: attrType, value: bytes.subarray(offset + 4, offset + 4 + attrLength) };
      if (isComprehensionRequired(attrType)) unknownRequired.push(attrType);
    } else {
      const value = definition.codec.read(bytes, offset + 4, attrLength, xorKey, definition.name);
      if (isValueError(value)) return fail(value.code, value.message, value.offset);
      attribute = (value === undefined ? { type: definition.name } : { type: definition.name, value }) as StunAttribute;
      if (attrType === MESSAGE_INTEGRITY) integrityOffset = offset;
      else if (attrType === MESSAGE_INTEGRITY_SHA256) integritySha256Offset = offset;
      else if (attrType === FINGERPRINT) fingerprintOffset = offset;
    }
    attributes.push(attribute);
    offset = next;
  }

  const { method, class: cls } = decodeMessageType(type);
  const message: DecodedStunMessage = {
    method,
    class: cls,
    transactionId: bytes.subarray(8, HEADER_LENGTH),
    attributes,
    raw: bytes,
    unknownRequired,
    ignoredAfterIntegrity,
    ...(integrityOffset !== undefined && { integrityOffset }),
    ...(integritySha256Offset !== undefined && { integritySha256Offset }),
    ...(fingerprintOffset !== undefined && { fingerprintOffset }),
  };
  return { ok: true, message };
}

function fail(code: StunDecodeErrorCode, message: string, offset: number): StunDecodeResult {
  return { ok: false, error: { code, message, offset } };
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The value of an attribute, `undefined` for those that carry none (USE-CANDIDATE, DONT-FRAGMENT). */
function valueOf(a: StunAttribute): unknown {
  return (a as { readonly value?: unknown }).value;
}
