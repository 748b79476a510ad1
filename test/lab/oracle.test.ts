/**
 * The oracle against the cases everyone knows (RFC 4787's NAT behaviours, as
 * the folklore of hole punching has them), and a few properties of its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NETWORK_PROFILE_NAMES, type NetworkProfileName } from '../../src/sim/index.js';
import { MATRIX_PROFILES } from '../../src/lab/cell-topology.js';
import { decodeProbe, encodeProbe } from '../../src/lab/oracle-probes.js';
import { findPath, findPathIn } from '../../src/lab/oracle.js';
import { prop, runs } from '../sim/support.js';

const path = (a: NetworkProfileName, b: NetworkProfileName, turn = false, seed = 1) => findPath({ a, b, turn }, { seed });

/** Behave as RFC 4787 §4.1 endpoint-independent mapping (the srflx address works for every peer) from outside. */
const CONE: NetworkProfileName[] = ['full-cone', 'address-restricted', 'port-restricted', 'double-cone', 'cgnat'];
/** A new mapping for every destination, filtering by address and port: symmetric, seen from outside. */
const SYMMETRIC: NetworkProfileName[] = ['symmetric', 'symmetric-then-cone'];
/** No UDP out at all. */
const NO_UDP: NetworkProfileName[] = ['udp-blocked', 'web-only'];

describe('the oracle on the well-known cases', () => {
  it('matrix profiles are the foundation profiles, every one', () => {
    expect(MATRIX_PROFILES).toEqual(NETWORK_PROFILE_NAMES);
    expect(MATRIX_PROFILES).toContain('udp-blocked');
  });

  it('cone against cone: a path, found directly', () => {
    for (const a of CONE) {
      for (const b of CONE) {
        const v = path(a, b);
        expect(v.path, `${a}→${b}: ${v.explanation}`).toBe(true);
        expect(v.direct).not.toBeNull();
        expect(v.relay).toBe(false);
      }
    }
  });

  it('two public hosts reach each other at their host addresses', () => {
    const v = path('open', 'open');
    expect(v.direct).toMatchObject({ remoteKind: 'host' });
    expect(v.a.srflx).toBe(v.a.host);
  });

  it('symmetric against port-restricted (either way round) without TURN: no path', () => {
    for (const s of SYMMETRIC) {
      for (const p of ['port-restricted', 'cgnat'] as const) {
        for (const [a, b] of [[s, p], [p, s]] as const) {
          const v = path(a, b);
          expect(v.path, `${a}→${b}: ${v.explanation}`).toBe(false);
          expect(v.explanation).toMatch(/no direct path.*no TURN server/);
        }
      }
    }
  });

  it('symmetric against symmetric without TURN: no path', () => {
    for (const a of SYMMETRIC) for (const b of SYMMETRIC) expect(path(a, b).path).toBe(false);
  });

  it('symmetric against full-cone, address-restricted or open: a path (the symmetric side is learnt peer-reflexive)', () => {
    for (const s of SYMMETRIC) {
      for (const other of ['full-cone', 'address-restricted', 'open', 'double-cone'] as const) {
        for (const [a, b] of [[s, other], [other, s]] as const) {
          const v = path(a, b);
          expect(v.path, `${a}→${b}: ${v.explanation}`).toBe(true);
          expect(v.direct).not.toBeNull();
        }
      }
    }
  });

  it('no UDP (udp-blocked, web-only) without TURN: no path, with anyone', () => {
    for (const a of NO_UDP) {
      for (const b of MATRIX_PROFILES) {
        expect(path(a, b).path, `${a}→${b}`).toBe(false);
        expect(path(b, a).path, `${b}→${a}`).toBe(false);
      }
    }
  });

  it('udp-blocked and web-only reach TURN over TCP on 443 only; everyone else over UDP on 3478 and TCP on 443', () => {
    expect(path('udp-blocked', 'open', true).a.turn).toEqual(['tcp:443']);
    expect(path('web-only', 'open', true).a.turn).toEqual(['tcp:443']);
    for (const p of MATRIX_PROFILES.filter((p) => !NO_UDP.includes(p))) expect(path(p, 'open', true).a.turn).toEqual(['udp:3478', 'tcp:443']);
  });

  it('symmetric against port-restricted with TURN: a path, through the relay only', () => {
    const v = path('symmetric', 'port-restricted', true);
    expect(v).toMatchObject({ path: true, direct: null, relay: true });
    expect(v.explanation).toMatch(/a relayed path/);
  });

  it('a peer that cannot send UDP cannot use the other side relay: it needs its own allocation', () => {
    const v = path('udp-blocked', 'full-cone', true);
    expect(v.a.relayPeer).toBe(false);
    expect(v.b.relayPeer).toBe(true);
    expect(v.relay).toBe(true);
  });

  it('two hosts on one LAN (the hotel Wi-Fi, behind a symmetric NAT) reach each other at their host addresses', () => {
    const hotel = {
      lans: [{ id: 'hotel', subnet: '10.1.0.0/24', gateway: { id: 'hotel-nat', nat: 'symmetric' as const, outside: { realm: 'internet' } } }],
      hosts: [{ id: 'stun', address: '198.51.100.1' }, { id: 'a', realm: 'hotel' }, { id: 'b', realm: 'hotel' }],
    };
    const v = findPathIn(hotel);
    expect(v.direct).toMatchObject({ remoteKind: 'host', remote: expect.stringMatching(/^10\.1\.0\./) });
  });

  it('explains a direct path by who reached what', () => {
    expect(path('port-restricted', 'full-cone').explanation).toMatch(/^direct: [ab]'s check from \S+ reached [ab]'s (host|srflx|prflx) address \S+ and its answer came back$/);
  });
});

