/**
 * The STUN attributes this library understands: one entry per attribute, by
 * its RFC name, holding everything the codec knows of it. Encoding, decoding,
 * `describeStunMessage` and the typed `StunAttribute` union all read this
 * table, so a new attribute is one entry here (and, if its format is new, one
 * codec beside the others).
 *
 * An entry is the attribute's type code, the codec of its value (shared by
 * the attributes of the same format), and how `describe` shows the value.
 *
 * Code points from the IANA "STUN Attributes" registry: RFC 8489 §18.3 (STUN),
 * RFC 8445 §16.1 (ICE), RFC 8656 §18 (TURN). Types below 0x8000 are
 * comprehension-required: a receiver that does not know one must reject the
 * message (a request with 420, RFC 8489 §6.3.1.1). Types from 0x8000 up are
 * comprehension-optional: a receiver may ignore them.
 */

import type { TransportAddress } from '../../../io/address.js';
import { describeAddress, plainAddress, xorAddress } from './address.js';
import { describeFingerprint, fingerprint, fixedBytes, messageIntegrity, messageIntegritySha256, opaque } from './bytes.js';
import { describeAsIs, describeBytes, describePresence, hex4, type JsonValue, type ValueCodec } from './codec.js';
import { attributeTypes, describeAlgorithm, describeAlgorithms, passwordAlgorithm, passwordAlgorithms } from './lists.js';
import {
  describeAddressFamily,
  describeChannelNumber,
  describeEvenPort,
  describeTieBreaker,
  describeTransport,
  empty,
  evenPort,
  tieBreaker,
  u16ThenRffu,
  u32,
  u8ThenRffu,
} from './numbers.js';
import { describeErrorCode, errorCode, shortText, username } from './text.js';

/** One entry of the table. `V` is the typed value; `Computed` marks a value the encoder computes. */
export interface AttributeDefinition<Code extends number = number, V = unknown, Computed extends boolean = boolean> {
  /** The type code, from the IANA registry. */
  readonly code: Code;
  readonly codec: ValueCodec<V>;
  /** The value as JSON, for `describeStunMessage` and `rtc-machines stun decode`. */
  describe(value: V): JsonValue;
  /**
   * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed
   * by the encoder over the message, wherever they stand in the attribute
   * list: their value is filled in by the decoder and may be left out when
   * encoding.
   */
  readonly computed: Computed;
}

function attribute<Code extends number, V>(
  code: Code,
  codec: ValueCodec<V>,
  describe: (value: NoInfer<V>) => JsonValue,
): AttributeDefinition<Code, V, false> {
  return { code, codec, describe, computed: false };
}

function computed<Code extends number, V>(
  code: Code,
  codec: ValueCodec<V | undefined>,
  describe: (value: NoInfer<V> | undefined) => JsonValue,
): AttributeDefinition<Code, V | undefined, true> {
  return { code, codec, describe, computed: true };
}

