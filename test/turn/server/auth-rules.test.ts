/**
 * The long-term credential mechanism, server side (src/turn/server/auth.ts;
 * RFC 8489 §9.2.4), called directly, one rule per test: the checks and their
 * order, what each refusal carries, the nonce's freshness at its boundary
 * and its tie to the client's address. (auth.test.ts runs the same dance
 * through the server in the simulator.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PasswordAlgorithm, findAttribute, type StunAttribute } from '../../../src/wire/stun/attribute-types.js';
import { longTermKey, userHash } from '../../../src/wire/stun/credentials.js';
import { StunMethod } from '../../../src/wire/stun/header.js';
import { createAuthenticator, type AuthOutcome, type Authenticator } from '../../../src/turn/server/auth.js';
import { prop, runs } from '../../sim/support.js';
import { decodeBytes, flip, stun, stunBytes } from '../../stun/messages.js';

const REALM = 'example.org';
const CLIENT = '203.0.113.10:40000';
const NONCE_S = 600;
const NONCE_MS = NONCE_S * 1000;
const SECRET = new Uint8Array(32).fill(9);
const USERS = new Map([
  ['alice', 'alice-password'],
  ['bob', 'bob-password'],
]);

const authenticator = (): Authenticator => createAuthenticator({ realm: REALM, users: USERS, nonceLifetimeSeconds: NONCE_S, secret: SECRET });

function nonceOf(auth: Authenticator, client = CLIENT, now = 0): string {
  const nonce = auth.challenge(client, now).find((a) => a.type === 'NONCE');
  if (nonce?.type !== 'NONCE') throw new Error('no NONCE in the challenge');
  return nonce.value;
}

interface Signed {
  readonly username?: string;
  readonly password?: string;
  readonly realm?: string;
  /** The realm the key is computed with, when not `realm`. */
  readonly keyRealm?: string;
  readonly nonce: string;
  readonly omit?: readonly ('USERNAME' | 'REALM' | 'NONCE')[];
  readonly integrity?: 'MESSAGE-INTEGRITY' | 'MESSAGE-INTEGRITY-SHA256';
  readonly algorithm?: 'MD5' | 'SHA-256';
  readonly userhash?: boolean;
}

/** An Allocate signed the way a client signs it (RFC 8489 §9.2.3), with the parts a test wants left out or wrong. */
function signed(s: Signed) {
  const username = s.username ?? 'alice';
  const realm = s.realm ?? REALM;
  const key = longTermKey(username, s.keyRealm ?? realm, s.password ?? USERS.get(username) ?? 'x', s.algorithm ?? 'MD5');
  const omit = new Set(s.omit ?? []);
  const attributes: StunAttribute[] = [
    ...(omit.has('USERNAME') ? [] : s.userhash ? [{ type: 'USERHASH' as const, value: userHash(username, realm) }] : [{ type: 'USERNAME' as const, value: username }]),
    ...(omit.has('REALM') ? [] : [{ type: 'REALM' as const, value: realm }]),
    ...(omit.has('NONCE') ? [] : [{ type: 'NONCE' as const, value: s.nonce }]),
    ...(s.algorithm === 'SHA-256' ? [{ type: 'PASSWORD-ALGORITHM' as const, value: { algorithm: PasswordAlgorithm['SHA-256'], parameters: new Uint8Array() } }] : []),
    { type: s.integrity ?? 'MESSAGE-INTEGRITY' },
  ];
  return stun(StunMethod.Allocate, 'request', attributes, { key });
}

function refusal(outcome: AuthOutcome): Extract<AuthOutcome, { ok: false }> {
  expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
  return outcome as Extract<AuthOutcome, { ok: false }>;
}
const challenged = (outcome: Extract<AuthOutcome, { ok: false }>) => [findAttribute({ attributes: outcome.attributes }, 'REALM')?.value, typeof findAttribute({ attributes: outcome.attributes }, 'NONCE')?.value];

