import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/wire/hex.js';
import {
  AttributeType,
  StunMethod,
  TRANSPORT_UDP,
  decodeStunMessage,
  encodeStunMessage,
  findAttribute,
  findAttributes,
  type StunAttribute,
} from '../../../src/wire/stun/index.js';
import { bodyAttribute } from './arbitraries.js';

const transactionId = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);

/** The attribute bytes (type, length, value, padding) that `a` encodes to. */
function attributeHex(a: StunAttribute): string {
  return bytesToHex(encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId, attributes: [a] }).subarray(20));
}

function roundTrip(attributes: StunAttribute[]): StunAttribute[] {
  const bytes = encodeStunMessage({ method: StunMethod.Allocate, class: 'request', transactionId, attributes });
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  return [...result.message.attributes];
}

describe('attribute layouts, byte for byte', () => {
  it.each<[string, StunAttribute, string]>([
    // RFC 5769 §2.2: 192.0.2.1:32853 under the vector's transaction id.
    ['XOR-MAPPED-ADDRESS IPv4', { type: 'XOR-MAPPED-ADDRESS', value: { address: '192.0.2.1', port: 32853 } }, '002000080001a147e112a643'],
    // RFC 5769 §2.3.
    [
      'XOR-MAPPED-ADDRESS IPv6',
      { type: 'XOR-MAPPED-ADDRESS', value: { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 } },
      '002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9',
    ],
    ['MAPPED-ADDRESS', { type: 'MAPPED-ADDRESS', value: { address: '192.0.2.1', port: 32853 } }, '0001000800018055c0000201'],
    ['ERROR-CODE 438', { type: 'ERROR-CODE', value: { code: 438, reason: 'Stale Nonce' } }, '0009000f000004265374616c65204e6f6e636500'],
    ['UNKNOWN-ATTRIBUTES, odd count padded', { type: 'UNKNOWN-ATTRIBUTES', value: [0x1234, 0x5678, 0x7fff] }, '000a0006123456787fff0000'],
    ['CHANNEL-NUMBER', { type: 'CHANNEL-NUMBER', value: 0x4001 }, '000c000440010000'],
    ['LIFETIME', { type: 'LIFETIME', value: 600 }, '000d000400000258'],
    ['REQUESTED-TRANSPORT UDP', { type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP }, '0019000411000000'],
    ['REQUESTED-ADDRESS-FAMILY IPv6', { type: 'REQUESTED-ADDRESS-FAMILY', value: 2 }, '0017000402000000'],
    ['EVEN-PORT with R', { type: 'EVEN-PORT', value: true }, '0018000180000000'],
    ['DONT-FRAGMENT', { type: 'DONT-FRAGMENT' }, '001a0000'],
    ['USE-CANDIDATE', { type: 'USE-CANDIDATE' }, '00250000'],
    ['ICE-CONTROLLING', { type: 'ICE-CONTROLLING', value: 0x0102030405060708n }, '802a00080102030405060708'],
    ['PRIORITY', { type: 'PRIORITY', value: 0x6e0001ff }, '002400046e0001ff'],
    ['DATA, padded', { type: 'DATA', value: new Uint8Array([1, 2, 3, 4, 5]) }, '001300050102030405000000'],
    ['RESERVATION-TOKEN', { type: 'RESERVATION-TOKEN', value: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }, '002200080102030405060708'],
    ['PASSWORD-ALGORITHMS MD5 + SHA-256', { type: 'PASSWORD-ALGORITHMS', value: [{ algorithm: 1, parameters: new Uint8Array() }, { algorithm: 2, parameters: new Uint8Array() }] }, '800200080001000000020000'],
    ['PASSWORD-ALGORITHM SHA-256', { type: 'PASSWORD-ALGORITHM', value: { algorithm: 2, parameters: new Uint8Array() } }, '001d000400020000'],
  ])('%s', (_name, attribute, hex) => {
    expect(attributeHex(attribute)).toBe(hex);
    expect(roundTrip([attribute])).toEqual([attribute]);
  });
});