/** In the order of their codes. */
export const ATTRIBUTES = {
  /** RFC 8489 §14.1: the reflexive address, in the clear (RFC 3489 servers send only this). */
  'MAPPED-ADDRESS': attribute(0x0001, plainAddress, describeAddress),
  /** RFC 8489 §14.3: at most 508 bytes. */
  USERNAME: attribute(0x0006, username, describeAsIs),
  /** RFC 8489 §14.5: HMAC-SHA1, 20 bytes. */
  'MESSAGE-INTEGRITY': computed(0x0008, messageIntegrity, describeBytes),
  /** RFC 8489 §14.8. */
  'ERROR-CODE': attribute(0x0009, errorCode, describeErrorCode),
  /** RFC 8489 §14.13: the comprehension-required types a 420 response did not understand. */
  'UNKNOWN-ATTRIBUTES': attribute(0x000a, attributeTypes, describeAttributeTypes),
  /** RFC 8656 §18.1: any 16-bit number; whether it is a valid channel (0x4000-0x4FFF) is for the server to judge (§11.2). */
  'CHANNEL-NUMBER': attribute(0x000c, u16ThenRffu, describeChannelNumber),
  /** RFC 8656 §18.2: seconds. */
  LIFETIME: attribute(0x000d, u32, describeAsIs),
  /** RFC 8656 §18.3: may repeat in CreatePermission (§10.1). */
  'XOR-PEER-ADDRESS': attribute(0x0012, xorAddress, describeAddress),
  /** RFC 8656 §18.4. */
  DATA: attribute(0x0013, opaque, describeBytes),
  /** RFC 8489 §14.9. */
  REALM: attribute(0x0014, shortText, describeAsIs),
  /** RFC 8489 §14.10. */
  NONCE: attribute(0x0015, shortText, describeAsIs),
  /** RFC 8656 §18.5. */
  'XOR-RELAYED-ADDRESS': attribute(0x0016, xorAddress, describeAddress),
  /**
   * RFC 8656 §18.8: the Family octet as sent (0x01 IPv4, 0x02 IPv6, see `FamilyOctet`). Kept as a
   * number because a server answers an unknown family with 440, not 400 (§7.2).
   */
  'REQUESTED-ADDRESS-FAMILY': attribute(0x0017, u8ThenRffu, describeAddressFamily),
  /** RFC 8656 §18.9: the R bit, reserve the next-higher port too. */
  'EVEN-PORT': attribute(0x0018, evenPort, describeEvenPort),
  /** RFC 8656 §18.11: an IANA protocol number; 17 is UDP. */
  'REQUESTED-TRANSPORT': attribute(0x0019, u8ThenRffu, describeTransport),
  /** RFC 8656 §18.10. */
  'DONT-FRAGMENT': attribute(0x001a, empty, describePresence),
  /** RFC 8489 §14.6: HMAC-SHA256, 32 bytes, or truncated to no fewer than 16. */
  'MESSAGE-INTEGRITY-SHA256': computed(0x001c, messageIntegritySha256, describeBytes),
  /** RFC 8489 §14.12. */
  'PASSWORD-ALGORITHM': attribute(0x001d, passwordAlgorithm, describeAlgorithm),
  /** RFC 8489 §14.4: SHA-256(username ":" realm), 32 bytes. */
  USERHASH: attribute(0x001e, fixedBytes(32), describeBytes),
  /** RFC 8489 §14.2. */
  'XOR-MAPPED-ADDRESS': attribute(0x0020, xorAddress, describeAddress),
  /** RFC 8656 §18.14: 8 opaque bytes. */
  'RESERVATION-TOKEN': attribute(0x0022, fixedBytes(8), describeBytes),
  /** RFC 8445 §16.1. */
  PRIORITY: attribute(0x0024, u32, describeAsIs),
  /** RFC 8445 §16.1. */
  'USE-CANDIDATE': attribute(0x0025, empty, describePresence),
  /** RFC 8489 §14.11. */
  'PASSWORD-ALGORITHMS': attribute(0x8002, passwordAlgorithms, describeAlgorithms),
  /** RFC 8489 §14.14. */
  SOFTWARE: attribute(0x8022, shortText, describeAsIs),
  /** RFC 8489 §14.15. */
  'ALTERNATE-SERVER': attribute(0x8023, plainAddress, describeAddress),
  /** RFC 8489 §14.7. */
  FINGERPRINT: computed(0x8028, fingerprint, describeFingerprint),
  /** RFC 8445 §16.1: the 64-bit tie-breaker. */
  'ICE-CONTROLLED': attribute(0x8029, tieBreaker, describeTieBreaker),
  /** RFC 8445 §16.1: the 64-bit tie-breaker. */
  'ICE-CONTROLLING': attribute(0x802a, tieBreaker, describeTieBreaker),
};

type Table = typeof ATTRIBUTES;

/** The RFC name of an attribute of the table: `'XOR-MAPPED-ADDRESS'`, ... */
export type KnownAttributeName = keyof Table;

/** The variant of `StunAttribute` that a table entry defines. */
type VariantOf<N extends KnownAttributeName> =
  Table[N] extends AttributeDefinition<number, infer V, infer Computed>
    ? Computed extends true
      ? { readonly type: N; readonly value?: Exclude<V, undefined> }
      : [V] extends [undefined]
        ? { readonly type: N }
        : { readonly type: N; readonly value: V }
    : never;

