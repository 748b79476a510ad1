import { fc } from '@fast-check/vitest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { WireEncodeError } from '../../../src/wire/errors.js';
import { ATTRIBUTES, definitionByCode, definitionOf, type StunAttribute } from '../../../src/wire/stun/attributes/table.js';
import {
  AttributeType,
  StunMethod,
  attributeName,
  decodeStunMessage,
  encodeStunMessage,
  isComprehensionRequired,
  type AttributeOf,
} from '../../../src/wire/stun/index.js';
import { bodyAttribute } from './arbitraries.js';

const names = Object.keys(ATTRIBUTES) as (keyof typeof ATTRIBUTES)[];
const transactionId = new Uint8Array(12).fill(7);

describe('the attribute table', () => {
  it('gives every attribute its own 16-bit code', () => {
    const codes = names.map((n) => ATTRIBUTES[n].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(Number.isInteger(code) && code >= 0 && code <= 0xffff).toBe(true);
  });

  it('is listed in the order of its codes (so AttributeType reads like the IANA registry)', () => {
    const codes = names.map((n) => ATTRIBUTES[n].code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
  });

  it('marks as computed exactly the three attributes computed over the message (RFC 8489 §14.5-14.7)', () => {
    expect(names.filter((n) => ATTRIBUTES[n].computed)).toEqual(['MESSAGE-INTEGRITY', 'MESSAGE-INTEGRITY-SHA256', 'FINGERPRINT']);
  });

  it('is what AttributeType, attributeName and the lookups read', () => {
    for (const name of names) {
      expect(AttributeType[name]).toBe(ATTRIBUTES[name].code);
      expect(attributeName(ATTRIBUTES[name].code)).toBe(name);
      expect(definitionByCode(ATTRIBUTES[name].code)?.name).toBe(name);
      expect(definitionOf(name)?.code).toBe(ATTRIBUTES[name].code);
    }
  });

  it('knows no code that is not in it, and no name', () => {
    for (const code of [0x0000, 0x0002, 0x0040, 0x7fff, 0x8000, 0x803f, 0xffff, 1.5, -1, 0x10001]) {
      expect(attributeName(code)).toBeUndefined();
    }
    for (const name of ['toString', 'constructor', '__proto__', 'xor-mapped-address', '']) expect(definitionOf(name)).toBeUndefined();
  });

  it('splits comprehension-required from optional at 0x8000 (RFC 8489 §14)', () => {
    expect(isComprehensionRequired(ATTRIBUTES['XOR-MAPPED-ADDRESS'].code)).toBe(true);
    expect(isComprehensionRequired(ATTRIBUTES.SOFTWARE.code)).toBe(false);
  });

  it('has a test arbitrary for every attribute it defines', () => {
    const generated = new Set<string>(fc.sample(bodyAttribute, { numRuns: 5000, seed: 13 }).map((a) => a.type));
    const computed = names.filter((n) => ATTRIBUTES[n].computed);
    expect(names.filter((n) => !generated.has(n) && !computed.includes(n))).toEqual([]);
  });
});

describe('encoding a type the table does not hold', () => {
  const encode = (attributes: readonly unknown[]): Uint8Array =>
    encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId, attributes: attributes as StunAttribute[] });

  it('is a typed error, not a crash', () => {
    for (const type of ['NO-SUCH-ATTRIBUTE', 'toString', '__proto__']) {
      expect(() => encode([{ type, value: 1 }])).toThrow(WireEncodeError);
      try {
        encode([{ type, value: 1 }]);
      } catch (error) {
        expect((error as WireEncodeError).code).toBe('unknown-attribute');
      }
    }
  });

  it("keeps an 'unknown' attribute's bytes as given, even under a known code", () => {
    // 20 bytes under MESSAGE-INTEGRITY's code: written as they are, not computed (and no key needed).
    const value = new Uint8Array(20).fill(0xab);
    const bytes = encode([{ type: 'unknown', code: AttributeType['MESSAGE-INTEGRITY'], value }]);
    const result = decodeStunMessage(bytes);
    expect(result.ok && result.message.attributes).toEqual([{ type: 'MESSAGE-INTEGRITY', value }]);
  });
});

describe('the StunAttribute union, derived from the table', () => {
  it('has the value type of each codec', () => {
    expectTypeOf<AttributeOf<'XOR-MAPPED-ADDRESS'>['value']>().toEqualTypeOf<{ readonly address: string; readonly port: number }>();
    expectTypeOf<AttributeOf<'USERNAME'>['value']>().toEqualTypeOf<string>();
    expectTypeOf<AttributeOf<'ICE-CONTROLLING'>['value']>().toEqualTypeOf<bigint>();
    expectTypeOf<AttributeOf<'UNKNOWN-ATTRIBUTES'>['value']>().toEqualTypeOf<readonly number[]>();
  });

  it('leaves out the value of a computed attribute and has none for a flag', () => {
    expectTypeOf<AttributeOf<'MESSAGE-INTEGRITY'>>().toEqualTypeOf<{ readonly type: 'MESSAGE-INTEGRITY'; readonly value?: Uint8Array }>();
    expectTypeOf<AttributeOf<'FINGERPRINT'>>().toEqualTypeOf<{ readonly type: 'FINGERPRINT'; readonly value?: number }>();
    expectTypeOf<AttributeOf<'USE-CANDIDATE'>>().toEqualTypeOf<{ readonly type: 'USE-CANDIDATE' }>();
  });

  it("keeps what it does not know as 'unknown'", () => {
    expectTypeOf<AttributeOf<'unknown'>>().toEqualTypeOf<{ readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array }>();
  });
});
