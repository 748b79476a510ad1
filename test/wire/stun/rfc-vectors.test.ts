import { describe, expect, it } from 'vitest';
import {
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  findAttribute,
  longTermKey,
  shortTermKey,
  userHash,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  verifyStunMessage,
  type DecodedStunMessage,
} from '../../../src/wire/stun/index.js';
import * as V from './vectors.js';

function decode(bytes: Uint8Array): DecodedStunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(`decode failed: ${result.error.message}`);
  return result.message;
}

const rfcTransactionId = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);
const shortKey = shortTermKey(V.RFC5769_SHORT_TERM_PASSWORD);

describe('RFC 5769 §2.1 sample request', () => {
  const message = decode(V.RFC5769_REQUEST);

  it('decodes to a Binding request with the vector attributes', () => {
    expect(message.method).toBe(StunMethod.Binding);
    expect(message.class).toBe('request');
    expect(message.transactionId).toEqual(rfcTransactionId);
    expect(message.attributes.map((a) => a.type)).toEqual([
      'SOFTWARE',
      'PRIORITY',
      'ICE-CONTROLLED',
      'USERNAME',
      'MESSAGE-INTEGRITY',
      'FINGERPRINT',
    ]);
    expect(findAttribute(message, 'SOFTWARE')?.value).toBe('STUN test client');
    expect(findAttribute(message, 'PRIORITY')?.value).toBe(0x6e0001ff);
    expect(findAttribute(message, 'ICE-CONTROLLED')?.value).toBe(0x932ff9b151263b36n);
    expect(findAttribute(message, 'USERNAME')?.value).toBe('evtj:h6vY');
  });

  it('verifies MESSAGE-INTEGRITY with the short-term password, and FINGERPRINT', () => {
    expect(verifyMessageIntegrity(message, shortKey)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY' });
    expect(verifyFingerprint(message)).toEqual({ ok: true });
    expect(verifyStunMessage(message, { key: shortKey, requireFingerprint: true })).toEqual({ ok: true });
  });

  it('says which check fails with a wrong password', () => {
    const result = verifyStunMessage(message, { key: shortTermKey('wrong') });
    expect(result).toMatchObject({ ok: false, failed: 'MESSAGE-INTEGRITY', reason: 'mismatch' });
  });

  it('re-encodes to the identical bytes (padding with 0x20 as the vector does)', () => {
    expect(encodeStunMessage(message, { key: shortKey, padding: 0x20 })).toEqual(V.RFC5769_REQUEST);
  });
});

describe('RFC 5769 §2.2 sample IPv4 response', () => {
  const message = decode(V.RFC5769_IPV4_RESPONSE);

  it('decodes XOR-MAPPED-ADDRESS to 192.0.2.1:32853', () => {
    expect(message.class).toBe('success-response');
    expect(message.transactionId).toEqual(rfcTransactionId);
    expect(findAttribute(message, 'SOFTWARE')?.value).toBe('test vector');
    expect(findAttribute(message, 'XOR-MAPPED-ADDRESS')?.value).toEqual({ address: '192.0.2.1', port: 32853 });
  });

  it('verifies MESSAGE-INTEGRITY and FINGERPRINT', () => {
    expect(verifyStunMessage(message, { key: shortKey, requireFingerprint: true })).toEqual({ ok: true });
  });

  it('re-encodes to the identical bytes', () => {
    expect(encodeStunMessage(message, { key: shortKey, padding: 0x20 })).toEqual(V.RFC5769_IPV4_RESPONSE);
  });
});

describe('RFC 5769 §2.3 sample IPv6 response', () => {
  const message = decode(V.RFC5769_IPV6_RESPONSE);

  it('decodes XOR-MAPPED-ADDRESS to [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    expect(findAttribute(message, 'XOR-MAPPED-ADDRESS')?.value).toEqual({
      
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  it('verifies MESSAGE-INTEGRITY and FINGERPRINT', () => {
    expect(verifyStunMessage(message, { key: shortKey, requireFingerprint: true })).toEqual({ ok: true });
  });

  it('re-encodes to the identical bytes', () => {
    expect(encodeStunMessage(message, { key: shortKey, padding: 0x20 })).toEqual(V.RFC5769_IPV6_RESPONSE);
  });
});

describe('RFC 5769 §2.4 sample request with long-term authentication', () => {
  const message = decode(V.RFC5769_LONG_TERM_REQUEST);
  const key = longTermKey(V.RFC5769_LONG_TERM_USERNAME, V.RFC5769_REALM, V.RFC5769_LONG_TERM_PASSWORD);

  it('decodes USERNAME, NONCE and REALM', () => {
    expect(findAttribute(message, 'USERNAME')?.value).toBe(V.RFC5769_LONG_TERM_USERNAME);
    expect(findAttribute(message, 'NONCE')?.value).toBe(V.RFC5769_NONCE);
    expect(findAttribute(message, 'REALM')?.value).toBe(V.RFC5769_REALM);
  });

  it('verifies MESSAGE-INTEGRITY with MD5(username:realm:SASLprep(password)); the vector has no FINGERPRINT', () => {
    expect(verifyMessageIntegrity(message, key)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY' });
    // SASLprep maps the unprepared password to "TheMatrIX": both give the same key.
    expect(longTermKey(V.RFC5769_LONG_TERM_USERNAME, V.RFC5769_REALM, 'TheMatrIX')).toEqual(key);
    expect(verifyFingerprint(message)).toMatchObject({ ok: false, reason: 'absent' });
    expect(verifyStunMessage(message, { key })).toEqual({ ok: true });
    expect(verifyStunMessage(message, { key, requireFingerprint: true })).toMatchObject({ ok: false, failed: 'FINGERPRINT', reason: 'absent' });
  });

  it('re-encodes to the identical bytes', () => {
    expect(encodeStunMessage(message, { key })).toEqual(V.RFC5769_LONG_TERM_REQUEST);
  });
});

describe('RFC 8489 Appendix B.1 (erratum 6268): MESSAGE-INTEGRITY-SHA256 and USERHASH', () => {
  const message = decode(V.RFC8489_SHA256_REQUEST);
  const key = longTermKey(V.RFC5769_LONG_TERM_USERNAME, V.RFC5769_REALM, V.RFC5769_LONG_TERM_PASSWORD, 'SHA-256');

  it('carries USERHASH = SHA-256(username ":" realm)', () => {
    expect(findAttribute(message, 'USERHASH')?.value).toEqual(userHash(V.RFC5769_LONG_TERM_USERNAME, V.RFC5769_REALM));
    expect(findAttribute(message, 'NONCE')?.value).toBe(V.RFC8489_NONCE);
    expect(findAttribute(message, 'PASSWORD-ALGORITHM')?.value).toEqual({ algorithm: 2, parameters: new Uint8Array(0) });
  });

  it('verifies MESSAGE-INTEGRITY-SHA256 with the SHA-256 long-term key', () => {
    expect(verifyMessageIntegritySha256(message, key)).toEqual({ ok: true, attribute: 'MESSAGE-INTEGRITY-SHA256' });
    expect(verifyStunMessage(message, { key })).toEqual({ ok: true });
    const md5Key = longTermKey(V.RFC5769_LONG_TERM_USERNAME, V.RFC5769_REALM, V.RFC5769_LONG_TERM_PASSWORD, 'MD5');
    expect(verifyStunMessage(message, { key: md5Key })).toMatchObject({ ok: false, failed: 'MESSAGE-INTEGRITY-SHA256' });
  });

  it('re-encodes to the identical bytes', () => {
    expect(encodeStunMessage(message, { key })).toEqual(V.RFC8489_SHA256_REQUEST);
  });
});
