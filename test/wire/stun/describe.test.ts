import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeStunMessage, describeStunMessage, encodeStunMessage, type DecodedStunMessage } from '../../../src/wire/stun/index.js';
import { key as keyArb, stunMessage } from './arbitraries.js';
import * as V from './vectors.js';

function decode(bytes: Uint8Array): DecodedStunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

describe('describeStunMessage', () => {
  it('describes the RFC 5769 IPv4 response and checks it with the password', () => {
    const d = describeStunMessage(decode(V.RFC5769_IPV4_RESPONSE), { password: V.RFC5769_SHORT_TERM_PASSWORD });
    expect(d).toEqual({
      type: 'Binding success response',
      method: 'Binding',
      class: 'success-response',
      transactionId: 'b7e7a701bc34d686fa87dfae',
      length: 60,
      attributes: [
        { name: 'SOFTWARE', type: '0x8022', value: 'test vector' },
        { name: 'XOR-MAPPED-ADDRESS', type: '0x0020', value: { family: 'IPv4', address: '192.0.2.1', port: 32853 } },
        { name: 'MESSAGE-INTEGRITY', type: '0x0008', value: '2b91f599fd9e90c38c7489f92af9ba53f06be7d7' },
        { name: 'FINGERPRINT', type: '0x8028', value: '0xc07d4c96' },
      ],
      unknownRequired: [],
      ignoredAfterIntegrity: [],
      checks: { fingerprint: 'ok', messageIntegrity: 'ok' },
    });
  });

  it('derives the long-term key from username, realm (from the message) and password', () => {
    const d = describeStunMessage(decode(V.RFC5769_LONG_TERM_REQUEST), {
      username: V.RFC5769_LONG_TERM_USERNAME,
      password: V.RFC5769_LONG_TERM_PASSWORD,
    });
    expect(d['checks']).toEqual({ fingerprint: 'absent', messageIntegrity: 'ok' });
    const wrong = describeStunMessage(decode(V.RFC5769_LONG_TERM_REQUEST), { realm: 'example.org', username: 'x', password: 'y' });
    expect(wrong['checks']).toEqual({ fingerprint: 'absent', messageIntegrity: 'mismatch' });
  });

  it('uses SHA-256 when the message names it in PASSWORD-ALGORITHM', () => {
    const d = describeStunMessage(decode(V.RFC8489_SHA256_REQUEST), {
      username: V.RFC5769_LONG_TERM_USERNAME,
      password: V.RFC5769_LONG_TERM_PASSWORD,
    });
    expect(d['checks']).toEqual({ fingerprint: 'absent', messageIntegrity: 'absent', messageIntegritySha256: 'ok' });
  });

  it('says why it could not check', () => {
    const d = describeStunMessage(decode(V.RFC5769_IPV4_RESPONSE), { realm: 'r', password: 'p' });
    expect(d['checks']).toMatchObject({ messageIntegrity: expect.stringContaining('no USERNAME') });
  });

  test.prop([stunMessage, keyArb])('is JSON-serialisable for every message', (message, key) => {
    const d = describeStunMessage(decode(encodeStunMessage(message, { key })), { key });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.attributes).toHaveLength(message.attributes.length);
  });

  test.prop([fc.uint8Array({ maxLength: 64 })])('never throws on whatever decodes', (bytes) => {
    const r = decodeStunMessage(bytes);
    if (r.ok) expect(() => describeStunMessage(r.message, { password: 'x' })).not.toThrow();
  });
});
