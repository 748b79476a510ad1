/**
 * The data plane of an allocation, as values (src/turn/server/allocation/relay.ts):
 * what the server does with a Send indication (RFC 8656 §11.2), ChannelData
 * from the client (§12.6) and a datagram from a peer (§11.3, §12.7), one rule
 * per test. The permission model the properties check against is written
 * here, from the RFC, not taken from state.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../../src/io/address.js';
import { StunMethod } from '../../../../src/wire/stun/header.js';
import type { StunAttribute } from '../../../../src/wire/stun/attribute-types.js';
import { judgeChannelData, judgePeerDatagram, judgeSend } from '../../../../src/turn/server/allocation/relay.js';
import type { AllocationState, ChannelBinding } from '../../../../src/turn/server/allocation/state.js';
import { prop, runs } from '../../../sim/support.js';
import { UNKNOWN_OPTIONAL, UNKNOWN_REQUIRED, stun } from '../../../stun/messages.js';

const RELAYED: TransportAddress = { address: '198.51.100.1', port: 49152 };
const PEER: TransportAddress = { address: '192.0.2.20', port: 5000 };
const DATA = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01]);
const AT = 1_000_000;

function allocation(permissions: [string, number][] = [], channels: [number, ChannelBinding][] = []): AllocationState {
  return { relayed: RELAYED, expiresAt: AT + 3_600_000, permissions: new Map(permissions), channels: new Map(channels) };
}
const permitted = (ip = PEER.address, expiresAt = AT + 300_000) => allocation([[ip, expiresAt]]);

function send(attributes: readonly StunAttribute[]) {
  return stun(StunMethod.Send, 'indication', attributes);
}
const peerAttr = (peer: TransportAddress): StunAttribute => ({ type: 'XOR-PEER-ADDRESS', value: peer });
const dataAttr = (data: Uint8Array): StunAttribute => ({ type: 'DATA', value: data });

/** Small pools so that draws meet: IPs of both families, ports including 0. */
const ip = fc.constantFrom('192.0.2.20', '192.0.2.21', '203.0.113.5', '2001:db8::1');
const port = fc.constantFrom(0, 1, 5000, 5001, 65535);
const address = fc.record({ address: ip, port });
const offset = fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: -400_000, max: 400_000 }));
const permissions = fc.array(fc.tuple(ip, offset), { maxLength: 4 });

describe('a Send indication (RFC 8656 §11.2)', () => {
  it('with XOR-PEER-ADDRESS, DATA and a permission for the peer is relayed: to that peer, those bytes, as a Send indication', () => {
    const verdict = judgeSend(send([peerAttr(PEER), dataAttr(DATA)]), permitted(), AT);
    expect(verdict).toEqual({ kind: 'relay', peer: PEER, data: DATA, framing: 'send-indication' });
  });

  it('"MUST contain both an XOR-PEER-ADDRESS attribute and a DATA attribute": without either it is discarded', () => {
    for (const attributes of [[dataAttr(DATA)], [peerAttr(PEER)], []]) {
      const verdict = judgeSend(send(attributes), permitted(), AT);
      expect(verdict, JSON.stringify(attributes.map((a) => a.type))).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('XOR-PEER-ADDRESS or DATA') });
    }
  });

  it('an indication with an unknown comprehension-required attribute is discarded (RFC 8489 §6.3.2), an unknown optional one is not', () => {
    expect(judgeSend(send([peerAttr(PEER), dataAttr(DATA), UNKNOWN_REQUIRED]), permitted(), AT)).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('unknown comprehension-required') });
    expect(judgeSend(send([peerAttr(PEER), dataAttr(DATA), UNKNOWN_OPTIONAL]), permitted(), AT)).toMatchObject({ kind: 'relay' });
  });

  it('DONT-FRAGMENT, which this server cannot honour, is treated as an unknown comprehension-required attribute: discarded', () => {
    expect(judgeSend(send([peerAttr(PEER), dataAttr(DATA), { type: 'DONT-FRAGMENT' }]), permitted(), AT)).toMatchObject({ kind: 'refuse', peer: PEER, reason: expect.stringContaining('DONT-FRAGMENT') });
  });

  it('the server restricts the peer port (§11.2 "MAY impose restrictions"): port 0 is never relayed to', () => {
    expect(judgeSend(send([peerAttr({ ...PEER, port: 0 }), dataAttr(DATA)]), permitted(), AT)).toMatchObject({ kind: 'refuse', reason: 'peer port 0' });
  });

  it('without a permission for the peer IP it is discarded (§9), the refusal naming the peer and the size', () => {
    const verdict = judgeSend(send([peerAttr(PEER), dataAttr(DATA)]), permitted('192.0.2.99'), AT);
    expect(verdict).toEqual({ kind: 'refuse', peer: PEER, size: DATA.length, reason: `no permission for ${PEER.address}` });
  });

  it('a permission that expires at this very instant is no permission (§9: time-to-expiry zero means expired)', () => {
    expect(judgeSend(send([peerAttr(PEER), dataAttr(DATA)]), permitted(PEER.address, AT), AT)).toMatchObject({ kind: 'refuse' });
    expect(judgeSend(send([peerAttr(PEER), dataAttr(DATA)]), permitted(PEER.address, AT + 1), AT)).toMatchObject({ kind: 'relay' });
  });

  prop([permissions, address, fc.uint8Array({ maxLength: 40 })], runs(300))(
    'relayed exactly when the peer port is not 0 and the peer IP has a permission expiring after now, whatever its port (§9: ports are not compared)',
    (perms, peer, data) => {
      const state = allocation(perms.map(([p, o]) => [p, AT + o]));
      const expiry = state.permissions.get(peer.address);
      const live = expiry !== undefined && AT < expiry;
      const verdict = judgeSend(send([peerAttr(peer), dataAttr(data)]), state, AT);
      expect(verdict.kind).toBe(live && peer.port !== 0 ? 'relay' : 'refuse');
      if (verdict.kind === 'relay') expect([verdict.peer, [...verdict.data]]).toEqual([peer, [...data]]);
    },
  );
});

