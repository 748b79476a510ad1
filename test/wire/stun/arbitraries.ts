/**
 * fast-check arbitraries for STUN messages whose encode -> decode round trip
 * is exact: addresses are generated as bytes and printed the canonical way,
 * text is well-formed Unicode within the RFC limits.
 */

import type { TransportAddress } from '../../../src/io/address.js';
import { fc } from '@fast-check/vitest';
import { formatIPv4, formatIPv6 } from '../../../src/io/ip.js';
import {
  AttributeType,
  StunMethod,
  attributeName,
  type StunAttribute,
  type StunClass,
  type StunMessage,
} from '../../../src/wire/stun/index.js';

export const transportAddress: fc.Arbitrary<TransportAddress> = fc.oneof(
  fc.record({ bytes: fc.uint8Array({ minLength: 4, maxLength: 4 }), port: fc.nat(0xffff) }).map(
    ({ bytes, port }): TransportAddress => ({ address: formatIPv4(bytes), port }),
  ),
  fc.record({ bytes: fc.uint8Array({ minLength: 16, maxLength: 16 }), port: fc.nat(0xffff) }).map(
    ({ bytes, port }): TransportAddress => ({ address: formatIPv6(bytes), port }),
  ),
);

const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });
const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength }).map((b) => new Uint8Array(b));
const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);
const algorithmEntry = fc.record({ algorithm: u16, parameters: bytes(0, 12) });

/** A type code this library does not know. */
const unknownCode = u16.filter((c) => attributeName(c) === undefined);

/** Every attribute that is not computed over the message (MESSAGE-INTEGRITY, -SHA256, FINGERPRINT). */
export const bodyAttribute: fc.Arbitrary<StunAttribute> = fc.oneof(
  transportAddress.map((value) => ({ type: 'MAPPED-ADDRESS', value }) as const),
  transportAddress.map((value) => ({ type: 'XOR-MAPPED-ADDRESS', value }) as const),
  transportAddress.map((value) => ({ type: 'ALTERNATE-SERVER', value }) as const),
  transportAddress.map((value) => ({ type: 'XOR-PEER-ADDRESS', value }) as const),
  transportAddress.map((value) => ({ type: 'XOR-RELAYED-ADDRESS', value }) as const),
  text(60).map((value) => ({ type: 'USERNAME', value }) as const),
  text(60).map((value) => ({ type: 'REALM', value }) as const),
  text(60).map((value) => ({ type: 'NONCE', value }) as const),
  text(60).map((value) => ({ type: 'SOFTWARE', value }) as const),
  fc.record({ code: fc.integer({ min: 300, max: 699 }), reason: text(40) }).map((value) => ({ type: 'ERROR-CODE', value }) as const),
  fc.array(u16, { maxLength: 9 }).map((value) => ({ type: 'UNKNOWN-ATTRIBUTES', value }) as const),
  bytes(32, 32).map((value) => ({ type: 'USERHASH', value }) as const),
  bytes(8, 8).map((value) => ({ type: 'RESERVATION-TOKEN', value }) as const),
  fc.array(algorithmEntry, { maxLength: 4 }).map((value) => ({ type: 'PASSWORD-ALGORITHMS', value }) as const),
  algorithmEntry.map((value) => ({ type: 'PASSWORD-ALGORITHM', value }) as const),
  u32.map((value) => ({ type: 'PRIORITY', value }) as const),
  u32.map((value) => ({ type: 'LIFETIME', value }) as const),
  u16.map((value) => ({ type: 'CHANNEL-NUMBER', value }) as const),
  fc.nat(0xff).map((value) => ({ type: 'REQUESTED-ADDRESS-FAMILY', value }) as const),
  fc.nat(0xff).map((value) => ({ type: 'REQUESTED-TRANSPORT', value }) as const),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: 'ICE-CONTROLLED', value }) as const),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: 'ICE-CONTROLLING', value }) as const),
  fc.boolean().map((value) => ({ type: 'EVEN-PORT', value }) as const),
  fc.constant({ type: 'USE-CANDIDATE' } as const),
  fc.constant({ type: 'DONT-FRAGMENT' } as const),
  bytes(0, 100).map((value) => ({ type: 'DATA', value }) as const),
  fc.record({ code: unknownCode, value: bytes(0, 24) }).map(({ code, value }) => ({ type: 'unknown', code, value }) as const),
);

const knownMethods = Object.values(StunMethod);
export const method: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...knownMethods), fc.nat(0xfff));
export const stunClass: fc.Arbitrary<StunClass> = fc.constantFrom('request', 'indication', 'success-response', 'error-response');
export const transactionId: fc.Arbitrary<Uint8Array> = bytes(12, 12);

/** The computed attributes, in the only order that makes them all count: MI, MI-SHA256, FINGERPRINT. */
export const trailer: fc.Arbitrary<StunAttribute[]> = fc
  .record({ mi: fc.boolean(), mi256: fc.boolean(), fp: fc.boolean() })
  .map(({ mi, mi256, fp }) => [
    ...(mi ? [{ type: 'MESSAGE-INTEGRITY' } as const] : []),
    ...(mi256 ? [{ type: 'MESSAGE-INTEGRITY-SHA256' } as const] : []),
    ...(fp ? [{ type: 'FINGERPRINT' } as const] : []),
  ]);

export const stunMessage: fc.Arbitrary<StunMessage> = fc
  .record({
    method,
    class: stunClass,
    transactionId,
    body: fc.array(bodyAttribute, { maxLength: 8 }),
    trailer,
  })
  .map(({ body, trailer, ...rest }) => ({ ...rest, attributes: [...body, ...trailer] }));

export const key: fc.Arbitrary<Uint8Array> = bytes(1, 40);

/** Drops the values the decoder fills in for computed attributes, so decoded and input attributes compare equal. */
export function withoutComputedValues(attributes: readonly StunAttribute[]): StunAttribute[] {
  return attributes.map((a) =>
    a.type === 'MESSAGE-INTEGRITY' || a.type === 'MESSAGE-INTEGRITY-SHA256' || a.type === 'FINGERPRINT' ? { type: a.type } : a,
  );
}

export { AttributeType };
