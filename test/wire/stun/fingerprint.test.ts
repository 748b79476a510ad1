import { fc, test } from '@fast-check/vitest';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FINGERPRINT_XOR,
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  hasValidFingerprint,
  verifyFingerprint,
} from '../../../src/wire/stun/index.js';
import { stunMessage } from './arbitraries.js';
import { RFC5769_IPV4_RESPONSE, RFC5769_LONG_TERM_REQUEST, RFC5769_REQUEST } from './vectors.js';

describe('FINGERPRINT', () => {
  it('is CRC-32 of the message before it, XOR 0x5354554e (RFC 5769 §2.2)', () => {
    const v = RFC5769_IPV4_RESPONSE;
    const expected = (crc32(v.subarray(0, v.length - 8)) ^ FINGERPRINT_XOR) >>> 0;
    expect(expected).toBe(0xc07d4c96);
  });

  it('hasValidFingerprint tells STUN with a fingerprint from other bytes', () => {
    expect(hasValidFingerprint(RFC5769_REQUEST)).toBe(true);
    expect(hasValidFingerprint(RFC5769_LONG_TERM_REQUEST)).toBe(false);
    const bad = RFC5769_REQUEST.slice();
    bad[30] = bad[30]! ^ 0x01;
    expect(hasValidFingerprint(bad)).toBe(false);
    expect(hasValidFingerprint(new Uint8Array(3))).toBe(false);
  });

  it('names the mismatching values', () => {
    const bytes = encodeStunMessage({ method: StunMethod.Binding, class: 'indication', transactionId: new Uint8Array(12), attributes: [{ type: 'FINGERPRINT' }] });
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    const result = decodeStunMessage(bytes);
    if (!result.ok) throw new Error(result.error.message);
    const check = verifyFingerprint(result.message);
    expect(check).toMatchObject({ ok: false, reason: 'mismatch' });
    if (!check.ok) expect(check.message).toMatch(/0x[0-9a-f]{8}.*0x[0-9a-f]{8}/);
  });

  test.prop([stunMessage, fc.uint8Array({ minLength: 1, maxLength: 16 })])('every encoded FINGERPRINT verifies', (message, key) => {
    const bytes = encodeStunMessage({ ...message, attributes: [...message.attributes.filter((a) => a.type !== 'FINGERPRINT'), { type: 'FINGERPRINT' }] }, { key });
    expect(hasValidFingerprint(bytes)).toBe(true);
  });
});
