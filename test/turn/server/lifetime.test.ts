/**
 * Lifetimes on the TURN server, on the virtual clock: an allocation ends at
 * exactly its lifetime unless refreshed (RFC 8656 §7), Refresh with LIFETIME 0
 * ends it at once, a permission lasts 300 s (§9) and a channel binding 600 s
 * (§12), each refreshed by the requests that install it.
 */
import { describe, expect, test } from 'vitest';
import type { World } from '../../../src/sim/index.js';
import { TRANSPORT_UDP, findAttribute } from '../../../src/wire/index.js';
import { Client, errorCode, relayedAddress, scene, str, text, type Peer } from './harness.js';

/** An allocation for an hour, so that only what a test looks at expires. */
const FOR_AN_HOUR = [
  { type: 'REQUESTED-TRANSPORT' as const, value: TRANSPORT_UDP },
  { type: 'LIFETIME' as const, value: 3600 },
];

/** The instant (server time) of the last answer of the given method. */
function lastAnswerAt(world: World, method: string): number {
  const answer = world.trace.ofKind('turn.response').filter((r) => r.method === method).at(-1);
  if (answer === undefined) throw new Error(`no ${method} answer`);
  return answer.t;
}

/** Makes `peer` send so that its datagram reaches the relayed address at exactly `arrival` (one hop is 20 ms). */
function arriveAt(world: World, peer: Peer, to: { address: string; port: number }, arrival: number, data: string): void {
  world.clock.scheduleAt(arrival - 20, () => peer.send(text(data), to));
}

describe('allocation lifetime', () => {
  test('an allocation is deleted at exactly its lifetime, and nothing is relayed after', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    alice.createPermission(peers[0]!.address.address);
    const [created] = world.trace.ofKind('turn.allocation');
    expect(created?.event).toBe('create');
    const expiresAt = created!.event === 'create' ? created!.expiresAt : NaN;
    expect(expiresAt).toBe(created!.t + 600_000);

    // Keep the permission alive so that only the allocation's lifetime decides.
    world.clock.scheduleAt(expiresAt - 250_000, () => alice.sendRequest(0x008, [{ type: 'XOR-PEER-ADDRESS', value: { address: peers[0]!.address.address, port: 0 } }]));
    arriveAt(world, peers[0]!, relayed, expiresAt - 1, 'just in time');
    arriveAt(world, peers[0]!, relayed, expiresAt, 'too late');
    world.runFor(700_000);

    const deleted = world.trace.ofKind('turn.allocation').filter((r) => r.event === 'delete');
    expect(deleted).toEqual([expect.objectContaining({ t: expiresAt, reason: 'expired', allocation: `${relayed.address}:${relayed.port}` })]);
    expect(alice.data.map((d) => str(d.data))).toEqual(['just in time']);
    expect(server.actor.getSnapshot().context.allocations.size).toBe(0);
    // 700 s on, the nonce (600 s) is stale too: authentication comes first (RFC 8656 §5), then the 5-tuple.
    expect(errorCode(alice.refresh())).toBe(438);
    expect(errorCode(alice.refresh())).toBe(437);
  });

  test('stopping the server deletes every allocation and frees its relayed port', () => {
    const { world, server } = scene();
    const relayed = [new Client(world, 'alice', server.address), new Client(world, 'bob', server.address)].map((c) => relayedAddress(c.allocate()));
    server.stop();
    expect(world.trace.ofKind('turn.allocation').filter((r) => r.event === 'delete').map((r) => r.event === 'delete' && r.reason)).toEqual(['server-stopped', 'server-stopped']);
    for (const r of relayed) expect(world.host('turn').bindUdp({ address: r.address, port: r.port }).local).toEqual(r);
  });

  test('Refresh extends the lifetime from the moment it arrives', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    world.runFor(500_000);
    const answer = alice.refresh(1200);
    expect(findAttribute(answer, 'LIFETIME')?.value).toBe(1200);
    const refreshedAt = lastAnswerAt(world, 'Refresh');
    world.runFor(1_300_000);
    const deleted = world.trace.ofKind('turn.allocation').filter((r) => r.event === 'delete');
    expect(deleted.map((r) => r.t)).toEqual([refreshedAt + 1_200_000]);
  });

  test('Refresh without LIFETIME grants the default; with LIFETIME above the maximum, the maximum', () => {
    const { world, server } = scene({ defaultLifetimeSeconds: 300, maxLifetimeSeconds: 900 });
    const alice = new Client(world, 'alice', server.address);
    expect(findAttribute(alice.allocate(), 'LIFETIME')?.value).toBe(300);
    expect(findAttribute(alice.refresh(), 'LIFETIME')?.value).toBe(300);
    expect(findAttribute(alice.refresh(5000), 'LIFETIME')?.value).toBe(900);
  });

  test('Refresh with LIFETIME 0 deletes at once; its retransmission gets 437; the 5-tuple can allocate again', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const first = relayedAddress(alice.allocate());
    const transactionId = alice.nextTransactionId();
    const answer = alice.request(0x004, [{ type: 'LIFETIME', value: 0 }], { transactionId });
    expect(answer.class).toBe('success-response');
    expect(findAttribute(answer, 'LIFETIME')?.value).toBe(0);
    const deleted = world.trace.ofKind('turn.allocation').filter((r) => r.event === 'delete');
    expect(deleted).toEqual([expect.objectContaining({ reason: 'refreshed-to-zero', t: lastAnswerAt(world, 'Refresh') })]);

    alice.sendRequest(0x004, [{ type: 'LIFETIME', value: 0 }], { transactionId });
    world.runFor(1_000);
    expect(world.trace.ofKind('turn.response').at(-1)).toMatchObject({ method: 'Refresh', code: 437 });

    const second = relayedAddress(alice.allocate());
    expect(second).not.toEqual(first);
    // The first relayed port is closed: a datagram to it goes nowhere.
    expect(world.host('turn').bindUdp({ address: first.address, port: first.port }).local.port).toBe(first.port);
  });
});

