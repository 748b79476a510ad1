/**
 * Attribute values: typed value <-> bytes, one attribute at a time.
 *
 * Every attribute is a TLV: 16-bit type, 16-bit length of the value before
 * padding, then the value padded to a multiple of 4 bytes (RFC 8489 §14).
 * This file knows the value part only; the TLV framing, and the three
 * attributes computed over the message itself (MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256, FINGERPRINT), are in message.ts.
 */

import { Buffer, isUtf8 } from 'node:buffer';
import { WireEncodeError, type StunDecodeErrorCode } from '../errors.js';
import { addressValueLength, readAddressValue, writeAddressValue } from './address.js';
import { AttributeType, type PasswordAlgorithmEntry, type StunAttribute } from './attribute-types.js';
import { readU16, readU32, writeU16, writeU32 } from './header.js';

/** Limits of RFC 8489 §14.3, §14.8, §14.9, §14.10, §14.14 ("fewer than 128 characters"). */
const MAX_USERNAME_BYTES = 508;
const MAX_TEXT_CHARACTERS = 127;
const MAX_TEXT_BYTES = 763;
const MAX_REASON_BYTES = 509;
const MAX_VALUE_BYTES = 0xffff;

const pad4 = (n: number): number => (n + 3) & ~3;

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/**
 * Length in bytes of the value of an attribute, before padding. Validates the
 * value as it goes, so that writing cannot fail half-way through a buffer.
 *
 * @throws WireEncodeError for a value the RFCs do not allow (see each case).
 */
export function attributeValueLength(a: StunAttribute): number {
  switch (a.type) {
    case 'MAPPED-ADDRESS':
    case 'XOR-MAPPED-ADDRESS':
    case 'ALTERNATE-SERVER':
    case 'XOR-PEER-ADDRESS':
    case 'XOR-RELAYED-ADDRESS':
      return addressValueLength(a.value);
    case 'USERNAME':
      return textLength(a.type, a.value, Infinity, MAX_USERNAME_BYTES);
    case 'REALM':
    case 'NONCE':
    case 'SOFTWARE':
      return textLength(a.type, a.value, MAX_TEXT_CHARACTERS, MAX_TEXT_BYTES);
    case 'ERROR-CODE': {
      const { code } = a.value;
      if (!Number.isInteger(code) || code < 300 || code > 699) {
        throw new WireEncodeError('invalid-error-code', `ERROR-CODE ${code} is not an integer from 300 to 699 (RFC 8489 §14.8)`);
      }
      return 4 + textLength('ERROR-CODE reason phrase', a.value.reason, MAX_TEXT_CHARACTERS, MAX_REASON_BYTES);
    }
    case 'UNKNOWN-ATTRIBUTES':
      for (const t of a.value) checkInteger(a.type, t, 0xffff);
      return 2 * a.value.length;
    case 'USERHASH':
      return exactBytes(a.type, a.value, 32);
    case 'RESERVATION-TOKEN':
      return exactBytes(a.type, a.value, 8);
    case 'MESSAGE-INTEGRITY':
      return 20;
    case 'MESSAGE-INTEGRITY-SHA256':
      return 32;
    case 'FINGERPRINT':
      return 4;
    case 'PASSWORD-ALGORITHMS':
      return a.value.reduce((sum, entry) => sum + 4 + pad4(algorithmParametersLength(entry)), 0);
    case 'PASSWORD-ALGORITHM':
      return 4 + algorithmParametersLength(a.value);
    case 'PRIORITY':
    case 'LIFETIME':
      checkInteger(a.type, a.value, 0xffffffff);
      return 4;
    case 'CHANNEL-NUMBER':
      checkInteger(a.type, a.value, 0xffff);
      return 4;
    case 'REQUESTED-ADDRESS-FAMILY':
    case 'REQUESTED-TRANSPORT':
      checkInteger(a.type, a.value, 0xff);
      return 4;
    case 'ICE-CONTROLLED':
    case 'ICE-CONTROLLING':
      if (typeof a.value !== 'bigint' || a.value < 0n || a.value > 0xffffffffffffffffn) {
        throw new WireEncodeError('invalid-integer', `${a.type} tie-breaker must be a bigint from 0 to 2^64-1`);
      }
      return 8;
    case 'EVEN-PORT':
      return 1;
    case 'USE-CANDIDATE':
    case 'DONT-FRAGMENT':
      return 0;
    case 'DATA':
    case 'unknown':
      if (a.type === 'unknown') checkInteger('unknown attribute type', a.code, 0xffff);
      if (a.value.length > MAX_VALUE_BYTES) {
        throw new WireEncodeError('value-too-long', `${a.type} value of ${a.value.length} bytes exceeds 65535`);
      }
      return a.value.length;
  }
}

