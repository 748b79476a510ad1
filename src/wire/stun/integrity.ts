/**
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256
 * (HMAC-SHA256, RFC 8489 §14.6).
 *
 * The HMAC covers the message from its first byte up to, not including, the
 * integrity attribute, with one twist: the header's Message Length is first
 * set as if the integrity attribute were the last attribute, i.e. to point to
 * the end of it. Why: the sender cannot know yet whether FINGERPRINT (or
 * MESSAGE-INTEGRITY-SHA256) will follow, and a receiver must be able to
 * recompute the same bytes whatever follows. We never copy the message to do
 * this: the HMAC is fed a patched copy of the 20-byte header and then the
 * untouched attributes.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { HEADER_LENGTH, writeU16 } from './header.js';
import type { DecodedStunMessage } from './message-types.js';

/** The two integrity attributes: HMAC-SHA1 and HMAC-SHA256 (RFC 8489 §14.5, §14.6). */
export type IntegrityAttributeName = 'MESSAGE-INTEGRITY' | 'MESSAGE-INTEGRITY-SHA256';

/**
 * The HMAC that belongs in an integrity attribute whose header starts at
 * `attributeOffset` of `message` (bytes before it are final). For SHA256 the
 * full 32 bytes are returned.
 */
export function computeIntegrity(
  message: Uint8Array,
  attributeOffset: number,
  key: Uint8Array,
  attribute: IntegrityAttributeName,
  valueLength = attribute === 'MESSAGE-INTEGRITY' ? 20 : 32,
): Uint8Array {
  const header = message.slice(0, HEADER_LENGTH);
  writeU16(header, 2, attributeOffset - HEADER_LENGTH + 4 + valueLength);
  const hmac = createHmac(attribute === 'MESSAGE-INTEGRITY' ? 'sha1' : 'sha256', key);
  hmac.update(header);
  hmac.update(message.subarray(HEADER_LENGTH, attributeOffset));
  return hmac.digest();
}

/** The outcome of an integrity check; when it fails, which attribute and why. */
export type IntegrityCheck =
  | { readonly ok: true; readonly attribute: IntegrityAttributeName }
  | {
      readonly ok: false;
      readonly attribute: IntegrityAttributeName | 'MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256';
      readonly reason: 'absent' | 'mismatch';
      readonly message: string;
    };

/** Checks MESSAGE-INTEGRITY (HMAC-SHA1) of a decoded message with `key` (see credentials.ts). */
export function verifyMessageIntegrity(message: DecodedStunMessage, key: Uint8Array): IntegrityCheck {
  return check(message, key, 'MESSAGE-INTEGRITY', message.integrityOffset);
}

/** Checks MESSAGE-INTEGRITY-SHA256 of a decoded message with `key`, honouring truncation (RFC 8489 §14.6). */
export function verifyMessageIntegritySha256(message: DecodedStunMessage, key: Uint8Array): IntegrityCheck {
  return check(message, key, 'MESSAGE-INTEGRITY-SHA256', message.integritySha256Offset);
}

/**
 * Checks whichever integrity attribute counts: MESSAGE-INTEGRITY-SHA256 when
 * present, else MESSAGE-INTEGRITY. An agent that understands both uses the
 * stronger one and ignores the other (RFC 8489 §9.1.3, §9.2.4).
 */
export function verifyIntegrity(message: DecodedStunMessage, key: Uint8Array): IntegrityCheck {
  if (message.integritySha256Offset !== undefined) return verifyMessageIntegritySha256(message, key);
  if (message.integrityOffset !== undefined) return verifyMessageIntegrity(message, key);
  return {
    ok: false,
    attribute: 'MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256',
    reason: 'absent',
    message: 'the message carries neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256',
  };
}

function check(
  message: DecodedStunMessage,
  key: Uint8Array,
  attribute: IntegrityAttributeName,
  offset: number | undefined,
): IntegrityCheck {
  if (offset === undefined) {
    return { ok: false, attribute, reason: 'absent', message: `the message carries no ${attribute}` };
  }
  const raw = message.raw;
  const length = ((raw[offset + 2] as number) << 8) | (raw[offset + 3] as number);
  const received = raw.subarray(offset + 4, offset + 4 + length);
  const expected = computeIntegrity(raw, offset, key, attribute, length).subarray(0, length);
  if (expected.length === received.length && timingSafeEqual(expected, received)) return { ok: true, attribute };
  return {
    ok: false,
    attribute,
    reason: 'mismatch',
    message: `${attribute} does not match: wrong key, or the message was altered`,
  };
}
