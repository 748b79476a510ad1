/**
 * A STUN message as plain JSON, for people: the `stun decode` command, traces
 * and test failure messages. Bytes become hex, 64-bit numbers become hex
 * text, and when credentials are given the integrity and fingerprint checks
 * are run and their outcome included.
 */

import { bytesToHex } from '../hex.js';
import { findAttribute } from './attribute-types.js';
import { hex4, type JsonValue } from './attributes/codec.js';
import { PasswordAlgorithm } from './attributes/values.js';
import { UNKNOWN_ATTRIBUTE, definitionOf, isComprehensionRequired, type StunAttribute } from './attributes/table.js';
import { longTermKey, shortTermKey, type PasswordAlgorithmName } from './credentials.js';
import { verifyFingerprint } from './fingerprint.js';
import { messageTypeName, methodName } from './header.js';
import { verifyMessageIntegrity, verifyMessageIntegritySha256 } from './integrity.js';
import type { DecodedStunMessage, StunMessage } from './message-types.js';

export type { JsonValue } from './attributes/codec.js';

/** The credentials with which `describeStunMessage` checks message integrity; none, and it checks only the fingerprint. */
export interface DescribeOptions {
  /** The key itself, if known. Takes precedence over the password options. */
  readonly key?: Uint8Array;
  /** Password: short-term on its own, long-term together with `username` and/or `realm`. */
  readonly password?: string;
  /** Long-term username; defaults to the message's USERNAME. */
  readonly username?: string;
  /** Long-term realm; defaults to the message's REALM. */
  readonly realm?: string;
}

/** A message as JSON: its type, transaction id and attributes, and for a decoded message its length and checks. */
export interface StunMessageDescription {
  readonly [key: string]: JsonValue;
  readonly type: string;
  readonly method: string;
  readonly class: string;
  readonly transactionId: string;
  readonly attributes: JsonValue[];
}

/**
 * Describes a message. For a decoded message this includes its length, the
 * unknown comprehension-required attributes, the ignored ones, and the checks:
 * `fingerprint` always (`ok`, `mismatch`, `absent`), `messageIntegrity` and
 * `messageIntegritySha256` when credentials are given (`ok`, `mismatch`,
 * `absent`, or why no key could be derived).
 */
export function describeStunMessage(message: StunMessage | DecodedStunMessage, options: DescribeOptions = {}): StunMessageDescription {
  const description: { [key: string]: JsonValue } = {
    type: messageTypeName(message.method, message.class),
    method: methodName(message.method) ?? `0x${message.method.toString(16).padStart(3, '0')}`,
    class: message.class,
    transactionId: bytesToHex(message.transactionId),
    attributes: message.attributes.map(describeAttribute),
  };
  if ('raw' in message) {
    description['length'] = message.raw.length - 20;
    description['unknownRequired'] = message.unknownRequired.map(hex4);
    description['ignoredAfterIntegrity'] = message.ignoredAfterIntegrity.map(hex4);
    description['checks'] = checks(message, options);
  }
  return description as StunMessageDescription;
}

function checks(message: DecodedStunMessage, options: DescribeOptions): JsonValue {
  const fp = verifyFingerprint(message);
  const out: { [key: string]: JsonValue } = { fingerprint: fp.ok ? 'ok' : fp.reason };
  const key = deriveKey(message, options);
  if (key === undefined) return out;
  if (typeof key === 'string') {
    out['messageIntegrity'] = key;
    return out;
  }
  const mi = verifyMessageIntegrity(message, key);
  out['messageIntegrity'] = mi.ok ? 'ok' : mi.reason;
  if (message.integritySha256Offset !== undefined) {
    const mi256 = verifyMessageIntegritySha256(message, key);
    out['messageIntegritySha256'] = mi256.ok ? 'ok' : mi256.reason;
  }
  return out;
}

/** The key from the options, or a sentence saying why none could be made, or undefined when no credentials were given. */
function deriveKey(message: StunMessage, options: DescribeOptions): Uint8Array | string | undefined {
  if (options.key !== undefined) return options.key;
  if (options.password === undefined) return undefined;
  if (options.username === undefined && options.realm === undefined) return shortTermKey(options.password);
  const username = options.username ?? findAttribute(message, 'USERNAME')?.value;
  const realm = options.realm ?? findAttribute(message, 'REALM')?.value;
  if (username === undefined) return 'not checked: no username given and no USERNAME in the message';
  if (realm === undefined) return 'not checked: no realm given and no REALM in the message';
  const chosen = findAttribute(message, 'PASSWORD-ALGORITHM')?.value.algorithm;
  const algorithm: PasswordAlgorithmName = chosen === PasswordAlgorithm['SHA-256'] ? 'SHA-256' : 'MD5';
  return longTermKey(username, realm, options.password, algorithm);
}

/** `{ name, type, value }`: the value as its entry in the attribute table describes it. */
function describeAttribute(a: StunAttribute): JsonValue {
  const value = (a as { readonly value?: unknown }).value;
  if (a.type === 'unknown') {
    const name = `unknown ${isComprehensionRequired(a.code) ? 'comprehension-required' : 'comprehension-optional'}`;
    return { name, type: hex4(a.code), value: UNKNOWN_ATTRIBUTE.describe(value) };
  }
  const definition = definitionOf(a.type);
  if (definition === undefined) return { name: String(a.type), type: null, value: null };
  return { name: a.type, type: hex4(definition.code), value: definition.describe(value) };
}