/**
 * Writes the value of `a` at `offset` (padding not included; the caller has
 * zeroed the buffer). `xorKey` is message bytes 4-19, for the XOR- addresses.
 * MESSAGE-INTEGRITY, -SHA256 and FINGERPRINT are written by message.ts.
 */
export function writeAttributeValue(out: Uint8Array, offset: number, a: StunAttribute, xorKey: Uint8Array): void {
  switch (a.type) {
    case 'MAPPED-ADDRESS':
    case 'ALTERNATE-SERVER':
      return writeAddressValue(out, offset, a.value, null);
    case 'XOR-MAPPED-ADDRESS':
    case 'XOR-PEER-ADDRESS':
    case 'XOR-RELAYED-ADDRESS':
      return writeAddressValue(out, offset, a.value, xorKey);
    case 'USERNAME':
    case 'REALM':
    case 'NONCE':
    case 'SOFTWARE':
      writeText(out, offset, a.value);
      return;
    case 'ERROR-CODE':
      // 21 reserved bits, then the hundreds digit as Class and the rest as Number (RFC 8489 §14.8).
      out[offset + 2] = Math.floor(a.value.code / 100);
      out[offset + 3] = a.value.code % 100;
      writeText(out, offset + 4, a.value.reason);
      return;
    case 'UNKNOWN-ATTRIBUTES':
      a.value.forEach((t, i) => writeU16(out, offset + 2 * i, t));
      return;
    case 'USERHASH':
    case 'RESERVATION-TOKEN':
    case 'DATA':
    case 'unknown':
      out.set(a.value, offset);
      return;
    case 'PASSWORD-ALGORITHMS':
      for (const entry of a.value) offset += 4 + pad4(writeAlgorithm(out, offset, entry));
      return;
    case 'PASSWORD-ALGORITHM':
      writeAlgorithm(out, offset, a.value);
      return;
    case 'PRIORITY':
    case 'LIFETIME':
      writeU32(out, offset, a.value);
      return;
    case 'CHANNEL-NUMBER':
      // The channel number, then 16 bits RFFU (RFC 8656 §18.1).
      writeU16(out, offset, a.value);
      return;
    case 'REQUESTED-ADDRESS-FAMILY':
    case 'REQUESTED-TRANSPORT':
      // One octet, then 24 bits RFFU (RFC 8656 §18.8, §18.11).
      out[offset] = a.value;
      return;
    case 'ICE-CONTROLLED':
    case 'ICE-CONTROLLING':
      writeU32(out, offset, Number(a.value >> 32n));
      writeU32(out, offset + 4, Number(a.value & 0xffffffffn));
      return;
    case 'EVEN-PORT':
      out[offset] = a.value ? 0x80 : 0;
      return;
    case 'USE-CANDIDATE':
    case 'DONT-FRAGMENT':
    case 'MESSAGE-INTEGRITY':
    case 'MESSAGE-INTEGRITY-SHA256':
    case 'FINGERPRINT':
      return;
  }
}