describe('the checks, in RFC 8489 §9.2.4\'s order', () => {
  it('no MESSAGE-INTEGRITY: 401 with REALM and a NONCE, the challenge', () => {
    const outcome = refusal(authenticator().authenticate(stun(StunMethod.Allocate, 'request', [{ type: 'USERNAME', value: 'alice' }]), CLIENT, 0));
    expect(outcome.code).toBe(401);
    expect(challenged(outcome)).toEqual([REALM, 'string']);
  });

  it('MESSAGE-INTEGRITY without USERNAME (or USERHASH), REALM or NONCE: 400, with no challenge attributes', () => {
    const auth = authenticator();
    for (const part of ['USERNAME', 'REALM', 'NONCE'] as const) {
      const outcome = refusal(auth.authenticate(signed({ nonce: nonceOf(auth), omit: [part] }), CLIENT, 0));
      expect([part, outcome.code, outcome.attributes]).toEqual([part, 400, []]);
    }
  });

  it('a USERNAME that is not a user: 401, with a fresh challenge', () => {
    const auth = authenticator();
    const outcome = refusal(auth.authenticate(signed({ username: 'carol', password: 'c', nonce: nonceOf(auth) }), CLIENT, 0));
    expect(outcome.code).toBe(401);
    expect(challenged(outcome)).toEqual([REALM, 'string']);
  });

  it('a REALM that is not the server\'s: 401, even when the key happens to be the one of the server\'s realm', () => {
    const auth = authenticator();
    expect(refusal(auth.authenticate(signed({ realm: 'elsewhere.org', nonce: nonceOf(auth) }), CLIENT, 0)).code).toBe(401);
    const outcome = refusal(auth.authenticate(signed({ realm: 'elsewhere.org', keyRealm: REALM, nonce: nonceOf(auth) }), CLIENT, 0));
    expect([outcome.code, outcome.detail]).toEqual([401, expect.stringContaining('REALM')]);
  });

  it('MESSAGE-INTEGRITY computed with another password: 401', () => {
    const auth = authenticator();
    const outcome = refusal(auth.authenticate(signed({ password: 'guess', nonce: nonceOf(auth) }), CLIENT, 0));
    expect(outcome.code).toBe(401);
    expect(outcome.detail).toMatch(/MESSAGE-INTEGRITY/);
  });

  it('a message altered after signing (one byte of the body flipped): 401', () => {
    const auth = authenticator();
    const bytes = stunBytes(StunMethod.Allocate, 'request', [
      { type: 'LIFETIME', value: 600 },
      { type: 'USERNAME', value: 'alice' },
      { type: 'REALM', value: REALM },
      { type: 'NONCE', value: nonceOf(auth) },
      { type: 'MESSAGE-INTEGRITY' },
    ], { key: longTermKey('alice', REALM, USERS.get('alice')!) });
    flip(bytes, 27, 0x01); // LIFETIME's value
    expect(refusal(auth.authenticate(decodeBytes(bytes), CLIENT, 0)).code).toBe(401);
  });

  it('a stale nonce only counts once the integrity is good: wrong password and stale nonce is 401, not 438', () => {
    const auth = authenticator();
    expect(refusal(auth.authenticate(signed({ password: 'guess', nonce: nonceOf(auth) }), CLIENT, NONCE_MS)).code).toBe(401);
  });

  it('a nonce past its lifetime: 438 Stale Nonce, with a fresh nonce to retry with', () => {
    const auth = authenticator();
    const stale = nonceOf(auth, CLIENT, 0);
    const outcome = refusal(auth.authenticate(signed({ nonce: stale }), CLIENT, NONCE_MS));
    expect(outcome.code).toBe(438);
    const fresh = findAttribute({ attributes: outcome.attributes }, 'NONCE')?.value;
    expect(fresh).not.toBe(stale);
    expect(auth.authenticate(signed({ nonce: fresh! }), CLIENT, NONCE_MS)).toMatchObject({ ok: true });
  });

  it('a nonce the server did not mint (or minted for another client address): 438, never accepted', () => {
    const auth = authenticator();
    const other = nonceOf(auth, '203.0.113.10:40001', 0);
    for (const nonce of [other, 'f'.repeat(36), '0'.repeat(12) + 'g'.repeat(24), 'short', nonceOf(authenticatorWith(new Uint8Array(32).fill(1)))]) {
      expect(refusal(auth.authenticate(signed({ nonce }), CLIENT, 1)).code, nonce).toBe(438);
    }
  });
});