describe('permissions last 300 s', () => {
  test('a permission admits the peer until exactly 300 s after it was installed; refreshed, 300 s from the refresh', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    const [near, far] = [peers[0]!, peers[1]!];
    alice.createPermission(near.address.address, far.address.address);
    const installedAt = lastAnswerAt(world, 'CreatePermission');
    world.runFor(200_000);
    alice.createPermission(far.address.address);
    const refreshedAt = lastAnswerAt(world, 'CreatePermission');

    arriveAt(world, near, relayed, installedAt + 299_999, 'near in time');
    arriveAt(world, near, relayed, installedAt + 300_000, 'near too late');
    arriveAt(world, far, relayed, installedAt + 300_000, 'far refreshed');
    arriveAt(world, far, relayed, refreshedAt + 300_000, 'far too late');
    world.runFor(500_000);

    expect(alice.data.map((d) => str(d.data))).toEqual(['near in time', 'far refreshed']);
    const permissions = world.trace.ofKind('turn.permission').map((r) => [r.event, r.peer, r.t]);
    expect(permissions).toEqual([
      ['install', near.address.address, installedAt],
      ['install', far.address.address, installedAt],
      ['refresh', far.address.address, refreshedAt],
      ['expire', near.address.address, installedAt + 300_000],
      ['expire', far.address.address, refreshedAt + 300_000],
    ]);
    const refused = world.trace.ofKind('turn.refuse').map((r) => [r.direction, r.t, r.reason]);
    expect(refused).toEqual([
      ['peer-to-client', installedAt + 300_000, `no permission for ${near.address.address}`],
      ['peer-to-client', refreshedAt + 300_000, `no permission for ${far.address.address}`],
    ]);
  });

  test('Send indications to a peer stop when its permission expires', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    const peer = peers[0]!;
    alice.createPermission(peer.address.address);
    alice.sendIndication(peer.address, text('while permitted'));
    world.runFor(300_000);
    alice.sendIndication(peer.address, text('after expiry'));
    world.runFor(1_000);
    expect(peer.inbox.map((m) => str(m.data))).toEqual(['while permitted']);
  });
});

describe('channel bindings last 600 s', () => {
  test('a channel expires at exactly 600 s: ChannelData both ways stops, data from the peer comes as Data indications', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate(FOR_AN_HOUR));
    const peer = peers[0]!;
    alice.channelBind(0x4001, peer.address);
    const boundAt = lastAnswerAt(world, 'ChannelBind');
    // The permission lasts 300 s: refresh it, so that only the channel expires.
    world.runFor(250_000);
    alice.createPermission(peer.address.address);
    world.runFor(250_000);
    alice.createPermission(peer.address.address);

    arriveAt(world, peer, relayed, boundAt + 599_999, 'by channel');
    arriveAt(world, peer, relayed, boundAt + 600_000, 'by indication');
    world.runFor(150_000);

    expect(alice.data.map((d) => [d.via, str(d.data)])).toEqual([
      ['channel 0x4001', 'by channel'],
      [`${peer.address.address}:${peer.address.port}`, 'by indication'],
    ]);
    expect(world.trace.ofKind('turn.channel').map((r) => [r.event, r.t])).toEqual([
      ['bind', boundAt],
      ['expire', boundAt + 600_000],
    ]);
    alice.sendChannelData(0x4001, text('unbound now'));
    world.runFor(1_000);
    expect(peer.inbox).toEqual([]);
    expect(world.trace.ofKind('turn.refuse').at(-1)).toMatchObject({ direction: 'client-to-peer', reason: 'channel 0x4001 is not bound' });
  });

  test('a bound channel whose permission lapsed (300 s) carries nothing either way until the permission is refreshed', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate(FOR_AN_HOUR));
    const peer = peers[0]!;
    alice.channelBind(0x4003, peer.address);
    world.runFor(300_000);
    alice.sendChannelData(0x4003, text('lapsed out'));
    peer.send(text('lapsed in'), relayed);
    world.runFor(100);
    expect(peer.inbox).toEqual([]);
    expect(alice.data).toEqual([]);
    expect(world.trace.ofKind('turn.refuse').map((r) => [r.direction, r.reason])).toEqual([
      ['client-to-peer', `no permission for ${peer.address.address}`],
      ['peer-to-client', `no permission for ${peer.address.address}`],
    ]);
    alice.createPermission(peer.address.address);
    alice.sendChannelData(0x4003, text('again'));
    world.runFor(100);
    expect(peer.inbox.map((m) => str(m.data))).toEqual(['again']);
  });

  test('ChannelBind again refreshes the binding (and the permission) for 600 s from then', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate(FOR_AN_HOUR);
    const peer = peers[0]!;
    alice.channelBind(0x4002, peer.address);
    world.runFor(280_000);
    alice.channelBind(0x4002, peer.address);
    const refreshedAt = lastAnswerAt(world, 'ChannelBind');
    world.runFor(700_000);
    const events = world.trace.ofKind('turn.channel').map((r) => [r.event, r.t]);
    expect(events).toEqual([
      ['bind', expect.any(Number)],
      ['refresh', refreshedAt],
      ['expire', refreshedAt + 600_000],
    ]);
    const permission = world.trace.ofKind('turn.permission').map((r) => [r.event, r.by ?? null]);
    expect(permission).toEqual([
      ['install', 'ChannelBind'],
      ['refresh', 'ChannelBind'],
      ['expire', null],
    ]);
  });
});