function textLength(what: string, text: string, maxCharacters: number, maxBytes: number): number {
  if (typeof text !== 'string') throw new WireEncodeError('value-too-long', `${what} must be a string`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new WireEncodeError('value-too-long', `${what} is ${bytes} bytes of UTF-8; at most ${maxBytes} are allowed`);
  }
  if (maxCharacters !== Infinity && bytes > maxCharacters && countCodePoints(text) > maxCharacters) {
    throw new WireEncodeError('value-too-long', `${what} must have fewer than ${maxCharacters + 1} characters`);
  }
  return bytes;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function writeText(out: Uint8Array, offset: number, text: string): void {
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, offset, 'utf8');
}

function exactBytes(what: string, value: Uint8Array, length: number): number {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new WireEncodeError('value-too-long', `${what} must be exactly ${length} bytes`);
  }
  return length;
}

function checkInteger(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireEncodeError('invalid-integer', `${what} value ${value} is not an integer from 0 to ${max}`);
  }
}

function algorithmParametersLength(entry: PasswordAlgorithmEntry): number {
  checkInteger('password algorithm', entry.algorithm, 0xffff);
  if (entry.parameters.length > 0xffff - 4) {
    throw new WireEncodeError('value-too-long', 'password algorithm parameters are too long');
  }
  return entry.parameters.length;
}