describe('oracle properties', () => {
  const profile = fc.constantFrom(...MATRIX_PROFILES);

  prop([profile, profile, fc.integer({ min: 1, max: 2 ** 31 - 1 })], runs(25))('with a TURN server every profile pair has a path (everyone reaches it over UDP, TCP or TCP 443)', (a, b, seed) => {
    const v = findPath({ a, b, turn: true }, { seed });
    expect(v.a.turn.length).toBeGreaterThan(0);
    expect(v.b.turn.length).toBeGreaterThan(0);
    expect(v.path).toBe(true);
  });

  prop([profile, profile, fc.integer({ min: 1, max: 2 ** 31 - 1 })], runs(25))('the verdict does not depend on the seed, nor on who offers; a TURN server only adds paths', (a, b, seed) => {
    const v = findPath({ a, b, turn: false }, { seed });
    expect(v.path).toBe(path(a, b).path);
    expect(findPath({ a: b, b: a, turn: false }, { seed }).path).toBe(v.path);
    // With a server, the direct verdict is the same (TURN adds no direct route).
    expect(findPath({ a, b, turn: true }, { seed }).direct !== null).toBe(v.direct !== null);
  });

  prop([profile, profile, fc.integer({ min: 1, max: 2 ** 31 - 1 })], runs(10))('same seed, same verdict, to the port', (a, b, seed) => {
    expect(findPath({ a, b, turn: true }, { seed })).toEqual(findPath({ a, b, turn: true }, { seed }));
  });
});

describe('probe messages', () => {
  it('round-trip, and strangers are not probes', () => {
    for (const m of [{ kind: 'who' }, { kind: 'you', seen: '1.2.3.4:5' }, { kind: 'req', by: 'a' }, { kind: 'res', by: 'b' }] as const) {
      expect(decodeProbe(encodeProbe(m))).toEqual(m);
    }
    for (const text of ['', 'who ', 'you', 'req', 'hello world', '\u0000\u0001']) expect(decodeProbe(new TextEncoder().encode(text))).toBeUndefined();
  });
});
