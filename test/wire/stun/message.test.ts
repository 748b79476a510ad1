import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WireEncodeError } from '../../../src/wire/errors.js';
import {
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  verifyStunMessage,
  type StunAttribute,
  type StunDecodeResult,
  type StunMessage,
} from '../../../src/wire/stun/index.js';
import { key as keyArb, stunMessage, withoutComputedValues } from './arbitraries.js';
import { RFC5769_IPV4_RESPONSE, RFC5769_REQUEST } from './vectors.js';

const txid = new Uint8Array(12).fill(7);
const binding = (attributes: StunAttribute[] = []): StunMessage => ({
  method: StunMethod.Binding,
  class: 'request',
  transactionId: txid,
  attributes,
});

function errorOf(result: StunDecodeResult): { code: string; offset: number } {
  if (result.ok) throw new Error('expected a decode error');
  return { code: result.error.code, offset: result.error.offset };
}

/** A message built by hand: header for `attributeBytes`, then the bytes. */
function raw(attributeBytes: number[], type = 0x0001): Uint8Array {
  const out = new Uint8Array(20 + attributeBytes.length);
  out[0] = type >> 8;
  out[1] = type & 0xff;
  out[2] = attributeBytes.length >> 8;
  out[3] = attributeBytes.length & 0xff;
  out.set([0x21, 0x12, 0xa4, 0x42], 4);
  out.set(txid, 8);
  out.set(attributeBytes, 20);
  return out;
}

describe('decodeStunMessage: header checks, each with its code and offset', () => {
  it.each([
    ['too-short', new Uint8Array(19), 19],
    ['bad-leading-bits', (() => { const b = encodeStunMessage(binding()); b[0] = 0x40; return b; })(), 0],
    ['length-not-multiple-of-4', (() => { const b = encodeStunMessage(binding()); b[3] = 2; return b; })(), 2],
    ['bad-magic-cookie', (() => { const b = encodeStunMessage(binding()); b[5] = 0; return b; })(), 4],
    ['length-mismatch', (() => { const b = encodeStunMessage(binding()); b[3] = 4; return b; })(), 2],
  ] as const)('%s', (code, bytes, offset) => {
    const result = decodeStunMessage(bytes);
    expect(errorOf(result)).toEqual({ code, offset });
    if (!result.ok) expect(result.error.message.length).toBeGreaterThan(10);
  });

  it('refuses a datagram with bytes beyond the announced length', () => {
    const b = new Uint8Array(28);
    b.set(encodeStunMessage(binding()));
    expect(errorOf(decodeStunMessage(b)).code).toBe('length-mismatch');
  });
});

describe('decodeStunMessage: attribute checks', () => {
  it('attribute-overflow: an attribute longer than the message', () => {
    expect(errorOf(decodeStunMessage(raw([0x80, 0x22, 0x00, 0x09, 0x61, 0x62, 0x63, 0x64])))).toEqual({
      code: 'attribute-overflow',
      offset: 22,
    });
  });

  it('bad-address-family, at the family byte', () => {
    const bytes = raw([0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0x12, 0x34, 1, 2, 3, 4]);
    expect(errorOf(decodeStunMessage(bytes))).toEqual({ code: 'bad-address-family', offset: 25 });
  });

  it('bad-attribute-length: an IPv4 address of the wrong size, PRIORITY of 2 bytes, USE-CANDIDATE with a value', () => {
    expect(errorOf(decodeStunMessage(raw([0x00, 0x01, 0x00, 0x0c, 0, 1, 0, 80, 1, 2, 3, 4, 5, 6, 7, 8]))).code).toBe('bad-attribute-length');
    expect(errorOf(decodeStunMessage(raw([0x00, 0x24, 0x00, 0x02, 1, 2, 0, 0]))).code).toBe('bad-attribute-length');
    expect(errorOf(decodeStunMessage(raw([0x00, 0x25, 0x00, 0x01, 1, 0, 0, 0]))).code).toBe('bad-attribute-length');
  });

  it('invalid-utf8 in a text attribute', () => {
    expect(errorOf(decodeStunMessage(raw([0x00, 0x06, 0x00, 0x02, 0xc3, 0x28, 0, 0])))).toEqual({ code: 'invalid-utf8', offset: 24 });
  });

  it('bad-error-code for class 2', () => {
    expect(errorOf(decodeStunMessage(raw([0x00, 0x09, 0x00, 0x04, 0, 0, 2, 0]))).code).toBe('bad-error-code');
  });

  it('attribute-after-fingerprint', () => {
    const bytes = encodeStunMessage(binding([{ type: 'FINGERPRINT' }]));
    const longer = raw([...bytes.subarray(20), 0x80, 0x22, 0x00, 0x00]);
    expect(errorOf(decodeStunMessage(longer))).toEqual({ code: 'attribute-after-fingerprint', offset: 28 });
  });
});

describe('unknown attributes', () => {
  it('keeps comprehension-optional ones and re-encodes them byte-exact', () => {
    const bytes = raw([0x80, 0x99, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00]);
    const result = decodeStunMessage(bytes);
    expect(result.ok && result.message.attributes).toEqual([{ type: 'unknown', code: 0x8099, value: new Uint8Array([0xaa, 0xbb, 0xcc]) }]);
    expect(result.ok && result.message.unknownRequired).toEqual([]);
    if (result.ok) expect(encodeStunMessage(result.message)).toEqual(bytes);
  });

  it('lists comprehension-required ones in unknownRequired', () => {
    const result = decodeStunMessage(raw([0x00, 0x7f, 0x00, 0x00, 0x7f, 0xff, 0x00, 0x00]));
    expect(result.ok && result.message.unknownRequired).toEqual([0x007f, 0x7fff]);
  });
});

