/**
 * Long-term credentials on the TURN server (RFC 8489 §9.2, RFC 8656 §5), in
 * the simulator: the 401 dance, 438 once the nonce has aged on the virtual
 * clock, 401 for a wrong key, 400 for a half-signed request, 441 for the
 * wrong user on an allocation, and Binding without any of it.
 */
import { describe, expect, test } from 'vitest';
import { StunMethod, TRANSPORT_UDP, findAttribute, longTermKey, verifyStunMessage } from '../../../src/wire/index.js';
import { ALICE_IP, Client, REALM, USERS, errorCode, scene } from './harness.js';

const UDP = [{ type: 'REQUESTED-TRANSPORT' as const, value: TRANSPORT_UDP }];

describe('the 401 dance', () => {
  test('an unsigned Allocate gets 401 with REALM and NONCE and no MESSAGE-INTEGRITY; signed, it succeeds and the answer verifies with the key', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const challenge = alice.request(StunMethod.Allocate, UDP, { sign: false });
    expect(errorCode(challenge)).toBe(401);
    expect(findAttribute(challenge, 'REALM')?.value).toBe(REALM);
    expect(findAttribute(challenge, 'NONCE')?.value).toMatch(/^[0-9a-f]{36}$/);
    expect(challenge.integrityOffset).toBeUndefined();
    expect(verifyStunMessage(challenge, { requireFingerprint: true })).toEqual({ ok: true });

    const allocated = alice.request(StunMethod.Allocate, UDP);
    expect(allocated.class).toBe('success-response');
    expect(verifyStunMessage(allocated, { key: longTermKey('alice', REALM, USERS.alice), requireFingerprint: true })).toEqual({ ok: true });
    const kinds = world.trace.ofKind('turn.response').map((r) => [r.method, r.code ?? 'ok', r.authenticated]);
    expect(kinds).toEqual([
      ['Allocate', 401, false],
      ['Allocate', 'ok', true],
    ]);
  });

  test('a wrong password gets 401 (with a fresh challenge), an unknown user too, and neither allocates', () => {
    const { world, server } = scene();
    const mallory = new Client(world, 'alice', server.address, { password: 'guess' });
    expect(errorCode(mallory.allocate())).toBe(401);
    const stranger = new Client(world, 'bob', server.address, { username: 'carol', password: 'x' });
    const answer = stranger.allocate();
    expect(errorCode(answer)).toBe(401);
    expect(findAttribute(answer, 'NONCE')).toBeDefined();
    expect(world.trace.ofKind('turn.allocation')).toEqual([]);
    expect(world.trace.ofKind('turn.response').map((r) => r.detail)).toEqual(
      expect.arrayContaining([expect.stringContaining('MESSAGE-INTEGRITY mismatch'), expect.stringContaining('unknown user "carol"')]),
    );
  });

  test('MESSAGE-INTEGRITY without NONCE gets 400 Bad Request, with no challenge', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.request(StunMethod.Allocate, UDP, { sign: false });
    const answer = alice.request(StunMethod.Allocate, UDP, { omit: ['NONCE'] });
    expect(errorCode(answer)).toBe(400);
    expect(findAttribute(answer, 'NONCE')).toBeUndefined();
  });

  test('a REALM other than the server\'s gets 401', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.request(StunMethod.Allocate, UDP, { sign: false });
    alice.realm = 'elsewhere.example';
    expect(errorCode(alice.request(StunMethod.Allocate, UDP))).toBe(401);
  });
});

describe('438 Stale Nonce', () => {
  test('a nonce older than nonceLifetimeSeconds on the virtual clock gets 438 with a new nonce, which then works', () => {
    const { world, server } = scene({ nonceLifetimeSeconds: 60 });
    const alice = new Client(world, 'alice', server.address);
    expect(alice.allocate().class).toBe('success-response');
    const first = alice.nonce;

    world.runFor(59_000);
    expect(alice.refresh().class).toBe('success-response');

    world.runFor(1_000);
    const stale = alice.refresh();
    expect(errorCode(stale)).toBe(438);
    expect(findAttribute(stale, 'REALM')?.value).toBe(REALM);
    expect(alice.nonce).not.toBe(first);
    expect(stale.integrityOffset).toBeUndefined();
    expect(world.trace.ofKind('turn.response').at(-1)?.detail).toBe('the nonce has expired');

    expect(alice.refresh().class).toBe('success-response');
  });

  test('the nonce of one client address is stale from another (nonces are bound to the client, RFC 8656 §5)', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.request(StunMethod.Allocate, UDP, { sign: false });
    const other = new Client(world, 'alice', server.address);
    other.realm = REALM;
    other.nonce = alice.nonce;
    const answer = other.request(StunMethod.Allocate, UDP);
    expect(errorCode(answer)).toBe(438);
    expect(world.trace.ofKind('turn.response').at(-1)?.detail).toMatch(/not issued by this server for this client/);
  });

  test('a nonce the server never issued gets 438', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.realm = REALM;
    alice.nonce = 'made-up';
    expect(errorCode(alice.request(StunMethod.Allocate, UDP))).toBe(438);
  });
});

describe('441 Wrong Credentials', () => {
  test('a request on alice\'s 5-tuple signed by bob gets 441, signed with bob\'s key; the allocation is untouched', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    const bobKey = longTermKey('bob', REALM, USERS.bob);
    const answer = alice.request(StunMethod.Refresh, [{ type: 'LIFETIME', value: 0 }], { username: 'bob', key: bobKey });
    expect(errorCode(answer)).toBe(441);
    expect(verifyStunMessage(answer, { key: bobKey })).toEqual({ ok: true });
    expect(world.trace.ofKind('turn.allocation').map((r) => r.event)).toEqual(['create']);
  });
});

describe('Binding', () => {
  test('a Binding request is answered without authentication, with the client\'s reflexive address', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const answer = alice.request(StunMethod.Binding, [], { sign: false });
    expect(answer.class).toBe('success-response');
    expect(findAttribute(answer, 'XOR-MAPPED-ADDRESS')?.value.address).toBe(ALICE_IP);
  });
});
