/**
 * Byte values: opaque (DATA, and attributes this library does not know), of
 * fixed size (USERHASH, RESERVATION-TOKEN), and the three computed over the
 * message itself (MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT).
 *
 * Bytes decoded from a message are views into the decoded buffer, not copies.
 */

import { WireEncodeError } from '../../errors.js';
import { readU32 } from '../header.js';
import { badLength, fixedLength, type JsonValue, type ValueCodec } from './codec.js';

/** Any bytes up to the 16-bit length field's 65535 (DATA, RFC 8656 §18.4). */
export const opaque: ValueCodec<Uint8Array> = {
  encodedLength(value, name) {
    if (value.length > 0xffff) throw new WireEncodeError('value-too-long', `${name} value of ${value.length} bytes exceeds 65535`);
    return value.length;
  },
  write(out, offset, value) {
    out.set(value, offset);
  },
  read(bytes, offset, length) {
    return bytes.subarray(offset, offset + length);
  },
};

/** Exactly `size` bytes. */
export function fixedBytes(size: number): ValueCodec<Uint8Array> {
  return {
    encodedLength(value, name) {
      if (!(value instanceof Uint8Array) || value.length !== size) {
        throw new WireEncodeError('value-too-long', `${name} must be exactly ${size} bytes`);
      }
      return size;
    },
    write(out, offset, value) {
      out.set(value, offset);
    },
    read(bytes, offset, length, _xorKey, name) {
      return fixedLength(name, size, length, offset) ?? bytes.subarray(offset, offset + size);
    },
  };
}

// The computed values. The encoder computes them wherever they stand in the
// attribute list (message.ts, over the bytes before them), so the value given
// to encode is ignored and may be left out: `encodedLength` gives the size,
// `write` leaves the bytes to message.ts. The decoder reads them like any value.

/** MESSAGE-INTEGRITY: the 20-byte HMAC-SHA1 (RFC 8489 §14.5). */
export const messageIntegrity: ValueCodec<Uint8Array | undefined> = {
  encodedLength() {
    return 20;
  },
  write() {},
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 20, length, offset) ?? bytes.subarray(offset, offset + 20);
  },
};

/** MESSAGE-INTEGRITY-SHA256: the HMAC-SHA256, sent whole (32 bytes), read truncated to 16..32 bytes in steps of 4 (RFC 8489 §14.6). */
export const messageIntegritySha256: ValueCodec<Uint8Array | undefined> = {
  encodedLength() {
    return 32;
  },
  write() {},
  read(bytes, offset, length, _xorKey, name) {
    if (length < 16 || length > 32 || length % 4 !== 0) return badLength(name, '16, 20, 24, 28 or 32 bytes', length, offset);
    return bytes.subarray(offset, offset + length);
  },
};

/** FINGERPRINT: the 32-bit CRC of the message XOR 0x5354554e (RFC 8489 §14.7). */
export const fingerprint: ValueCodec<number | undefined> = {
  encodedLength() {
    return 4;
  },
  write() {},
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 4, length, offset) ?? readU32(bytes, offset);
  },
};

/** `0xc07d4c96`; `null` before the encoder has computed it. */
export function describeFingerprint(value: number | undefined): JsonValue {
  return value === undefined ? null : `0x${value.toString(16).padStart(8, '0')}`;
}