/** An attribute this library does not know, kept as its type code and value bytes. */
export interface UnknownStunAttribute {
  readonly type: 'unknown';
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * A STUN attribute: `type` is its RFC name, `value` its decoded value (one
 * variant per entry of {@link ATTRIBUTES}, plus `unknown`).
 *
 * Byte-valued fields (DATA, USERHASH, ...) decoded from a message are views
 * into the decoded buffer, not copies. The value of MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT is filled in by the decoder and
 * ignored by the encoder.
 */
export type StunAttribute = { [N in KnownAttributeName]: VariantOf<N> }[KnownAttributeName] | UnknownStunAttribute;

/** An attribute's `type`: a name of the table, or `'unknown'`. */
export type StunAttributeName = StunAttribute['type'];

// Compile-time checks: no entry is called 'unknown', and the address attributes carry a TransportAddress.
const _noEntryIsUnknown: 'unknown' extends KnownAttributeName ? never : true = true;
const _addressesAreTransportAddresses: Extract<StunAttribute, { type: 'XOR-MAPPED-ADDRESS' }>['value'] extends TransportAddress
  ? true
  : never = true;
void _noEntryIsUnknown;
void _addressesAreTransportAddresses;

/** An entry with its name, as the encoder, decoder and `describe` look it up. */
export interface NamedDefinition extends AttributeDefinition {
  readonly name: StunAttributeName;
}

// The decoder looks up every attribute it reads by code. The registered codes
// cluster at the bottom of each half (0x0000-0x003F, 0x8000-0x803F), so those
// sit in a 128-slot array, which is faster than a Map; any other in the Map.
const byName = new Map<string, NamedDefinition>();
const byCode = new Map<number, NamedDefinition>();
const bySlot = new Array<NamedDefinition | undefined>(128).fill(undefined);
const hasSlot = (code: number): boolean => (code & 0x803f) === code;
const slotOf = (code: number): number => ((code >>> 15) << 6) | (code & 0x3f);
const codes: { [name: string]: number } = {};
for (const name of Object.keys(ATTRIBUTES) as KnownAttributeName[]) {
  const definition: NamedDefinition = { name, ...(ATTRIBUTES[name] as AttributeDefinition) };
  byName.set(name, definition);
  if (hasSlot(definition.code)) bySlot[slotOf(definition.code)] = definition;
  else byCode.set(definition.code, definition);
  codes[name] = definition.code;
}

/** The type code of each known attribute, by name: `AttributeType['XOR-MAPPED-ADDRESS']` is 0x0020. */
export const AttributeType = Object.freeze(codes) as { readonly [N in KnownAttributeName]: Table[N]['code'] };

/**
 * What the codec does with an attribute it does not know: keeps its bytes.
 * Its `code` is the attribute's own (`UnknownStunAttribute.code`), not this one's.
 */
export const UNKNOWN_ATTRIBUTE: NamedDefinition = { name: 'unknown', code: -1, codec: opaque, describe: describeBytes, computed: false };

/** The entry of a known attribute's name, `UNKNOWN_ATTRIBUTE` for `'unknown'`, else `undefined`. */
export function definitionOf(type: string): NamedDefinition | undefined {
  return byName.get(type) ?? (type === 'unknown' ? UNKNOWN_ATTRIBUTE : undefined);
}

/** The entry of a known type code, or `undefined`. */
export function definitionByCode(code: number): NamedDefinition | undefined {
  return hasSlot(code) ? bySlot[slotOf(code)] : byCode.get(code);
}

/** The RFC name of a known attribute type, or `undefined`. */
export function attributeName(type: number): KnownAttributeName | undefined {
  return definitionByCode(type)?.name as KnownAttributeName | undefined;
}

/** RFC 8489 §14: types 0x0000-0x7FFF must be understood by the receiver. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** UNKNOWN-ATTRIBUTES as `0x0012 (XOR-PEER-ADDRESS)`, or just the hex for a type nobody here knows. */
function describeAttributeTypes(value: readonly number[]): JsonValue {
  return value.map((t) => {
    const name = attributeName(t);
    return name === undefined ? hex4(t) : `${hex4(t)} (${name})`;
  });
}
