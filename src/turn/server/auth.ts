/**
 * The long-term credential mechanism, server side (RFC 8489 §9.2; TURN
 * requires it for every request but Binding, RFC 8656 §5).
 *
 * The dance: a request without MESSAGE-INTEGRITY gets 401 with REALM and a
 * NONCE; the client computes key = MD5(username ":" realm ":" password) and
 * repeats the request with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; the
 * server recomputes the HMAC. A nonce that has grown old gets 438 Stale Nonce
 * with a fresh one, and the client retries with that.
 *
 * Nonces are stateless: the time the nonce was minted, and an HMAC over that
 * time and the client's transport address keyed with a secret only this
 * server knows. A server can tell its own fresh nonces from anything else
 * without remembering them, and a nonce is no good from another address
 * (RFC 8656 §5 suggests tying nonces to the client's address). The secret
 * comes from the injected random source, so a simulated run is reproducible.
 *
 * The checks run in RFC 8489 §9.2.4's order: no integrity → 401; integrity
 * without USERNAME (or USERHASH), REALM or NONCE → 400; unknown user → 401;
 * integrity mismatch → 401; stale nonce → 438. Only then is the request
 * authenticated, and every answer to it carries MESSAGE-INTEGRITY with the
 * same key and algorithm (MESSAGE-INTEGRITY-SHA256 if the request used it).
 *
 * This server does not offer the password-algorithm negotiation of RFC 8489
 * §9.2.1 (its nonces carry no "nonce cookie"), so clients use MD5 keys; a
 * request that names PASSWORD-ALGORITHM SHA-256 anyway is keyed with SHA-256.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { bytesToHex } from '../../wire/hex.js';
import { PasswordAlgorithm, findAttribute, type StunAttribute } from '../../wire/stun/attribute-types.js';
import { longTermKey, userHash, type PasswordAlgorithmName } from '../../wire/stun/credentials.js';
import type { IntegrityAttributeName } from '../../wire/stun/integrity.js';
import type { DecodedStunMessage } from '../../wire/stun/message.js';
import { verifyStunMessage } from '../../wire/stun/verify.js';

/** What a response to an authenticated request is signed with. */
export interface ResponseCredentials {
  readonly key: Uint8Array;
  readonly integrity: IntegrityAttributeName;
}

export type AuthOutcome =
  | { readonly ok: true; readonly username: string; readonly credentials: ResponseCredentials }
  | {
      readonly ok: false;
      readonly code: 400 | 401 | 438;
      /** Which check failed, in words, for the trace. */
      readonly detail: string;
      /** REALM and NONCE to send back (401 and 438 carry them; 400 does not, RFC 8489 §9.2.4). */
      readonly attributes: readonly StunAttribute[];
    };

export interface Authenticator {
  /** Checks one request from `client` ("ip:port") at time `now` (ms). */
  authenticate(message: DecodedStunMessage, client: string, now: number): AuthOutcome;
  /** REALM and a fresh NONCE for `client`: the challenge of a 401 or 438. */
  challenge(client: string, now: number): StunAttribute[];
}

export interface AuthenticatorOptions {
  readonly realm: string;
  readonly users: ReadonlyMap<string, string>;
  readonly nonceLifetimeSeconds: number;
  /** At least 16 random bytes, from the injected random source. */
  readonly secret: Uint8Array;
}

