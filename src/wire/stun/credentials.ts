/**
 * Keys for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9).
 *
 * - Short-term credentials (ICE connectivity checks use these, RFC 8445 §7.2.2):
 *   the key is the password itself, prepared (RFC 8489 §9.1.1).
 * - Long-term credentials (TURN uses these): the key is a hash of
 *   username ":" realm ":" password, MD5 by default or SHA-256 when the server
 *   offers it in PASSWORD-ALGORITHMS (RFC 8489 §9.2.2).
 *
 * String preparation. RFC 5389 prepared passwords with SASLprep (RFC 4013);
 * RFC 8489 moved to the OpaqueString profile of PRECIS (RFC 8265). Both map
 * non-ASCII spaces to U+0020 and normalise Unicode; they differ in details.
 * This file implements the part of SASLprep that real credentials exercise
 * and that the RFC 5769 §2.4 vector needs:
 *
 *   1. remove the characters "commonly mapped to nothing" (RFC 3454 table B.1),
 *   2. map non-ASCII space characters (table C.1.2) to U+0020,
 *   3. normalise with NFKC (RFC 4013 §2.2).
 *
 * It does NOT reject prohibited output (tables C.2-C.9), unassigned code
 * points or bidirectional strings (RFC 4013 §2.3-2.5): such a password is
 * prepared as best it can be rather than refused. ASCII passwords, which is
 * what ICE (ice-pwd is ASCII by definition) and nearly every TURN deployment
 * use, come out unchanged.
 */

import { createHash } from 'node:crypto';
import { PasswordAlgorithm } from './attribute-types.js';

/** RFC 3454 table B.1: code points SASLprep maps to nothing. */
const MAPPED_TO_NOTHING =
  /[\u00AD\u034F\u1806\u180B\u180C\u180D\u200B\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;

/** RFC 3454 table C.1.2: non-ASCII space characters, mapped to U+0020 by SASLprep. */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;

/** The simplified SASLprep described above. Pure ASCII input is returned as it is. */
export function saslPrep(input: string): string {
  if (/^[\x00-\x7f]*$/.test(input)) return input;
  return input.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}

/** Short-term key: the prepared password as UTF-8 (RFC 8489 §9.1.1). */
export function shortTermKey(password: string): Uint8Array {
  return utf8(saslPrep(password));
}

/** A password algorithm by its registry name: `'MD5'` or `'SHA-256'` (RFC 8489 §18.5). */
export type PasswordAlgorithmName = keyof typeof PasswordAlgorithm;

/**
 * Long-term key (RFC 8489 §9.2.2):
 *
 *     key = MD5(username ":" realm ":" password)        (algorithm MD5, the default)
 *     key = SHA-256(username ":" realm ":" password)    (algorithm SHA-256)
 *
 * The password is prepared as described at the top of this file; username
 * and realm are used as they appear in USERNAME and REALM.
 */
export function longTermKey(
  username: string,
  realm: string,
  password: string,
  algorithm: PasswordAlgorithmName = 'MD5',
): Uint8Array {
  const hash = createHash(algorithm === 'MD5' ? 'md5' : 'sha256');
  hash.update(`${username}:${realm}:${saslPrep(password)}`, 'utf8');
  return new Uint8Array(hash.digest());
}

/** USERHASH value: SHA-256(username ":" realm), which hides the username on the wire (RFC 8489 §14.4). */
export function userHash(username: string, realm: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${username}:${realm}`, 'utf8').digest());
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
