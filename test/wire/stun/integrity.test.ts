import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  verifyIntegrity,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  verifyStunMessage,
  type DecodedStunMessage,
  type StunMessage,
} from '../../../src/wire/stun/index.js';
import { computeIntegrity } from '../../../src/wire/stun/integrity.js';
import { bodyAttribute, key as keyArb, method, stunClass, transactionId } from './arbitraries.js';

function decode(bytes: Uint8Array): DecodedStunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

/** Messages that end with an integrity attribute (and maybe FINGERPRINT), the shape every authenticated STUN message has. */
const signedMessage = fc
  .record({
    method,
    class: stunClass,
    transactionId,
    body: fc.array(bodyAttribute, { maxLength: 6 }),
    integrity: fc.constantFrom(['MESSAGE-INTEGRITY'], ['MESSAGE-INTEGRITY-SHA256'], ['MESSAGE-INTEGRITY', 'MESSAGE-INTEGRITY-SHA256']),
    fingerprint: fc.boolean(),
  })
  .map(
    ({ body, integrity, fingerprint, ...rest }): StunMessage => ({
      ...rest,
      attributes: [
        ...body,
        ...integrity.map((type) => ({ type }) as { type: 'MESSAGE-INTEGRITY' | 'MESSAGE-INTEGRITY-SHA256' }),
        ...(fingerprint ? [{ type: 'FINGERPRINT' } as const] : []),
      ],
    }),
  );

describe('integrity detects tampering', () => {
  test.prop([signedMessage, keyArb, fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 1000 })(
    'any single-byte change makes decoding or verification fail',
    (message, key, at, delta) => {
      const bytes = encodeStunMessage(message, { key });
      const hasFingerprint = message.attributes.some((a) => a.type === 'FINGERPRINT');
      // With both MI and MI-SHA256, a change to MI-SHA256's type turns it into an ignored attribute and
      // MI alone still holds: a bid-down, which requireIntegritySha256 refuses (RFC 8489 §9.2).
      const hasSha256 = message.attributes.some((a) => a.type === 'MESSAGE-INTEGRITY-SHA256');
      const tampered = bytes.slice();
      const i = at % bytes.length;
      tampered[i] = ((tampered[i] as number) + delta) & 0xff;
      const result = decodeStunMessage(tampered);
      if (!result.ok) return; // refused outright: detected
      expect(verifyStunMessage(result.message, { key, requireFingerprint: hasFingerprint, requireIntegritySha256: hasSha256 }).ok).toBe(false);
    },
  );

  test.prop([signedMessage, keyArb, keyArb])('a different key is refused', (message, key, otherKey) => {
    fc.pre(Buffer.compare(key, otherKey) !== 0);
    const decoded = decode(encodeStunMessage(message, { key }));
    expect(verifyIntegrity(decoded, key).ok).toBe(true);
    expect(verifyIntegrity(decoded, otherKey)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});

describe('which check failed', () => {
  const base: StunMessage = { method: StunMethod.Binding, class: 'request', transactionId: new Uint8Array(12), attributes: [] };
  const key = new Uint8Array([9, 9, 9]);

  it('reports an absent MESSAGE-INTEGRITY', () => {
    const decoded = decode(encodeStunMessage(base));
    expect(verifyMessageIntegrity(decoded, key)).toMatchObject({ ok: false, attribute: 'MESSAGE-INTEGRITY', reason: 'absent' });
    expect(verifyMessageIntegritySha256(decoded, key)).toMatchObject({ ok: false, attribute: 'MESSAGE-INTEGRITY-SHA256', reason: 'absent' });
    expect(verifyStunMessage(decoded, { key })).toMatchObject({ ok: false, reason: 'absent' });
    expect(verifyStunMessage(decoded)).toEqual({ ok: true });
  });

  it('prefers MESSAGE-INTEGRITY-SHA256 when both are present (RFC 8489 §9.1.3)', () => {
    const decoded = decode(
      encodeStunMessage({ ...base, attributes: [{ type: 'MESSAGE-INTEGRITY' }, { type: 'MESSAGE-INTEGRITY-SHA256' }] }, { key }),
    );
    expect(verifyIntegrity(decoded, key)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY-SHA256' });
    expect(verifyMessageIntegrity(decoded, key)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY' });
  });

  it('reports a FINGERPRINT mismatch before looking at integrity', () => {
    const bytes = encodeStunMessage({ ...base, attributes: [{ type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }] }, { key });
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expect(verifyStunMessage(decode(bytes), { key })).toMatchObject({ ok: false, failed: 'FINGERPRINT', reason: 'mismatch' });
  });

  it('refuses a stripped MESSAGE-INTEGRITY-SHA256 only when asked to (bid-down)', () => {
    const bytes = encodeStunMessage({ ...base, attributes: [{ type: 'MESSAGE-INTEGRITY' }, { type: 'MESSAGE-INTEGRITY-SHA256' }] }, { key });
    bytes[44] = 0x01; // MESSAGE-INTEGRITY-SHA256 (0x001c) becomes 0x011c, an unknown attribute after MI: ignored
    const decoded = decode(bytes);
    expect(decoded.ignoredAfterIntegrity).toEqual([0x011c]);
    expect(verifyStunMessage(decoded, { key })).toEqual({ ok: true });
    expect(verifyStunMessage(decoded, { key, requireIntegritySha256: true })).toMatchObject({
      ok: false,
      failed: 'MESSAGE-INTEGRITY-SHA256',
      reason: 'absent',
    });
  });

  it('checks a MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes (RFC 8489 §14.6)', () => {
    // Header with Message Length 20, then a 16-byte MESSAGE-INTEGRITY-SHA256 attribute.
    const bytes = encodeStunMessage(base).slice();
    const message = new Uint8Array(20 + 20);
    message.set(bytes);
    message[3] = 20;
    message.set([0x00, 0x1c, 0x00, 0x10], 20);
    message.set(computeIntegrity(message, 20, key, 'MESSAGE-INTEGRITY-SHA256', 16).subarray(0, 16), 24);
    expect(verifyMessageIntegritySha256(decode(message), key)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY-SHA256' });
    message[39] = message[39]! ^ 1;
    expect(verifyMessageIntegritySha256(decode(message), key)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});