/** 12 hex digits of mint time (ms), then 24 of HMAC: 36 characters, well under NONCE's 128 (RFC 8489 §14.10). */
const TIME_DIGITS = 12;
const MAC_DIGITS = 24;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { realm, users, secret } = options;
  const lifetimeMs = options.nonceLifetimeSeconds * 1000;
  // USERHASH = SHA-256(username ":" realm) (RFC 8489 §14.4): a reverse lookup, computed once.
  const byHash = new Map<string, string>([...users.keys()].map((name) => [bytesToHex(userHash(name, realm)), name]));
  const keys = new Map<string, Uint8Array>();

  const mac = (minted: number, client: string): string =>
    createHmac('sha256', secret).update(`${minted}|${client}`).digest('hex').slice(0, MAC_DIGITS);

  const mint = (client: string, now: number): string => {
    const minted = Math.max(0, Math.floor(now));
    return minted.toString(16).padStart(TIME_DIGITS, '0') + mac(minted, client);
  };

  /** 'fresh', or why not: a nonce we did not mint for this client, or one minted too long ago. */
  const nonceState = (nonce: string, client: string, now: number): 'fresh' | 'foreign' | 'expired' => {
    if (nonce.length !== TIME_DIGITS + MAC_DIGITS || !/^[0-9a-f]+$/.test(nonce)) return 'foreign';
    const minted = parseInt(nonce.slice(0, TIME_DIGITS), 16);
    const expected = Buffer.from(mac(minted, client));
    const given = Buffer.from(nonce.slice(TIME_DIGITS));
    if (!timingSafeEqual(expected, given)) return 'foreign';
    return now >= minted && now - minted < lifetimeMs ? 'fresh' : 'expired';
  };

  const keyOf = (username: string, password: string, algorithm: PasswordAlgorithmName): Uint8Array => {
    const id = `${algorithm}:${username}`;
    let key = keys.get(id);
    if (key === undefined) keys.set(id, (key = longTermKey(username, realm, password, algorithm)));
    return key;
  };

  const challenge = (client: string, now: number): StunAttribute[] => [
    { type: 'REALM', value: realm },
    { type: 'NONCE', value: mint(client, now) },
  ];

  return {
    challenge,
    authenticate(message, client, now) {
      const reject = (code: 400 | 401 | 438, detail: string): AuthOutcome => ({
        ok: false,
        code,
        detail,
        attributes: code === 400 ? [] : challenge(client, now),
      });
      if (message.integrityOffset === undefined && message.integritySha256Offset === undefined) {
        return reject(401, 'no MESSAGE-INTEGRITY: the client is asked to authenticate');
      }
      const username = findAttribute(message, 'USERNAME')?.value;
      const hash = findAttribute(message, 'USERHASH')?.value;
      const requestRealm = findAttribute(message, 'REALM')?.value;
      const nonce = findAttribute(message, 'NONCE')?.value;
      if ((username === undefined && hash === undefined) || requestRealm === undefined || nonce === undefined) {
        return reject(400, 'MESSAGE-INTEGRITY without USERNAME (or USERHASH), REALM and NONCE');
      }
      const name = username ?? byHash.get(bytesToHex(hash as Uint8Array));
      const password = name === undefined ? undefined : users.get(name);
      if (name === undefined || password === undefined) return reject(401, `unknown user ${JSON.stringify(username ?? 'by USERHASH')}`);
      if (requestRealm !== realm) return reject(401, `REALM ${JSON.stringify(requestRealm)} is not this server's ${JSON.stringify(realm)}`);
      const chosen = findAttribute(message, 'PASSWORD-ALGORITHM')?.value.algorithm;
      const algorithm: PasswordAlgorithmName = chosen === PasswordAlgorithm['SHA-256'] ? 'SHA-256' : 'MD5';
      const key = keyOf(name, password, algorithm);
      const verified = verifyStunMessage(message, { key });
      if (!verified.ok) return reject(401, `${verified.failed} ${verified.reason}: ${verified.message}`);
      const state = nonceState(nonce, client, now);
      if (state !== 'fresh') {
        return reject(438, state === 'expired' ? 'the nonce has expired' : 'the nonce was not issued by this server for this client');
      }
      const integrity: IntegrityAttributeName = message.integritySha256Offset !== undefined ? 'MESSAGE-INTEGRITY-SHA256' : 'MESSAGE-INTEGRITY';
      return { ok: true, username: name, credentials: { key, integrity } };
    },
  };
}
