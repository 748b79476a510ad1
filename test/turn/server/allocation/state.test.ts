/**
 * What an allocation holds, judged at an instant (src/turn/server/allocation/state.ts),
 * one rule at a time and without the machine's timers.
 *
 * The boundary. RFC 8656 §9: a permission has a "time-to-expiry", "the number
 * of seconds until the permission expires", set to the Permission Lifetime
 * (300 s) when it is installed or refreshed, and "decremented ... until it
 * reaches zero, at which point the permission expires". Installed at t, the
 * time left at t + 300 s is zero: the permission has expired. So a permission
 * with `expiresAt = t + 300 s` is valid for `at < expiresAt` and expired at
 * `expiresAt` itself, the half-open interval [t, t + 300 s). The same for a
 * channel binding (§12: its own 600 s, "the binding ... expires"). In the
 * simulator the expiry timer always runs before a datagram of the same
 * instant, so only a test of the rule itself sees which side of the boundary
 * `expiresAt` is on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../../src/io/address.js';
import { PERMISSION_LIFETIME_S, CHANNEL_LIFETIME_S } from '../../../../src/turn/server/config.js';
import { compilePeerPolicy } from '../../../../src/turn/server/peer-policy.js';
import { channelByNumber, channelByPeer, hasPermission, peerProblem, type AllocationState, type ChannelBinding } from '../../../../src/turn/server/allocation/state.js';
import { prop, runs } from '../../../sim/support.js';

const RELAYED: TransportAddress = { address: '198.51.100.1', port: 49152 };
const PEER = '192.0.2.20';
const PERMISSION_MS = PERMISSION_LIFETIME_S * 1000;
const CHANNEL_MS = CHANNEL_LIFETIME_S * 1000;

function allocation(permissions: [string, number][] = [], channels: [number, ChannelBinding][] = []): AllocationState {
  return { relayed: RELAYED, expiresAt: 3_600_000, permissions: new Map(permissions), channels: new Map(channels) };
}

/** Instants on the virtual clock (ms) and lifetimes; small ones too, so that 0 and 1 come up. */
const instant = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 2 ** 40 }));
const lifetime = fc.oneof(fc.constant(PERMISSION_MS), fc.constant(CHANNEL_MS), fc.integer({ min: 1, max: 10_000_000 }));

describe('a permission (RFC 8656 §9)', () => {
  it('installed at t lasts exactly 300 s: valid at expiresAt - 1, expired at expiresAt (time-to-expiry zero) and after', () => {
    const installedAt = 1_000;
    const state = allocation([[PEER, installedAt + PERMISSION_MS]]);
    expect(hasPermission(state, PEER, installedAt)).toBe(true);
    expect(hasPermission(state, PEER, installedAt + PERMISSION_MS - 1)).toBe(true);
    expect(hasPermission(state, PEER, installedAt + PERMISSION_MS)).toBe(false);
    expect(hasPermission(state, PEER, installedAt + PERMISSION_MS + 1)).toBe(false);
  });

  prop([instant, lifetime, instant], runs(300))('valid exactly on [installed, installed + lifetime): the half-open interval, for every instant and lifetime', (installedAt, ms, at) => {
    const state = allocation([[PEER, installedAt + ms]]);
    expect(hasPermission(state, PEER, at)).toBe(at < installedAt + ms);
    // And at the three instants around the boundary, whatever the draw.
    expect(hasPermission(state, PEER, installedAt + ms - 1)).toBe(true);
    expect(hasPermission(state, PEER, installedAt + ms)).toBe(false);
    expect(hasPermission(state, PEER, installedAt + ms + 1)).toBe(false);
  });

  it('is for an IP address: no permission for any other IP, however alike', () => {
    const state = allocation([[PEER, 10_000]]);
    for (const other of ['192.0.2.2', '192.0.2.200', '::ffff:192.0.2.20', '2001:db8::20', '']) expect(hasPermission(state, other, 0), other).toBe(false);
  });

  prop([fc.uniqueArray(fc.constantFrom('192.0.2.20', '192.0.2.21', '2001:db8::1', '203.0.113.9'), { minLength: 1 }), instant, lifetime, instant], runs(100))(
    'each IP has its own expiry: one lapsing leaves the others as they were',
    (ips, base, ms, at) => {
      const state = allocation(ips.map((ip, i) => [ip, base + ms * (i + 1)]));
      ips.forEach((ip, i) => expect(hasPermission(state, ip, at)).toBe(at < base + ms * (i + 1)));
    },
  );
});

