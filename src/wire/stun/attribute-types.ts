/**
 * The STUN attributes this library understands, by their RFC names, and the
 * typed value each one carries.
 *
 * Code points from the IANA "STUN Attributes" registry: RFC 8489 §18.3 (STUN),
 * RFC 8445 §16.1 (ICE), RFC 8656 §18 (TURN). Types below 0x8000 are
 * comprehension-required: a receiver that does not know one must reject the
 * message (a request with 420, RFC 8489 §6.3.1.1). Types from 0x8000 up are
 * comprehension-optional: a receiver may ignore them.
 */

import type { TransportAddress } from '../../io/address.js';

export const AttributeType = {
  'MAPPED-ADDRESS': 0x0001,
  USERNAME: 0x0006,
  'MESSAGE-INTEGRITY': 0x0008,
  'ERROR-CODE': 0x0009,
  'UNKNOWN-ATTRIBUTES': 0x000a,
  'CHANNEL-NUMBER': 0x000c,
  LIFETIME: 0x000d,
  'XOR-PEER-ADDRESS': 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  'XOR-RELAYED-ADDRESS': 0x0016,
  'REQUESTED-ADDRESS-FAMILY': 0x0017,
  'EVEN-PORT': 0x0018,
  'REQUESTED-TRANSPORT': 0x0019,
  'DONT-FRAGMENT': 0x001a,
  'MESSAGE-INTEGRITY-SHA256': 0x001c,
  'PASSWORD-ALGORITHM': 0x001d,
  USERHASH: 0x001e,
  'XOR-MAPPED-ADDRESS': 0x0020,
  'RESERVATION-TOKEN': 0x0022,
  PRIORITY: 0x0024,
  'USE-CANDIDATE': 0x0025,
  'PASSWORD-ALGORITHMS': 0x8002,
  SOFTWARE: 0x8022,
  'ALTERNATE-SERVER': 0x8023,
  FINGERPRINT: 0x8028,
  'ICE-CONTROLLED': 0x8029,
  'ICE-CONTROLLING': 0x802a,
} as const;

export type KnownAttributeName = keyof typeof AttributeType;

const NAMES = new Map<number, KnownAttributeName>(
  (Object.entries(AttributeType) as [KnownAttributeName, number][]).map(([name, code]) => [code, name]),
);

/** The RFC name of a known attribute type, or `undefined`. */
export function attributeName(type: number): KnownAttributeName | undefined {
  return NAMES.get(type);
}

/** RFC 8489 §14: types 0x0000-0x7FFF must be understood by the receiver. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/**
 * The Family octet of the address attributes and of REQUESTED-ADDRESS-FAMILY
 * (RFC 8489 §14.1, RFC 8656 §18.8). An address value itself is the one
 * `TransportAddress` (src/io/address.ts): its family follows from its text.
 */
export const FamilyOctet = { IPv4: 0x01, IPv6: 0x02 } as const;

/** IANA "STUN Password Algorithms" (RFC 8489 §18.5). */
export const PasswordAlgorithm = { MD5: 0x0001, 'SHA-256': 0x0002 } as const;

/** One entry of PASSWORD-ALGORITHMS, or the value of PASSWORD-ALGORITHM (RFC 8489 §14.11, §14.12). */
export interface PasswordAlgorithmEntry {
  readonly algorithm: number;
  readonly parameters: Uint8Array;
}

/** ERROR-CODE (RFC 8489 §14.8): the code as a whole number (class × 100 + number) and its reason phrase. */
export interface ErrorCodeValue {
  readonly code: number;
  readonly reason: string;
}

/** IANA protocol number of UDP, the only REQUESTED-TRANSPORT of RFC 8656 §18.11. */
export const TRANSPORT_UDP = 17;

/**
 * A STUN attribute: `type` is its RFC name, `value` its decoded value.
 *
 * Byte-valued fields (DATA, USERHASH, ...) decoded from a message are views
 * into the decoded buffer, not copies.
 *
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed
 * by the encoder wherever they stand in the attribute list; their `value` is
 * filled in by the decoder and ignored by the encoder.
 */