/** Algorithm (16 bits), parameters length (16 bits), parameters (RFC 8489 §14.11-14.12). Returns the parameters length. */
function writeAlgorithm(out: Uint8Array, offset: number, entry: PasswordAlgorithmEntry): number {
  writeU16(out, offset, entry.algorithm);
  writeU16(out, offset + 2, entry.parameters.length);
  out.set(entry.parameters, offset + 4);
  return entry.parameters.length;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

export type AttributeDecodeResult =
  | { ok: true; attribute: StunAttribute }
  | { ok: false; code: StunDecodeErrorCode; message: string; offset: number };

/**
 * Decodes the value of an attribute of type `type` found at
 * `bytes[offset, offset + length)`. `xorKey` is message bytes 4-19. Unknown
 * types come back as `{ type: 'unknown' }`; deciding whether that is fatal is
 * for message.ts. Never throws.
 */
/** Null when an attribute of fixed size has it; else the error. */
function fixedLength(name: string, want: number, length: number, offset: number): AttributeDecodeResult | null {
  return length === want ? null : badLength(name, `${want} bytes`, length, offset);
}

export function readAttributeValue(
  bytes: Uint8Array,
  type: number,
  offset: number,
  length: number,
  xorKey: Uint8Array,
): AttributeDecodeResult {
  let bad: AttributeDecodeResult | null;
  switch (type) {
    case AttributeType['MAPPED-ADDRESS']:
      return address('MAPPED-ADDRESS', readAddressValue(bytes, offset, length, null));
    case AttributeType['ALTERNATE-SERVER']:
      return address('ALTERNATE-SERVER', readAddressValue(bytes, offset, length, null));
    case AttributeType['XOR-MAPPED-ADDRESS']:
      return address('XOR-MAPPED-ADDRESS', readAddressValue(bytes, offset, length, xorKey));
    case AttributeType['XOR-PEER-ADDRESS']:
      return address('XOR-PEER-ADDRESS', readAddressValue(bytes, offset, length, xorKey));
    case AttributeType['XOR-RELAYED-ADDRESS']:
      return address('XOR-RELAYED-ADDRESS', readAddressValue(bytes, offset, length, xorKey));
    case AttributeType.USERNAME:
      return text(bytes, offset, length, (value) => ({ type: 'USERNAME', value }));
    case AttributeType.REALM:
      return text(bytes, offset, length, (value) => ({ type: 'REALM', value }));
    case AttributeType.NONCE:
      return text(bytes, offset, length, (value) => ({ type: 'NONCE', value }));
    case AttributeType.SOFTWARE:
      return text(bytes, offset, length, (value) => ({ type: 'SOFTWARE', value }));
    case AttributeType['ERROR-CODE']: {
      if (length < 4) return badLength('ERROR-CODE', 'at least 4 bytes', length, offset);
      const cls = (bytes[offset + 2] as number) & 0x07;
      const num = bytes[offset + 3] as number;
      if (cls < 3 || cls > 6 || num > 99) {
        return fail('bad-error-code', `ERROR-CODE class ${cls} number ${num} is not a code from 300 to 699`, offset + 2);
      }
      return text(bytes, offset + 4, length - 4, (reason) => ({ type: 'ERROR-CODE', value: { code: cls * 100 + num, reason } }));
    }
    case AttributeType['UNKNOWN-ATTRIBUTES']: {
      if (length % 2 !== 0) return badLength('UNKNOWN-ATTRIBUTES', 'an even number of bytes', length, offset);
      const value: number[] = [];
      for (let i = 0; i < length; i += 2) value.push(readU16(bytes, offset + i));
      return ok({ type: 'UNKNOWN-ATTRIBUTES', value });
    }
    case AttributeType.USERHASH:
      return fixedLength('USERHASH', 32, length, offset) ?? ok({ type: 'USERHASH', value: bytes.subarray(offset, offset + 32) });
    case AttributeType['RESERVATION-TOKEN']:
      return fixedLength('RESERVATION-TOKEN', 8, length, offset) ?? ok({ type: 'RESERVATION-TOKEN', value: bytes.subarray(offset, offset + 8) });
    case AttributeType['MESSAGE-INTEGRITY']:
      return fixedLength('MESSAGE-INTEGRITY', 20, length, offset) ?? ok({ type: 'MESSAGE-INTEGRITY', value: bytes.subarray(offset, offset + 20) });
    case AttributeType['MESSAGE-INTEGRITY-SHA256']:
      // May be truncated to 16..32 bytes, in steps of 4 (RFC 8489 §14.6).
      if (length < 16 || length > 32 || length % 4 !== 0) {
        return badLength('MESSAGE-INTEGRITY-SHA256', '16, 20, 24, 28 or 32 bytes', length, offset);
      }
      return ok({ type: 'MESSAGE-INTEGRITY-SHA256', value: bytes.subarray(offset, offset + length) });
    case AttributeType.FINGERPRINT:
      return fixedLength('FINGERPRINT', 4, length, offset) ?? ok({ type: 'FINGERPRINT', value: readU32(bytes, offset) });
    case AttributeType['PASSWORD-ALGORITHMS']:
      return passwordAlgorithms(bytes, offset, length);
    case AttributeType['PASSWORD-ALGORITHM']: {
      if (length < 4) return badLength('PASSWORD-ALGORITHM', 'at least 4 bytes', length, offset);
      const paramsLength = readU16(bytes, offset + 2);
      if (4 + paramsLength !== length) {
        return fail('bad-attribute-value', `PASSWORD-ALGORITHM says ${paramsLength} parameter bytes but carries ${length - 4}`, offset + 2);
      }
      return ok({
        type: 'PASSWORD-ALGORITHM',
        value: { algorithm: readU16(bytes, offset), parameters: bytes.subarray(offset + 4, offset + length) },
      });
    }
    case AttributeType.PRIORITY:
      return fixedLength('PRIORITY', 4, length, offset) ?? ok({ type: 'PRIORITY', value: readU32(bytes, offset) });
    case AttributeType.LIFETIME:
      return fixedLength('LIFETIME', 4, length, offset) ?? ok({ type: 'LIFETIME', value: readU32(bytes, offset) });
    case AttributeType['CHANNEL-NUMBER']:
      return fixedLength('CHANNEL-NUMBER', 4, length, offset) ?? ok({ type: 'CHANNEL-NUMBER', value: readU16(bytes, offset) });
    case AttributeType['REQUESTED-ADDRESS-FAMILY']:
      return fixedLength('REQUESTED-ADDRESS-FAMILY', 4, length, offset) ?? ok({ type: 'REQUESTED-ADDRESS-FAMILY', value: bytes[offset] as number });
    case AttributeType['REQUESTED-TRANSPORT']:
      return fixedLength('REQUESTED-TRANSPORT', 4, length, offset) ?? ok({ type: 'REQUESTED-TRANSPORT', value: bytes[offset] as number });
    case AttributeType['ICE-CONTROLLED']:
    case AttributeType['ICE-CONTROLLING']: {
      const name = type === AttributeType['ICE-CONTROLLED'] ? 'ICE-CONTROLLED' : 'ICE-CONTROLLING';
      if ((bad = fixedLength(name, 8, length, offset))) return bad;
      const value = (BigInt(readU32(bytes, offset)) << 32n) | BigInt(readU32(bytes, offset + 4));
      return ok({ type: name, value });
    }
    case AttributeType['EVEN-PORT']:
      return fixedLength('EVEN-PORT', 1, length, offset) ?? ok({ type: 'EVEN-PORT', value: ((bytes[offset] as number) & 0x80) !== 0 });
    case AttributeType['USE-CANDIDATE']:
      return fixedLength('USE-CANDIDATE', 0, length, offset) ?? ok({ type: 'USE-CANDIDATE' });
    case AttributeType['DONT-FRAGMENT']:
      return fixedLength('DONT-FRAGMENT', 0, length, offset) ?? ok({ type: 'DONT-FRAGMENT' });
    case AttributeType.DATA:
      return ok({ type: 'DATA', value: bytes.subarray(offset, offset + length) });
    default:
      return ok({ type: 'unknown', code: type, value: bytes.subarray(offset, offset + length) });
  }
}

function ok(attribute: StunAttribute): AttributeDecodeResult {
  return { ok: true, attribute };
}

function fail(code: StunDecodeErrorCode, message: string, offset: number): AttributeDecodeResult {
  return { ok: false, code, message, offset };
}

function badLength(name: string, want: string, got: number, offset: number): AttributeDecodeResult {
  return fail('bad-attribute-length', `${name} value must be ${want}, got ${got}`, offset);
}

function address(
  type: 'MAPPED-ADDRESS' | 'ALTERNATE-SERVER' | 'XOR-MAPPED-ADDRESS' | 'XOR-PEER-ADDRESS' | 'XOR-RELAYED-ADDRESS',
  result: ReturnType<typeof readAddressValue>,
): AttributeDecodeResult {
  if (!result.ok) return fail(result.code, `${type}: ${result.message}`, result.offset);
  return ok({ type, value: result.value });
}

/** UTF-8 text, strictly: a byte sequence that is not UTF-8 is an error, not replacement characters. */
function text(bytes: Uint8Array, offset: number, length: number, make: (value: string) => StunAttribute): AttributeDecodeResult {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
  if (!isUtf8(view)) return fail('invalid-utf8', 'text value is not valid UTF-8', offset);
  return ok(make(view.toString('utf8')));
}

function passwordAlgorithms(bytes: Uint8Array, offset: number, length: number): AttributeDecodeResult {
  const value: PasswordAlgorithmEntry[] = [];
  const end = offset + length;
  let at = offset;
  while (at < end) {
    if (end - at < 4) return fail('bad-attribute-value', 'PASSWORD-ALGORITHMS ends inside an entry header', at);
    const paramsLength = readU16(bytes, at + 2);
    if (at + 4 + pad4(paramsLength) > end) {
      return fail('bad-attribute-value', `PASSWORD-ALGORITHMS entry claims ${paramsLength} parameter bytes, past the attribute's end`, at + 2);
    }
    value.push({ algorithm: readU16(bytes, at), parameters: bytes.subarray(at + 4, at + 4 + paramsLength) });
    at += 4 + pad4(paramsLength);
  }
  return ok({ type: 'PASSWORD-ALGORITHMS', value });
}