function authenticatorWith(secret: Uint8Array): Authenticator {
  return createAuthenticator({ realm: REALM, users: USERS, nonceLifetimeSeconds: NONCE_S, secret });
}

describe('an authenticated request', () => {
  it('names its user, and its answer is signed with the same key and the same integrity attribute (RFC 8489 §9.2.4)', () => {
    const auth = authenticator();
    const outcome = auth.authenticate(signed({ nonce: nonceOf(auth) }), CLIENT, 0);
    expect(outcome).toEqual({ ok: true, username: 'alice', credentials: { key: longTermKey('alice', REALM, 'alice-password'), integrity: 'MESSAGE-INTEGRITY' } });
    const sha = auth.authenticate(signed({ username: 'bob', nonce: nonceOf(auth), integrity: 'MESSAGE-INTEGRITY-SHA256' }), CLIENT, 0);
    expect(sha).toMatchObject({ ok: true, username: 'bob', credentials: { integrity: 'MESSAGE-INTEGRITY-SHA256' } });
  });

  it('USERHASH in place of USERNAME (RFC 8489 §14.4) identifies the user', () => {
    const auth = authenticator();
    expect(auth.authenticate(signed({ username: 'bob', userhash: true, nonce: nonceOf(auth) }), CLIENT, 0)).toMatchObject({ ok: true, username: 'bob' });
  });

  it('PASSWORD-ALGORITHM SHA-256 keys the integrity with SHA-256(username:realm:password) (RFC 8489 §9.2.2)', () => {
    const auth = authenticator();
    const outcome = auth.authenticate(signed({ nonce: nonceOf(auth), algorithm: 'SHA-256' }), CLIENT, 0);
    expect(outcome).toMatchObject({ ok: true, credentials: { key: longTermKey('alice', REALM, 'alice-password', 'SHA-256') } });
  });
});

describe('the nonce', () => {
  it('is 36 hex characters, within NONCE\'s 128 (RFC 8489 §14.10), and differs between clients at one instant', () => {
    const auth = authenticator();
    expect(nonceOf(auth)).toMatch(/^[0-9a-f]{36}$/);
    expect(nonceOf(auth, CLIENT, 5)).not.toBe(nonceOf(auth, '203.0.113.11:40000', 5));
  });

  it('minted at t is fresh until t + lifetime - 1 ms and stale from t + lifetime on', () => {
    const auth = authenticator();
    const nonce = nonceOf(auth, CLIENT, 1_000);
    expect(auth.authenticate(signed({ nonce }), CLIENT, 1_000 + NONCE_MS - 1)).toMatchObject({ ok: true });
    expect(refusal(auth.authenticate(signed({ nonce }), CLIENT, 1_000 + NONCE_MS)).code).toBe(438);
  });

  prop([fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -5, max: NONCE_MS + 5 })], runs(100))('is fresh exactly on [minted, minted + lifetime)', (minted, age) => {
    const auth = authenticator();
    const outcome = auth.authenticate(signed({ nonce: nonceOf(auth, CLIENT, minted) }), CLIENT, minted + age);
    expect(outcome.ok ? 'fresh' : refusal(outcome).code).toBe(age >= 0 && age < NONCE_MS ? 'fresh' : 438);
  });
});

describe('the challenge', () => {
  it('a 401 and a 438 carry REALM and NONCE; a 400 carries nothing (RFC 8489 §9.2.4)', () => {
    const auth = authenticator();
    const nonce = nonceOf(auth);
    expect(challenged(refusal(auth.authenticate(signed({ password: 'guess', nonce }), CLIENT, 0)))).toEqual([REALM, 'string']);
    expect(challenged(refusal(auth.authenticate(signed({ nonce }), CLIENT, NONCE_MS)))).toEqual([REALM, 'string']);
    expect(refusal(auth.authenticate(signed({ nonce, omit: ['REALM'] }), CLIENT, 0)).attributes).toEqual([]);
  });
});