describe('attributes after MESSAGE-INTEGRITY (RFC 8489 §14.5)', () => {
  it('are ignored, except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT', () => {
    const key = new Uint8Array([1, 2, 3]);
    const signed = encodeStunMessage(binding([{ type: 'USERNAME', value: 'u' }, { type: 'MESSAGE-INTEGRITY' }]), { key });
    // Append SOFTWARE and an unknown required attribute after MI: both ignored, MI still verifies.
    const extended = raw([...signed.subarray(20), 0x80, 0x22, 0x00, 0x01, 0x41, 0, 0, 0, 0x00, 0x7e, 0x00, 0x00]);
    const result = decodeStunMessage(extended);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.message.attributes.map((a) => a.type)).toEqual(['USERNAME', 'MESSAGE-INTEGRITY']);
    expect(result.message.ignoredAfterIntegrity).toEqual([0x8022, 0x007e]);
    expect(result.message.unknownRequired).toEqual([]);
    expect(verifyStunMessage(result.message, { key })).toEqual({ ok: true });
  });
});

describe('encodeStunMessage: typed errors for invalid input', () => {
  const cases: [string, () => unknown][] = [
    ['invalid-transaction-id', () => encodeStunMessage({ ...binding(), transactionId: new Uint8Array(11) })],
    ['invalid-method', () => encodeStunMessage({ ...binding(), method: 0x1000 })],
    ['invalid-port', () => encodeStunMessage(binding([{ type: 'XOR-MAPPED-ADDRESS', value: { address: '1.2.3.4', port: 65536 } }]))],
    ['invalid-address', () => encodeStunMessage(binding([{ type: 'MAPPED-ADDRESS', value: { address: '1.2.3', port: 1 } }]))],
    ['invalid-error-code', () => encodeStunMessage(binding([{ type: 'ERROR-CODE', value: { code: 299, reason: '' } }]))],
    ['invalid-integer', () => encodeStunMessage(binding([{ type: 'PRIORITY', value: -1 }]))],
    ['invalid-integer', () => encodeStunMessage(binding([{ type: 'ICE-CONTROLLING', value: 2n ** 64n }]))],
    ['value-too-long', () => encodeStunMessage(binding([{ type: 'USERNAME', value: 'x'.repeat(509) }]))],
    ['value-too-long', () => encodeStunMessage(binding([{ type: 'SOFTWARE', value: 'é'.repeat(128) }]))],
    ['value-too-long', () => encodeStunMessage(binding([{ type: 'USERHASH', value: new Uint8Array(31) }]))],
    ['missing-key', () => encodeStunMessage(binding([{ type: 'MESSAGE-INTEGRITY' }]))],
    ['message-too-long', () => encodeStunMessage(binding([{ type: 'DATA', value: new Uint8Array(40000) }, { type: 'DATA', value: new Uint8Array(40000) }]))],
  ];
  it.each(cases)('%s', (code, run) => {
    expect(run).toThrow(WireEncodeError);
    try {
      run();
    } catch (e) {
      expect((e as WireEncodeError).code).toBe(code);
    }
  });
});

describe('properties', () => {
  test.prop([stunMessage, keyArb], { numRuns: 500 })('encode -> decode gives back the message, and its checks pass', (message, key) => {
    const bytes = encodeStunMessage(message, { key });
    expect(bytes.length % 4).toBe(0);
    const result = decodeStunMessage(bytes);
    if (!result.ok) throw new Error(result.error.message);
    const decoded = result.message;
    expect(decoded.method).toBe(message.method);
    expect(decoded.class).toBe(message.class);
    expect(decoded.transactionId).toEqual(message.transactionId);
    expect(withoutComputedValues(decoded.attributes)).toEqual(message.attributes);
    expect(verifyStunMessage(decoded, { key: decoded.integrityOffset !== undefined || decoded.integritySha256Offset !== undefined ? key : undefined })).toEqual({ ok: true });
    // Decoding and encoding again is the identity on bytes.
    expect(encodeStunMessage(decoded, { key })).toEqual(bytes);
  });

  test.prop([fc.uint8Array({ maxLength: 200 })], { numRuns: 2000 })('decode never throws on arbitrary bytes', (bytes) => {
    const result = decodeStunMessage(bytes);
    if (!result.ok) expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.nat(0xffff) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
    const out = bytes.slice();
    const at = m.at % Math.max(1, out.length);
    switch (m.kind) {
      case 'flip':
        out[at] = (out[at] ?? 0) ^ (1 << m.bit);
        return out;
      case 'truncate':
        return out.subarray(0, at);
      case 'set':
        out[at] = m.value;
        return out;
      case 'length': {
        // A 16-bit length field: the header's (offset 2) or an attribute's (offset 4k + 2).
        const field = at < 20 ? 2 : (at & ~3) + 2;
        if (field + 1 < out.length) {
          out[field] = m.value >> 8;
          out[field + 1] = m.value & 0xff;
        }
        return out;
      }
    }
  }

  test.prop([stunMessage, keyArb, fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 2000 })(
    'decode never throws on mutations of valid messages',
    (message, key, mutations) => {
      const bytes = mutations.reduce(mutate, encodeStunMessage(message, { key }));
      const result = decodeStunMessage(bytes);
      if (!result.ok) {
        expect(result.error.offset).toBeGreaterThanOrEqual(0);
        expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
      }
    },
  );

  it('decodes the RFC 5769 vectors after every possible single truncation without throwing', () => {
    for (const vector of [RFC5769_REQUEST, RFC5769_IPV4_RESPONSE]) {
      for (let n = 0; n <= vector.length; n++) expect(() => decodeStunMessage(vector.subarray(0, n))).not.toThrow();
    }
  });
});
