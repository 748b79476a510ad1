/**
 * How an allocation judges the authenticated requests that act on it
 * (src/turn/server/allocation/requests.ts), one RFC rule per test: Refresh
 * (RFC 8656 §8.2), CreatePermission (§10.2) and ChannelBind (§12.2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../../src/io/address.js';
import { FamilyOctet, type StunAttribute } from '../../../../src/wire/stun/attribute-types.js';
import { StunMethod } from '../../../../src/wire/stun/header.js';
import { compilePeerPolicy } from '../../../../src/turn/server/peer-policy.js';
import type { ChannelNumberRange } from '../../../../src/turn/server/channels.js';
import { decideAllocationRequest } from '../../../../src/turn/server/allocation/requests.js';
import type { AllocationState, ChannelBinding } from '../../../../src/turn/server/allocation/state.js';
import { prop, runs } from '../../../sim/support.js';
import { stun } from '../../../stun/messages.js';

const RELAYED: TransportAddress = { address: '198.51.100.1', port: 49152 };
const PEER: TransportAddress = { address: '192.0.2.20', port: 5000 };
const AT = 1_000_000;

const config = (over: { defaultLifetimeSeconds?: number; maxLifetimeSeconds?: number; deny?: string[]; channelNumbers?: ChannelNumberRange } = {}) => ({
  defaultLifetimeSeconds: over.defaultLifetimeSeconds ?? 600,
  maxLifetimeSeconds: over.maxLifetimeSeconds ?? 3600,
  peers: compilePeerPolicy({ deny: over.deny ?? ['10.0.0.0/8'] }),
  channelNumbers: over.channelNumbers ?? ('rfc8656' as const),
});

function allocation(channels: [number, ChannelBinding][] = [], relayed = RELAYED): AllocationState {
  return { relayed, expiresAt: AT + 600_000, permissions: new Map(), channels: new Map(channels) };
}

const request = (method: number, attributes: readonly StunAttribute[]) => stun(method, 'request', attributes);
const peerAttr = (peer: TransportAddress): StunAttribute => ({ type: 'XOR-PEER-ADDRESS', value: peer });
const channelAttr = (channel: number): StunAttribute => ({ type: 'CHANNEL-NUMBER', value: channel });

describe('Refresh (RFC 8656 §8.2)', () => {
  const refresh = (attributes: readonly StunAttribute[], c = config(), state = allocation()) => decideAllocationRequest(request(StunMethod.Refresh, attributes), state, c, AT);

  it('"if the attribute value is zero, then the desired lifetime is zero": the allocation is deleted', () => {
    expect(refresh([{ type: 'LIFETIME', value: 0 }])).toEqual({ kind: 'delete' });
  });

  it('without LIFETIME the desired lifetime is the default', () => {
    expect(refresh([])).toEqual({ kind: 'refresh', lifetimeSeconds: 600 });
  });

  prop([fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 7200 }), fc.integer({ min: 0, max: 7200 })], runs(300))(
    'a non-zero LIFETIME: the minimum of the request and the maximum if that exceeds the default, else the default',
    (requested, defaultLifetimeSeconds, extra) => {
      const maxLifetimeSeconds = defaultLifetimeSeconds + extra;
      const capped = Math.min(requested, maxLifetimeSeconds);
      const desired = capped > defaultLifetimeSeconds ? capped : defaultLifetimeSeconds;
      expect(refresh([{ type: 'LIFETIME', value: requested }], config({ defaultLifetimeSeconds, maxLifetimeSeconds }))).toEqual({ kind: 'refresh', lifetimeSeconds: desired });
    },
  );

  it('REQUESTED-ADDRESS-FAMILY that does not match the allocation\'s family: 443 (Peer Address Family Mismatch)', () => {
    expect(refresh([{ type: 'REQUESTED-ADDRESS-FAMILY', value: FamilyOctet.IPv6 }])).toMatchObject({ kind: 'error', code: 443 });
    expect(refresh([{ type: 'REQUESTED-ADDRESS-FAMILY', value: FamilyOctet.IPv4 }], config(), allocation([], { address: '2001:db8::1', port: 9 }))).toMatchObject({ kind: 'error', code: 443 });
  });

  it('REQUESTED-ADDRESS-FAMILY that matches is no obstacle, even with LIFETIME 0', () => {
    expect(refresh([{ type: 'REQUESTED-ADDRESS-FAMILY', value: FamilyOctet.IPv4 }])).toEqual({ kind: 'refresh', lifetimeSeconds: 600 });
    expect(refresh([{ type: 'REQUESTED-ADDRESS-FAMILY', value: FamilyOctet.IPv4 }, { type: 'LIFETIME', value: 0 }])).toEqual({ kind: 'delete' });
  });

  it('a mismatched family is refused before LIFETIME 0 could delete the allocation', () => {
    expect(refresh([{ type: 'REQUESTED-ADDRESS-FAMILY', value: FamilyOctet.IPv6 }, { type: 'LIFETIME', value: 0 }])).toMatchObject({ kind: 'error', code: 443 });
  });
});

describe('CreatePermission (RFC 8656 §10.2)', () => {
  const permit = (peers: readonly TransportAddress[], c = config()) => decideAllocationRequest(request(StunMethod.CreatePermission, peers.map(peerAttr)), allocation(), c, AT);

  it('"MUST contain at least one XOR-PEER-ADDRESS": without, 400', () => {
    expect(permit([])).toMatchObject({ kind: 'error', code: 400 });
  });

  it('a permission for the IP of each XOR-PEER-ADDRESS; "the port portion ... is ignored": one per IP, however many ports', () => {
    expect(permit([PEER, { ...PEER, port: 1 }, { address: '192.0.2.21', port: 0 }])).toEqual({ kind: 'permit', peers: ['192.0.2.20', '192.0.2.21'] });
  });

  it('a peer of the other address family: 443, and no permission at all (all or nothing)', () => {
    expect(permit([PEER, { address: '2001:db8::1', port: 1 }])).toMatchObject({ kind: 'error', code: 443 });
  });

  it('a peer the server forbids ("MAY impose restrictions"): 403, and no permission at all, whichever position it has', () => {
    expect(permit([{ address: '10.1.2.3', port: 1 }, PEER])).toMatchObject({ kind: 'error', code: 403 });
    expect(permit([PEER, { address: '10.1.2.3', port: 1 }])).toMatchObject({ kind: 'error', code: 403 });
  });

  prop([fc.array(fc.record({ address: fc.constantFrom('192.0.2.20', '192.0.2.21', '10.0.0.1', '2001:db8::1'), port: fc.nat(0xffff) }), { minLength: 1, maxLength: 5 })], runs(200))(
    'permits every distinct IP when all are allowed, else refuses the lot',
    (peers) => {
      const decision = permit(peers);
      const refused = peers.some((p) => p.address === '10.0.0.1' || p.address === '2001:db8::1');
      if (refused) expect(decision.kind).toBe('error');
      else expect(decision).toEqual({ kind: 'permit', peers: [...new Set(peers.map((p) => p.address))] });
    },
  );
});

describe('ChannelBind (RFC 8656 §12.2)', () => {
  const bind = (attributes: readonly StunAttribute[], state = allocation(), c = config()) => decideAllocationRequest(request(StunMethod.ChannelBind, attributes), state, c, AT);
  const binding = (peer: TransportAddress, expiresAt = AT + 600_000): ChannelBinding => ({ peer, expiresAt });

  it('binds the channel to the peer\'s transport address', () => {
    expect(bind([channelAttr(0x4000), peerAttr(PEER)])).toEqual({ kind: 'bind', channel: 0x4000, peer: PEER });
  });

  it('"contains both a CHANNEL-NUMBER and an XOR-PEER-ADDRESS": without either, 400', () => {
    expect(bind([peerAttr(PEER)])).toMatchObject({ kind: 'error', code: 400 });
    expect(bind([channelAttr(0x4000)])).toMatchObject({ kind: 'error', code: 400 });
  });

  it('"the channel number is in the range 0x4000 through 0x4FFF (inclusive)": 400 outside, both ends inside', () => {
    for (const channel of [0x0000, 0x3fff, 0x5000, 0x7fff, 0xffff]) expect(bind([channelAttr(channel), peerAttr(PEER)]), channel.toString(16)).toMatchObject({ kind: 'error', code: 400 });
    for (const channel of [0x4000, 0x4fff]) expect(bind([channelAttr(channel), peerAttr(PEER)])).toMatchObject({ kind: 'bind', channel });
  });

  it('a server configured for RFC 5766 clients also binds 0x5000-0x7FFF, and still not 0x8000', () => {
    const legacy = config({ channelNumbers: 'rfc5766' });
    expect(bind([channelAttr(0x7fff), peerAttr(PEER)], allocation(), legacy)).toMatchObject({ kind: 'bind', channel: 0x7fff });
    expect(bind([channelAttr(0x8000), peerAttr(PEER)], allocation(), legacy)).toMatchObject({ kind: 'error', code: 400 });
  });

  it('"not currently bound to a different transport address": 400, even for the same IP on another port', () => {
    const state = allocation([[0x4000, binding(PEER)]]);
    expect(bind([channelAttr(0x4000), peerAttr({ ...PEER, port: 5001 })], state)).toMatchObject({ kind: 'error', code: 400 });
  });

  it('"(same transport address is OK)": rebinding the channel to its peer refreshes it', () => {
    const state = allocation([[0x4000, binding(PEER)]]);
    expect(bind([channelAttr(0x4000), peerAttr(PEER)], state)).toEqual({ kind: 'bind', channel: 0x4000, peer: PEER });
  });

  it('"the transport address is not currently bound to a different channel number": 400', () => {
    const state = allocation([[0x4001, binding(PEER)]]);
    expect(bind([channelAttr(0x4000), peerAttr(PEER)], state)).toMatchObject({ kind: 'error', code: 400 });
  });

  it('a binding that expires at this very instant binds nothing any more: its channel and its peer are free', () => {
    expect(bind([channelAttr(0x4000), peerAttr({ ...PEER, port: 5001 })], allocation([[0x4000, binding(PEER, AT)]]))).toMatchObject({ kind: 'bind' });
    expect(bind([channelAttr(0x4000), peerAttr(PEER)], allocation([[0x4001, binding(PEER, AT)]]))).toMatchObject({ kind: 'bind' });
    // One millisecond before, both still hold.
    expect(bind([channelAttr(0x4000), peerAttr({ ...PEER, port: 5001 })], allocation([[0x4000, binding(PEER, AT + 1)]]))).toMatchObject({ kind: 'error', code: 400 });
    expect(bind([channelAttr(0x4000), peerAttr(PEER)], allocation([[0x4001, binding(PEER, AT + 1)]]))).toMatchObject({ kind: 'error', code: 400 });
  });

  it('port 0 cannot be a channel\'s peer: 400', () => {
    expect(bind([channelAttr(0x4000), peerAttr({ ...PEER, port: 0 })])).toMatchObject({ kind: 'error', code: 400 });
  });

  it('"if the XOR-PEER-ADDRESS attribute contains an address of an address family that is not the same as that of the relayed transport address": 443', () => {
    expect(bind([channelAttr(0x4000), peerAttr({ address: '2001:db8::1', port: 1 })])).toMatchObject({ kind: 'error', code: 443 });
  });

  it('a peer the server forbids: 403', () => {
    expect(bind([channelAttr(0x4000), peerAttr({ address: '10.0.0.1', port: 1 })])).toMatchObject({ kind: 'error', code: 403 });
  });
});

describe('other methods', () => {
  it('Allocate, Binding, Send or an unknown method do not act on an allocation: 400', () => {
    for (const method of [StunMethod.Allocate, StunMethod.Binding, StunMethod.Send, 0x0ff]) {
      expect(decideAllocationRequest(request(method, []), allocation(), config(), AT)).toMatchObject({ kind: 'error', code: 400 });
    }
  });
});