describe('TURN attributes in a message', () => {
  it('XOR-PEER-ADDRESS may repeat; findAttributes returns all, findAttribute the first', () => {
    const peers: StunAttribute[] = [
      { type: 'XOR-PEER-ADDRESS', value: { address: '198.51.100.1', port: 5000 } },
      { type: 'XOR-PEER-ADDRESS', value: { address: '2001:db8::1', port: 5001 } },
    ];
    const message = { attributes: roundTrip(peers) };
    expect(findAttributes(message, 'XOR-PEER-ADDRESS').map((a) => a.value.port)).toEqual([5000, 5001]);
    expect(findAttribute(message, 'XOR-PEER-ADDRESS')?.value.address).toBe('198.51.100.1');
    expect(findAttribute(message, 'LIFETIME')).toBeUndefined();
  });

  it('every attribute of the brief has an RFC code point', () => {
    expect(AttributeType['XOR-RELAYED-ADDRESS']).toBe(0x0016);
    expect(AttributeType['MESSAGE-INTEGRITY-SHA256']).toBe(0x001c);
    expect(AttributeType.USERHASH).toBe(0x001e);
    expect(AttributeType['ICE-CONTROLLED']).toBe(0x8029);
  });
});

describe('value checks on decode', () => {
  const message = (attr: number[]): Uint8Array => {
    const out = new Uint8Array(20 + attr.length);
    out.set([0x00, 0x01, attr.length >> 8, attr.length & 0xff, 0x21, 0x12, 0xa4, 0x42], 0);
    out.set(attr, 20);
    return out;
  };
  it.each<[string, number[], string]>([
    ['EVEN-PORT of 4 bytes', [0x00, 0x18, 0x00, 0x04, 0x80, 0, 0, 0], 'bad-attribute-length'],
    ['CHANNEL-NUMBER of 2 bytes', [0x00, 0x0c, 0x00, 0x02, 0x40, 0x00, 0, 0], 'bad-attribute-length'],
    ['UNKNOWN-ATTRIBUTES of 3 bytes', [0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x02, 0], 'bad-attribute-length'],
    ['MESSAGE-INTEGRITY-SHA256 of 12 bytes', [0x00, 0x1c, 0x00, 0x0c, ...new Array<number>(12).fill(0)], 'bad-attribute-length'],
    ['PASSWORD-ALGORITHM with a wrong inner length', [0x00, 0x1d, 0x00, 0x04, 0x00, 0x01, 0x00, 0x04], 'bad-attribute-value'],
    ['PASSWORD-ALGORITHMS running past its end', [0x80, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x08], 'bad-attribute-value'],
    ['ERROR-CODE number 100', [0x00, 0x09, 0x00, 0x04, 0, 0, 4, 100], 'bad-error-code'],
  ])('%s', (_name, bytes, code) => {
    const result = decodeStunMessage(message(bytes));
    expect(result.ok ? 'ok' : result.error.code).toBe(code);
  });

  it('MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes is accepted', () => {
    const result = decodeStunMessage(message([0x00, 0x1c, 0x00, 0x10, ...new Array<number>(16).fill(9)]));
    expect(result.ok && result.message.attributes[0]).toMatchObject({ type: 'MESSAGE-INTEGRITY-SHA256' });
  });

  it('REQUESTED-ADDRESS-FAMILY keeps an unknown family (the server answers 440)', () => {
    const result = decodeStunMessage(message([0x00, 0x17, 0x00, 0x04, 0x07, 0, 0, 0]));
    expect(result.ok && result.message.attributes[0]).toEqual({ type: 'REQUESTED-ADDRESS-FAMILY', value: 7 });
  });
});

test.prop([bodyAttribute])('each attribute alone round-trips', (attribute) => {
  expect(roundTrip([attribute])).toEqual([attribute]);
});

test.prop([fc.array(bodyAttribute, { maxLength: 12 })])('padding keeps every attribute 4-aligned', (attributes) => {
  const bytes = encodeStunMessage({ method: StunMethod.Binding, class: 'indication', transactionId, attributes });
  let offset = 20;
  for (let i = 0; i < attributes.length; i++) {
    expect(offset % 4).toBe(0);
    const length = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
    offset += 4 + ((length + 3) & ~3);
  }
  expect(offset).toBe(bytes.length);
});
