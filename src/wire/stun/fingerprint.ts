/**
 * FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message up to, not including,
 * the FINGERPRINT attribute, XOR-ed with 0x5354554e ("STUN" in ASCII).
 *
 * Why: when STUN shares a port with other protocols (RTP, DTLS), a valid
 * fingerprint is strong evidence that a packet is STUN (RFC 8489 §7). The XOR
 * keeps the value apart from the CRC-32 that other protocols in the packet
 * might carry themselves. As with MESSAGE-INTEGRITY, the header's length is
 * set to point to the end of the FINGERPRINT attribute before the CRC is
 * taken; FINGERPRINT is last, so that is the message's own length.
 *
 * The CRC is node:zlib's (IEEE 802.3 polynomial, as RFC 1952 and RFC 8489 ask).
 */

import { crc32 } from 'node:zlib';
import { HEADER_LENGTH, readU16, readU32, writeU16 } from './header.js';
import { AttributeType } from './attribute-types.js';
import type { DecodedStunMessage } from './message-types.js';

/** "STUN" in ASCII, XOR-ed into the CRC (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

/** The FINGERPRINT value for an attribute whose header starts at `attributeOffset` of `message`. */
export function computeFingerprint(message: Uint8Array, attributeOffset: number): number {
  const header = message.slice(0, HEADER_LENGTH);
  writeU16(header, 2, attributeOffset - HEADER_LENGTH + 8);
  const crc = crc32(message.subarray(HEADER_LENGTH, attributeOffset), crc32(header));
  return (crc ^ FINGERPRINT_XOR) >>> 0;
}

/** The outcome of `verifyFingerprint`: ok, absent, or a mismatch. */
export type FingerprintCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'absent' | 'mismatch'; readonly message: string };

/** Checks the FINGERPRINT of a decoded message. */
export function verifyFingerprint(message: DecodedStunMessage): FingerprintCheck {
  const offset = message.fingerprintOffset;
  if (offset === undefined) return { ok: false, reason: 'absent', message: 'the message carries no FINGERPRINT' };
  const received = readU32(message.raw, offset + 4);
  const expected = computeFingerprint(message.raw, offset);
  if (received === expected) return { ok: true };
  return {
    ok: false,
    reason: 'mismatch',
    message: `FINGERPRINT is 0x${hex32(received)} but the message's CRC gives 0x${hex32(expected)}`,
  };
}

/**
 * For demultiplexing undecoded bytes: true if the last 8 bytes are a
 * FINGERPRINT attribute whose value is right for the bytes before it. Assumes
 * nothing else about `bytes` and never throws.
 */
export function hasValidFingerprint(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_LENGTH + 8 || bytes.length % 4 !== 0) return false;
  const at = bytes.length - 8;
  if (readU16(bytes, at) !== AttributeType.FINGERPRINT || readU16(bytes, at + 2) !== 4) return false;
  return readU32(bytes, at + 4) === computeFingerprint(bytes, at);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
