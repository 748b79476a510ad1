/**
 * TURN over TCP to the server (RFC 8656 §3.1), in the simulator: STUN and
 * ChannelData framed on one stream (ChannelData padded to 4 bytes), relaying
 * to peers still over UDP, and the allocation ending with the connection.
 */
import { describe, expect, test } from 'vitest';
import { StunMethod, TRANSPORT_UDP, encodeStunMessage } from '../../../src/wire/index.js';
import { Client, relayedAddress, scene, str, text } from './harness.js';

describe('TURN over TCP', () => {
  test('the 401 dance, Allocate, CreatePermission and Send/Data over one connection; the 5-tuple is TCP', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address, { transport: 'tcp' });
    const relayed = relayedAddress(alice.allocate());
    const peer = peers[0]!;
    expect(alice.createPermission(peer.address.address).class).toBe('success-response');
    alice.sendIndication(peer.address, text('over tcp'));
    world.runFor(200);
    expect(peer.inbox.map((m) => [str(m.data), m.from])).toEqual([['over tcp', relayed]]);
    peer.send(text('back over tcp'), relayed);
    world.runFor(200);
    expect(alice.data.map((d) => str(d.data))).toEqual(['back over tcp']);
    expect(world.trace.ofKind('turn.allocation')[0]).toMatchObject({ event: 'create', transport: 'tcp' });
    expect(world.trace.ofKind('turn.response').every((r) => r.transport === 'tcp')).toBe(true);
  });

  test('ChannelData both ways, padded to 4 bytes on the stream (the client\'s framer would lose step otherwise)', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address, { transport: 'tcp' });
    const relayed = relayedAddress(alice.allocate());
    const peer = peers[0]!;
    alice.channelBind(0x4444, peer.address);
    // Lengths 1, 2, 3 and 4 need 3, 2, 1 and 0 bytes of padding.
    for (const s of ['a', 'bb', 'ccc', 'dddd']) alice.sendChannelData(0x4444, text(s));
    world.runFor(200);
    expect(peer.inbox.map((m) => str(m.data))).toEqual(['a', 'bb', 'ccc', 'dddd']);
    for (const s of ['e', 'ff', 'ggg', 'hhhh']) peer.send(text(s), relayed);
    world.runFor(200);
    expect(alice.data.map((d) => [d.via, str(d.data)])).toEqual(['e', 'ff', 'ggg', 'hhhh'].map((s) => ['channel 0x4444', s]));
    expect(alice.arrivals.filter((a) => a.kind === 'garbage')).toEqual([]);
  });

  test('a request split across segments and two requests in one segment are both framed', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address, { transport: 'tcp' });
    alice.allocate();
    const binding = (n: number) => encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId: new Uint8Array(12).fill(n), attributes: [] });
    const one = binding(1);
    alice.sendBytes(one.subarray(0, 7));
    world.runFor(100);
    alice.sendBytes(Uint8Array.from([...one.subarray(7), ...binding(2)]));
    world.runFor(200);
    const answered = world.trace.ofKind('turn.response').filter((r) => r.method === 'Binding').map((r) => r.transaction);
    expect(answered).toEqual(['01'.repeat(12), '02'.repeat(12)]);
  });

  test('closing the connection deletes its allocation (RFC 8656 §3.1), closing the relayed port', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address, { transport: 'tcp' });
    const relayed = relayedAddress(alice.allocate());
    alice.close();
    world.runFor(1_000);
    expect(world.trace.ofKind('turn.allocation').map((r) => [r.event, r.event === 'delete' ? r.reason : null])).toEqual([
      ['create', null],
      ['delete', 'connection-closed'],
    ]);
    expect(server.actor.getSnapshot().context.allocations.size).toBe(0);
    peers[0]!.send(text('anyone?'), relayed);
    world.runFor(100);
    expect(world.trace.ofKind('packet.drop').at(-1)).toMatchObject({ reason: 'port-unreachable' });
  });

  test('a stream out of step (a first byte that starts neither STUN nor ChannelData) is traced and closed, and takes its allocation along', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address, { transport: 'tcp' });
    alice.allocate();
    alice.sendBytes(Uint8Array.of(0xc0, 0, 0, 0));
    world.runFor(1_000);
    expect(world.trace.ofKind('turn.ignore').at(-1)).toMatchObject({ transport: 'tcp', reason: expect.stringMatching(/out of step/) });
    expect(world.trace.ofKind('turn.allocation').at(-1)).toMatchObject({ event: 'delete', reason: 'connection-closed' });
    expect(server.actor.getSnapshot().status).toBe('active');
  });

  test('a UDP client and a TCP client from the same address and port are different 5-tuples', () => {
    const { world, server } = scene();
    const overUdp = new Client(world, 'alice', server.address);
    const overTcp = new Client(world, 'alice', server.address, { transport: 'tcp', localPort: overUdp.local.port });
    expect(overTcp.local.port).toBe(overUdp.local.port);
    expect(overUdp.allocate([{ type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP }]).class).toBe('success-response');
    expect(overTcp.allocate().class).toBe('success-response');
    expect(server.actor.getSnapshot().context.allocations.size).toBe(2);
  });
});
