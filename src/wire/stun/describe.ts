/**
 * A STUN message as plain JSON, for people: the `stun decode` command, traces
 * and test failure messages. Bytes become hex, 64-bit numbers become hex
 * text, and when credentials are given the integrity and fingerprint checks
 * are run and their outcome included.
 */

import { addressFamily } from '../../io/address.js';
import { bytesToHex } from '../hex.js';
import {
  PasswordAlgorithm,
  attributeCode,
  attributeName,
  findAttribute,
  isComprehensionRequired,
  type StunAttribute,
} from './attribute-types.js';
import { longTermKey, shortTermKey, type PasswordAlgorithmName } from './credentials.js';
import { verifyFingerprint } from './fingerprint.js';
import { messageTypeName, methodName } from './header.js';
import { verifyMessageIntegrity, verifyMessageIntegritySha256 } from './integrity.js';
import type { DecodedStunMessage, StunMessage } from './message.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

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

function describeAttribute(a: StunAttribute): JsonValue {
  const code = attributeCode(a);
  const name =
    a.type !== 'unknown'
      ? a.type
      : `unknown ${isComprehensionRequired(code) ? 'comprehension-required' : 'comprehension-optional'}`;
  return { name, type: hex4(code), value: describeValue(a) };
}

function describeValue(a: StunAttribute): JsonValue {
  switch (a.type) {
    case 'MAPPED-ADDRESS':
    case 'XOR-MAPPED-ADDRESS':
    case 'ALTERNATE-SERVER':
    case 'XOR-PEER-ADDRESS':
    case 'XOR-RELAYED-ADDRESS':
      return { family: addressFamily(a.value.address) ?? 'unknown', address: a.value.address, port: a.value.port };
    case 'USERNAME':
    case 'REALM':
    case 'NONCE':
    case 'SOFTWARE':
      return a.value;
    case 'ERROR-CODE':
      return { code: a.value.code, reason: a.value.reason };
    case 'UNKNOWN-ATTRIBUTES':
      return a.value.map((t) => `${hex4(t)}${attributeName(t) ? ` (${attributeName(t)})` : ''}`);
    case 'USERHASH':
    case 'RESERVATION-TOKEN':
    case 'DATA':
    case 'unknown':
    case 'MESSAGE-INTEGRITY':
    case 'MESSAGE-INTEGRITY-SHA256':
      return a.value === undefined ? null : bytesToHex(a.value);
    case 'FINGERPRINT':
      return a.value === undefined ? null : `0x${a.value.toString(16).padStart(8, '0')}`;
    case 'PASSWORD-ALGORITHMS':
      return a.value.map(describeAlgorithm);
    case 'PASSWORD-ALGORITHM':
      return describeAlgorithm(a.value);
    case 'PRIORITY':
    case 'LIFETIME':
      return a.value;
    case 'CHANNEL-NUMBER':
      return hex4(a.value);
    case 'ICE-CONTROLLED':
    case 'ICE-CONTROLLING':
      return `0x${a.value.toString(16).padStart(16, '0')}`;
    case 'REQUESTED-ADDRESS-FAMILY':
      return a.value === 1 ? 'IPv4' : a.value === 2 ? 'IPv6' : `0x${a.value.toString(16).padStart(2, '0')}`;
    case 'REQUESTED-TRANSPORT':
      return a.value === 17 ? 'UDP (17)' : a.value === 6 ? 'TCP (6)' : String(a.value);
    case 'EVEN-PORT':
      return { reserveNextPort: a.value };
    case 'USE-CANDIDATE':
    case 'DONT-FRAGMENT':
      return true;
  }
}

function describeAlgorithm(entry: { algorithm: number; parameters: Uint8Array }): JsonValue {
  const name = entry.algorithm === 1 ? 'MD5' : entry.algorithm === 2 ? 'SHA-256' : hex4(entry.algorithm);
  return { algorithm: name, parameters: bytesToHex(entry.parameters) };
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}
