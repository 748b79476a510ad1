/**
 * The STUN attributes as typed values, and how to find them in a message.
 *
 * Each attribute is one entry of the table in attributes/table.ts (its code
 * point, its value codec and its description); the `StunAttribute` union is
 * derived from that table. This file is what the layers above import.
 */

import { AttributeType, type StunAttribute, type StunAttributeName } from './attributes/table.js';

export {
  AttributeType,
  attributeName,
  isComprehensionRequired,
  type KnownAttributeName,
  type StunAttribute,
  type StunAttributeName,
  type UnknownStunAttribute,
} from './attributes/table.js';
export {
  FamilyOctet,
  PasswordAlgorithm,
  TRANSPORT_UDP,
  type ErrorCodeValue,
  type PasswordAlgorithmEntry,
} from './attributes/values.js';

/** The attribute variant with the given name. */
export type AttributeOf<N extends StunAttributeName> = Extract<StunAttribute, { type: N }>;

/** The attribute type code (RFC 8489 §18.3 registry) an attribute value is written with: its table's code, or an unknown attribute's own. */
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
