/**
 * Number values, of fixed size: 32-bit (PRIORITY, LIFETIME), 16 or 8 bits
 * followed by RFFU bits up to 4 bytes (CHANNEL-NUMBER, REQUESTED-TRANSPORT,
 * REQUESTED-ADDRESS-FAMILY), the 64-bit ICE tie-breaker, the one-bit
 * EVEN-PORT, and the attributes whose value is empty (USE-CANDIDATE,
 * DONT-FRAGMENT).
 *
 * RFFU ("reserved for future use") bits are written as zero and ignored on
 * reading (RFC 8656 §18.1, §18.8, §18.11).
 */

import { WireEncodeError } from '../../errors.js';
import { readU16, readU32, writeU16, writeU32 } from '../header.js';
import { checkInteger, fixedLength, hex4, type JsonValue, type ValueCodec } from './codec.js';
import { FamilyOctet, TRANSPORT_TCP, TRANSPORT_UDP } from './values.js';

/** 32 bits (PRIORITY, RFC 8445 §16.1; LIFETIME in seconds, RFC 8656 §18.2). */
export const u32: ValueCodec<number> = {
  encodedLength(value, name) {
    checkInteger(name, value, 0xffffffff);
    return 4;
  },
  write(out, offset, value) {
    writeU32(out, offset, value);
  },
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 4, length, offset) ?? readU32(bytes, offset);
  },
};

/** 16 bits, then 16 bits RFFU (CHANNEL-NUMBER, RFC 8656 §18.1). */
export const u16ThenRffu: ValueCodec<number> = {
  encodedLength(value, name) {
    checkInteger(name, value, 0xffff);
    return 4;
  },
  write(out, offset, value) {
    writeU16(out, offset, value);
  },
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 4, length, offset) ?? readU16(bytes, offset);
  },
};

/** One octet, then 24 bits RFFU (REQUESTED-ADDRESS-FAMILY, REQUESTED-TRANSPORT, RFC 8656 §18.8, §18.11). */
export const u8ThenRffu: ValueCodec<number> = {
  encodedLength(value, name) {
    checkInteger(name, value, 0xff);
    return 4;
  },
  write(out, offset, value) {
    out[offset] = value;
  },
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 4, length, offset) ?? (bytes[offset] as number);
  },
};

/** The 64-bit tie-breaker of ICE-CONTROLLED and ICE-CONTROLLING (RFC 8445 §16.1), as a bigint. */
export const tieBreaker: ValueCodec<bigint> = {
  encodedLength(value, name) {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffffffffffffffffn) {
      throw new WireEncodeError('invalid-integer', `${name} tie-breaker must be a bigint from 0 to 2^64-1`);
    }
    return 8;
  },
  write(out, offset, value) {
    writeU32(out, offset, Number(value >> 32n));
    writeU32(out, offset + 4, Number(value & 0xffffffffn));
  },
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 8, length, offset) ?? (BigInt(readU32(bytes, offset)) << 32n) | BigInt(readU32(bytes, offset + 4));
  },
};

/** EVEN-PORT: one octet whose top bit R asks to reserve the next-higher port too (RFC 8656 §18.9). */
export const evenPort: ValueCodec<boolean> = {
  encodedLength() {
    return 1;
  },
  write(out, offset, value) {
    out[offset] = value ? 0x80 : 0;
  },
  read(bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 1, length, offset) ?? ((bytes[offset] as number) & 0x80) !== 0;
  },
};

/** No value: the attribute's presence is its meaning (USE-CANDIDATE, DONT-FRAGMENT). */
export const empty: ValueCodec<undefined> = {
  encodedLength() {
    return 0;
  },
  write() {},
  read(_bytes, offset, length, _xorKey, name) {
    return fixedLength(name, 0, length, offset) ?? undefined;
  },
};

/** A channel number as hex, as RFC 8656 writes them (0x4000-0x4FFF). */
export function describeChannelNumber(value: number): JsonValue {
  return hex4(value);
}

/** `IPv4`, `IPv6`, or the octet in hex. */
export function describeAddressFamily(value: number): JsonValue {
  return value === FamilyOctet.IPv4 ? 'IPv4' : value === FamilyOctet.IPv6 ? 'IPv6' : `0x${value.toString(16).padStart(2, '0')}`;
}

/** `UDP (17)`, `TCP (6)`, or the protocol number. */
export function describeTransport(value: number): JsonValue {
  return value === TRANSPORT_UDP ? 'UDP (17)' : value === TRANSPORT_TCP ? 'TCP (6)' : String(value);
}

/** 64 bits as 16 hex digits: JSON has no 64-bit integer. */
export function describeTieBreaker(value: bigint): JsonValue {
  return `0x${value.toString(16).padStart(16, '0')}`;
}

export function describeEvenPort(value: boolean): JsonValue {
  return { reserveNextPort: value };
}
