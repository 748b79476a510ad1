/**
 * Values that are lists: UNKNOWN-ATTRIBUTES (16-bit attribute types,
 * RFC 8489 §14.13) and the password algorithms (RFC 8489 §14.11, §14.12),
 * whose entries are an algorithm number, a parameters length and the
 * parameters, padded to 4 bytes:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Algorithm            |  Algorithm Parameters Length  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                    Algorithm Parameters (variable)
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * PASSWORD-ALGORITHM is one such entry, unpadded: the attribute's own padding
 * follows it.
 */

import { bytesToHex } from '../../hex.js';
import { readU16, writeU16 } from '../header.js';
import { WireEncodeError } from '../../errors.js';
import { AttributeValueError, badLength, checkInteger, hex4, pad4, type JsonValue, type ValueCodec } from './codec.js';
import { PasswordAlgorithm, type PasswordAlgorithmEntry } from './values.js';

/** UNKNOWN-ATTRIBUTES: 16-bit attribute types, as many as the length holds (an odd count leaves 2 bytes of padding). */
export const attributeTypes: ValueCodec<readonly number[]> = {
  encodedLength(value, name) {
    for (const t of value) checkInteger(name, t, 0xffff);
    return 2 * value.length;
  },
  write(out, offset, value) {
    for (let i = 0; i < value.length; i++) writeU16(out, offset + 2 * i, value[i] as number);
  },
  read(bytes, offset, length, _xorKey, name) {
    if (length % 2 !== 0) return badLength(name, 'an even number of bytes', length, offset);
    const value: number[] = [];
    for (let i = 0; i < length; i += 2) value.push(readU16(bytes, offset + i));
    return value;
  },
};

/** PASSWORD-ALGORITHMS: the algorithms a server offers, in its order of preference. */
export const passwordAlgorithms: ValueCodec<readonly PasswordAlgorithmEntry[]> = {
  encodedLength(value) {
    let length = 0;
    for (const entry of value) length += 4 + pad4(algorithmParametersLength(entry));
    return length;
  },
  write(out, offset, value) {
    for (const entry of value) offset += 4 + pad4(writeAlgorithm(out, offset, entry));
  },
  read(bytes, offset, length, _xorKey, name) {
    const value: PasswordAlgorithmEntry[] = [];
    const end = offset + length;
    let at = offset;
    while (at < end) {
      if (end - at < 4) return new AttributeValueError('bad-attribute-value', `${name} ends inside an entry header`, at);
      const paramsLength = readU16(bytes, at + 2);
      if (at + 4 + pad4(paramsLength) > end) {
        return new AttributeValueError(
          'bad-attribute-value',
          `${name} entry claims ${paramsLength} parameter bytes, past the attribute's end`,
          at + 2,
        );
      }
      value.push({ algorithm: readU16(bytes, at), parameters: bytes.subarray(at + 4, at + 4 + paramsLength) });
      at += 4 + pad4(paramsLength);
    }
    return value;
  },
};

/** PASSWORD-ALGORITHM: the one algorithm the client chose. */
export const passwordAlgorithm: ValueCodec<PasswordAlgorithmEntry> = {
  encodedLength(value) {
    return 4 + algorithmParametersLength(value);
  },
  write(out, offset, value) {
    writeAlgorithm(out, offset, value);
  },
  read(bytes, offset, length, _xorKey, name) {
    if (length < 4) return badLength(name, 'at least 4 bytes', length, offset);
    const paramsLength = readU16(bytes, offset + 2);
    if (4 + paramsLength !== length) {
      return new AttributeValueError('bad-attribute-value', `${name} says ${paramsLength} parameter bytes but carries ${length - 4}`, offset + 2);
    }
    return { algorithm: readU16(bytes, offset), parameters: bytes.subarray(offset + 4, offset + length) };
  },
};

export function describeAlgorithms(value: readonly PasswordAlgorithmEntry[]): JsonValue {
  return value.map(describeAlgorithm);
}

/** `{ algorithm: 'SHA-256', parameters: '' }`; an unregistered algorithm as hex. */
export function describeAlgorithm(entry: PasswordAlgorithmEntry): JsonValue {
  const name =
    entry.algorithm === PasswordAlgorithm.MD5 ? 'MD5' : entry.algorithm === PasswordAlgorithm['SHA-256'] ? 'SHA-256' : hex4(entry.algorithm);
  return { algorithm: name, parameters: bytesToHex(entry.parameters) };
}

function algorithmParametersLength(entry: PasswordAlgorithmEntry): number {
  checkInteger('password algorithm', entry.algorithm, 0xffff);
  if (entry.parameters.length > 0xffff - 4) {
    throw new WireEncodeError('value-too-long', 'password algorithm parameters are too long');
  }
  return entry.parameters.length;
}

/** Writes one entry at `offset`, unpadded; returns the parameters length. */
function writeAlgorithm(out: Uint8Array, offset: number, entry: PasswordAlgorithmEntry): number {
  writeU16(out, offset, entry.algorithm);
  writeU16(out, offset + 2, entry.parameters.length);
  out.set(entry.parameters, offset + 4);
  return entry.parameters.length;
}