describe('ChannelData from the client (RFC 8656 §12.6)', () => {
  const bound = (expiresAt = AT + 600_000): [number, ChannelBinding] => [0x4001, { peer: PEER, expiresAt }];

  it('on a bound channel whose peer has a permission: relayed to the bound transport address, the data as is', () => {
    const verdict = judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([[PEER.address, AT + 300_000]], [bound()]), AT);
    expect(verdict).toEqual({ kind: 'relay', peer: PEER, data: DATA, framing: 'channel-data' });
  });

  it('"if the Length field ... is 0 ... the UDP datagram is still formed and sent": empty data is relayed', () => {
    const verdict = judgeChannelData({ channelNumber: 0x4001, data: new Uint8Array() }, allocation([[PEER.address, AT + 300_000]], [bound()]), AT);
    expect(verdict).toMatchObject({ kind: 'relay', data: new Uint8Array() });
  });

  it('"on a channel that is not bound to any peer": discarded, naming the channel', () => {
    const verdict = judgeChannelData({ channelNumber: 0x4002, data: DATA }, allocation([[PEER.address, AT + 300_000]], [bound()]), AT);
    expect(verdict).toEqual({ kind: 'refuse', size: DATA.length, reason: 'channel 0x4002 is not bound' });
  });

  it('on a channel whose binding expires at this very instant: discarded (the binding is gone at its expiry)', () => {
    expect(judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([[PEER.address, AT + 300_000]], [bound(AT)]), AT)).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('not bound') });
    expect(judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([[PEER.address, AT + 300_000]], [bound(AT + 1)]), AT)).toMatchObject({ kind: 'relay' });
  });

  it('a binding outlives its permission (§12.1: "permissions need to be refreshed more frequently than channels"): once the permission lapsed, discarded', () => {
    for (const expiry of [AT, AT - 1]) {
      const verdict = judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([[PEER.address, expiry]], [bound()]), AT);
      expect(verdict).toEqual({ kind: 'refuse', peer: PEER, size: DATA.length, reason: `no permission for ${PEER.address}` });
    }
    expect(judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([], [bound()]), AT)).toMatchObject({ kind: 'refuse', peer: PEER });
  });

  prop([fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 })], runs(50))('relayed exactly when both the binding and the permission expire after now', (channelOffset, permissionOffset) => {
    const verdict = judgeChannelData({ channelNumber: 0x4001, data: DATA }, allocation([[PEER.address, AT + permissionOffset]], [bound(AT + channelOffset)]), AT);
    expect(verdict.kind).toBe(channelOffset > 0 && permissionOffset > 0 ? 'relay' : 'refuse');
  });
});

describe('a datagram from a peer at the relayed address (RFC 8656 §11.3, §12.7)', () => {
  it('without a permission for its source IP: discarded (§9 "silently discards")', () => {
    expect(judgePeerDatagram(PEER, allocation(), AT)).toEqual({ kind: 'refuse', reason: `no permission for ${PEER.address}` });
  });

  it('with a permission and no channel: a Data indication', () => {
    expect(judgePeerDatagram(PEER, permitted(), AT)).toEqual({ kind: 'indication' });
  });

  it('with a channel bound to its exact transport address: ChannelData on that channel (§12.5: the server MUST use the channel)', () => {
    const state = allocation([[PEER.address, AT + 300_000]], [[0x4abc, { peer: PEER, expiresAt: AT + 600_000 }]]);
    expect(judgePeerDatagram(PEER, state, AT)).toEqual({ kind: 'channel', channel: 0x4abc });
  });

  it('the same IP from another port: permitted (ports are not compared), but not the channel\'s peer: a Data indication', () => {
    const state = allocation([[PEER.address, AT + 300_000]], [[0x4abc, { peer: PEER, expiresAt: AT + 600_000 }]]);
    expect(judgePeerDatagram({ ...PEER, port: PEER.port + 1 }, state, AT)).toEqual({ kind: 'indication' });
  });

  it('at the instant the channel expires: a Data indication, no longer ChannelData', () => {
    const state = allocation([[PEER.address, AT + 300_000]], [[0x4abc, { peer: PEER, expiresAt: AT }]]);
    expect(judgePeerDatagram(PEER, state, AT)).toEqual({ kind: 'indication' });
  });

  prop([permissions, address], runs(300))('relayed exactly when its IP has a permission expiring after now, whatever the port', (perms, from) => {
    const state = allocation(perms.map(([p, o]) => [p, AT + o]));
    const expiry = state.permissions.get(from.address);
    expect(judgePeerDatagram(from, state, AT).kind !== 'refuse').toBe(expiry !== undefined && AT < expiry);
  });
});