export type StunAttribute =
  | { readonly type: 'MAPPED-ADDRESS'; readonly value: TransportAddress }
  | { readonly type: 'XOR-MAPPED-ADDRESS'; readonly value: TransportAddress }
  | { readonly type: 'USERNAME'; readonly value: string }
  /** SHA-256(username ":" realm), 32 bytes (RFC 8489 §14.4). */
  | { readonly type: 'USERHASH'; readonly value: Uint8Array }
  | { readonly type: 'MESSAGE-INTEGRITY'; readonly value?: Uint8Array }
  | { readonly type: 'MESSAGE-INTEGRITY-SHA256'; readonly value?: Uint8Array }
  | { readonly type: 'FINGERPRINT'; readonly value?: number }
  | { readonly type: 'ERROR-CODE'; readonly value: ErrorCodeValue }
  | { readonly type: 'UNKNOWN-ATTRIBUTES'; readonly value: readonly number[] }
  | { readonly type: 'REALM'; readonly value: string }
  | { readonly type: 'NONCE'; readonly value: string }
  | { readonly type: 'PASSWORD-ALGORITHMS'; readonly value: readonly PasswordAlgorithmEntry[] }
  | { readonly type: 'PASSWORD-ALGORITHM'; readonly value: PasswordAlgorithmEntry }
  | { readonly type: 'SOFTWARE'; readonly value: string }
  | { readonly type: 'ALTERNATE-SERVER'; readonly value: TransportAddress }
  | { readonly type: 'PRIORITY'; readonly value: number }
  | { readonly type: 'USE-CANDIDATE' }
  /** The 64-bit tie-breaker (RFC 8445 §16.1). */
  | { readonly type: 'ICE-CONTROLLED'; readonly value: bigint }
  | { readonly type: 'ICE-CONTROLLING'; readonly value: bigint }
  /** Any 16-bit number; whether it is a valid channel (0x4000-0x4FFF) is for the server to judge (RFC 8656 §11.2). */
  | { readonly type: 'CHANNEL-NUMBER'; readonly value: number }
  /** Seconds (RFC 8656 §18.2). */
  | { readonly type: 'LIFETIME'; readonly value: number }
  | { readonly type: 'XOR-PEER-ADDRESS'; readonly value: TransportAddress }
  | { readonly type: 'DATA'; readonly value: Uint8Array }
  | { readonly type: 'XOR-RELAYED-ADDRESS'; readonly value: TransportAddress }
  /**
   * The Family octet as sent (0x01 IPv4, 0x02 IPv6, see {@link FamilyOctet}). Kept as a number
   * because a server answers an unknown family with 440, not 400 (RFC 8656 §7.2).
   */
  | { readonly type: 'REQUESTED-ADDRESS-FAMILY'; readonly value: number }
  /** The R bit: reserve the next-higher port too (RFC 8656 §18.9). */
  | { readonly type: 'EVEN-PORT'; readonly value: boolean }
  /** An IANA protocol number; 17 is UDP (RFC 8656 §18.11). */
  | { readonly type: 'REQUESTED-TRANSPORT'; readonly value: number }
  | { readonly type: 'DONT-FRAGMENT' }
  /** 8 opaque bytes (RFC 8656 §18.14). */
  | { readonly type: 'RESERVATION-TOKEN'; readonly value: Uint8Array }
  /** An attribute this library does not know, kept as its type code and value bytes. */
  | { readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array };

export type StunAttributeName = StunAttribute['type'];

/** The attribute variant with the given name. */
export type AttributeOf<N extends StunAttributeName> = Extract<StunAttribute, { type: N }>;

// Every known name has a variant in the union and vice versa (a compile-time check).
type Missing = Exclude<KnownAttributeName, StunAttributeName>;
type Extra = Exclude<Exclude<StunAttributeName, 'unknown'>, KnownAttributeName>;
const _everyNameHasAVariant: [Missing, Extra] extends [never, never] ? true : never = true;
void _everyNameHasAVariant;

/** The type code of an attribute value. */
export function attributeCode(attribute: StunAttribute): number {
  return attribute.type === 'unknown' ? attribute.code : AttributeType[attribute.type];
}

/** The first attribute of that name in a message, or `undefined` (RFC 8489 §14: only the first occurrence counts). */
export function findAttribute<N extends StunAttributeName>(
  message: { readonly attributes: readonly StunAttribute[] },
  type: N,
): AttributeOf<N> | undefined {
  for (const a of message.attributes) if (a.type === type) return a as AttributeOf<N>;
  return undefined;
}

/** Every attribute of that name, in order (XOR-PEER-ADDRESS may repeat, RFC 8656 §10.1). */
export function findAttributes<N extends StunAttributeName>(
  message: { readonly attributes: readonly StunAttribute[] },
  type: N,
): AttributeOf<N>[] {
  return message.attributes.filter((a): a is AttributeOf<N> => a.type === type);
}