describe('a channel binding (RFC 8656 §12): live before its expiry, gone at it', () => {
  const binding = (port: number, expiresAt: number): ChannelBinding => ({ peer: { address: PEER, port }, expiresAt });

  it('channelByNumber: the binding at expiresAt - 1, none at expiresAt and expiresAt + 1', () => {
    const boundAt = 5_000;
    const state = allocation([], [[0x4000, binding(5000, boundAt + CHANNEL_MS)]]);
    expect(channelByNumber(state, 0x4000, boundAt + CHANNEL_MS - 1)).toEqual(binding(5000, boundAt + CHANNEL_MS));
    expect(channelByNumber(state, 0x4000, boundAt + CHANNEL_MS)).toBeUndefined();
    expect(channelByNumber(state, 0x4000, boundAt + CHANNEL_MS + 1)).toBeUndefined();
  });

  it('channelByPeer: the channel at expiresAt - 1, none at expiresAt and expiresAt + 1', () => {
    const state = allocation([], [[0x4001, binding(5000, CHANNEL_MS)]]);
    const peer = { address: PEER, port: 5000 };
    expect(channelByPeer(state, peer, CHANNEL_MS - 1)).toBe(0x4001);
    expect(channelByPeer(state, peer, CHANNEL_MS)).toBeUndefined();
    expect(channelByPeer(state, peer, CHANNEL_MS + 1)).toBeUndefined();
  });

  prop([instant, lifetime, instant], runs(300))('both lookups: live exactly on [bound, bound + lifetime)', (boundAt, ms, at) => {
    const state = allocation([], [[0x4abc, binding(7000, boundAt + ms)]]);
    const live = at < boundAt + ms;
    expect(channelByNumber(state, 0x4abc, at) !== undefined).toBe(live);
    expect(channelByPeer(state, { address: PEER, port: 7000 }, at)).toBe(live ? 0x4abc : undefined);
  });

  it('a channel is bound to a transport address, IP and port (§12): the same IP from another port is not its peer', () => {
    const state = allocation([], [[0x4000, binding(5000, CHANNEL_MS)]]);
    expect(channelByPeer(state, { address: PEER, port: 5001 }, 0)).toBeUndefined();
    expect(channelByPeer(state, { address: '192.0.2.21', port: 5000 }, 0)).toBeUndefined();
    expect(channelByNumber(state, 0x4001, 0)).toBeUndefined();
  });

  it('channelByPeer skips an expired binding of the peer and finds its live one', () => {
    const state = allocation([], [
      [0x4000, binding(5000, 100)],
      [0x4001, binding(5000, 10_000)],
    ]);
    expect(channelByPeer(state, { address: PEER, port: 5000 }, 100)).toBe(0x4001);
  });
});

describe('peerProblem: may the server relay to this peer (RFC 8656 §9.1, §11.2, §21.3)', () => {
  const open = compilePeerPolicy({ deny: [] });

  it('443 Peer Address Family Mismatch when the peer is not of the relayed address family, either way round', () => {
    expect(peerProblem({ address: '2001:db8::1', port: 1 }, RELAYED, open)).toMatchObject({ code: 443 });
    expect(peerProblem({ address: '192.0.2.1', port: 1 }, { address: '2001:db8::9', port: 9 }, open)).toMatchObject({ code: 443 });
  });

  it('403 Forbidden when the policy denies the peer, with the rule that says so', () => {
    const problem = peerProblem({ address: '10.0.0.7', port: 1 }, RELAYED, compilePeerPolicy({ deny: ['10.0.0.0/8'] }));
    expect(problem).toMatchObject({ code: 403, detail: expect.stringContaining('10.0.0.0/8') });
  });

  it('the family is judged before the policy: a denied peer of the other family gets 443', () => {
    expect(peerProblem({ address: '2001:db8::1', port: 1 }, RELAYED, compilePeerPolicy({ deny: ['::/0'] }))).toMatchObject({ code: 443 });
  });

  it('none for an allowed peer of the same family, whatever its port', () => {
    for (const port of [0, 1, 65535]) expect(peerProblem({ address: PEER, port }, RELAYED, open)).toBeUndefined();
    expect(peerProblem({ address: '2001:db8::1', port: 1 }, { address: '2001:db8::9', port: 9 }, open)).toBeUndefined();
  });
});
