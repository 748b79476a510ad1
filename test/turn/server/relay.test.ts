/**
 * Relaying through an allocation, in the simulator: Send and Data
 * indications (RFC 8656 §11), ChannelData both ways (§12), what permissions
 * and channels admit, and the refusals of CreatePermission and ChannelBind
 * (400, 403, 443).
 */
import { describe, expect, test } from 'vitest';
import { StunMethod, findAttribute } from '../../../src/wire/index.js';
import { compilePeerPolicy } from '../../../src/turn/server/peer-policy.js';
import { Client, PEER_IPS, SERVER_IP, errorCode, relayedAddress, scene, str, text, xor } from './harness.js';

describe('Send and Data indications', () => {
  test('a Send indication is relayed from the relayed address; the peer\'s answer comes back as a Data indication', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    const peer = peers[0]!;
    alice.createPermission(peer.address.address);
    alice.sendIndication(peer.address, text('hello peer'));
    world.runFor(100);
    expect(peer.inbox.map((m) => [str(m.data), m.from])).toEqual([['hello peer', relayed]]);
    peer.send(text('hello alice'), relayed);
    world.runFor(100);
    const [indication] = alice.arrivals.filter((a) => a.kind === 'stun' && a.message.method === StunMethod.Data);
    expect(indication?.kind === 'stun' && findAttribute(indication.message, 'XOR-PEER-ADDRESS')?.value).toEqual(xor(peer.address.address, peer.address.port));
    expect(alice.data.map((d) => str(d.data))).toEqual(['hello alice']);
    expect(world.trace.ofKind('turn.relay').map((r) => [r.direction, r.framing, r.size])).toEqual([
      ['client-to-peer', 'send-indication', 10],
      ['peer-to-client', 'data-indication', 11],
    ]);
  });

  test('without a permission nothing passes either way, and both refusals are traced', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    const peer = peers[0]!;
    alice.sendIndication(peer.address, text('out'));
    peer.send(text('in'), relayed);
    world.runFor(100);
    expect(peer.inbox).toEqual([]);
    expect(alice.data).toEqual([]);
    expect(world.trace.ofKind('turn.refuse').map((r) => [r.direction, r.reason])).toEqual([
      ['client-to-peer', `no permission for ${peer.address.address}`],
      ['peer-to-client', `no permission for ${peer.address.address}`],
    ]);
  });

  test('a permission is for an IP address: any port of that peer is admitted, another IP is not', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    alice.createPermission(peers[0]!.address.address);
    const otherPort = world.host('peer0').bindUdp({ port: 6000 });
    otherPort.send(text('from port 6000'), relayed);
    peers[1]!.send(text('from elsewhere'), relayed);
    world.runFor(100);
    expect(alice.data.map((d) => [d.via, str(d.data)])).toEqual([[`${peers[0]!.address.address}:6000`, 'from port 6000']]);
  });
});

describe('channels', () => {
  test('ChannelData from the client reaches the bound peer; the peer\'s datagrams come back as ChannelData on that channel', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    const peer = peers[0]!;
    expect(alice.channelBind(0x4abc, peer.address).class).toBe('success-response');
    alice.sendChannelData(0x4abc, text('over the channel'));
    world.runFor(100);
    expect(peer.inbox.map((m) => str(m.data))).toEqual(['over the channel']);
    peer.send(text('and back'), relayed);
    world.runFor(100);
    expect(alice.data.map((d) => [d.via, str(d.data)])).toEqual([['channel 0x4abc', 'and back']]);
    // The binding installed a permission too (RFC 8656 §11.2).
    expect(world.trace.ofKind('turn.permission')).toEqual([expect.objectContaining({ event: 'install', peer: peer.address.address, by: 'ChannelBind' })]);
  });

  test('a channel is bound to IP and port: the same peer from another port arrives as a Data indication', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    alice.channelBind(0x4000, peers[0]!.address);
    world.host('peer0').bindUdp({ port: 7000 }).send(text('other port'), relayed);
    world.runFor(100);
    expect(alice.data.map((d) => d.via)).toEqual([`${peers[0]!.address.address}:7000`]);
  });

  test('ChannelData on a channel that is not bound is dropped and traced', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    alice.createPermission(peers[0]!.address.address);
    alice.sendChannelData(0x4001, text('nowhere'));
    world.runFor(100);
    expect(peers[0]!.inbox).toEqual([]);
    expect(world.trace.ofKind('turn.refuse')).toEqual([expect.objectContaining({ direction: 'client-to-peer', reason: 'channel 0x4001 is not bound' })]);
  });

  test.each([
    ['below the range', 0x3fff],
    ['RFC 5766 only', 0x5000],
    ['reserved', 0xffff],
  ])('ChannelBind with a channel number %s (0x%s) gets 400', (_, channel) => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(errorCode(alice.channelBind(channel, peers[0]!.address))).toBe(400);
    expect(world.trace.ofKind('turn.channel')).toEqual([]);
  });

  test('with channelNumbers \'rfc5766\' the server accepts 0x5000-0x7FFF, and relays on them both ways', () => {
    const { world, server, peers } = scene({ channelNumbers: 'rfc5766' });
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    expect(alice.channelBind(0x7ffe, peers[0]!.address).class).toBe('success-response');
    expect(errorCode(alice.channelBind(0x8000, peers[1]!.address))).toBe(400);
    alice.sendChannelData(0x7ffe, text('legacy'));
    world.runFor(100);
    peers[0]!.send(text('legacy back'), relayed);
    world.runFor(100);
    expect(peers[0]!.inbox.map((m) => str(m.data))).toEqual(['legacy']);
    expect(alice.data.map((d) => [d.via, str(d.data)])).toEqual([['channel 0x7ffe', 'legacy back']]);
  });

  test('ChannelBind gets 400 when the channel is bound to another peer, or the peer to another channel; rebinding the same pair refreshes', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(alice.channelBind(0x4001, peers[0]!.address).class).toBe('success-response');
    expect(errorCode(alice.channelBind(0x4001, peers[1]!.address))).toBe(400);
    expect(errorCode(alice.channelBind(0x4002, peers[0]!.address))).toBe(400);
    expect(errorCode(alice.channelBind(0x4001, { ...peers[0]!.address, port: 5001 }))).toBe(400);
    expect(alice.channelBind(0x4001, peers[0]!.address).class).toBe('success-response');
    expect(world.trace.ofKind('turn.channel').map((r) => r.event)).toEqual(['bind', 'refresh']);
  });

  test('ChannelBind without XOR-PEER-ADDRESS, or to port 0, gets 400', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(errorCode(alice.request(StunMethod.ChannelBind, [{ type: 'CHANNEL-NUMBER', value: 0x4001 }]))).toBe(400);
    expect(errorCode(alice.channelBind(0x4001, { address: peers[0]!.address.address, port: 0 }))).toBe(400);
  });
});

describe('refusals of CreatePermission and ChannelBind', () => {
  test('403 Forbidden for a peer the policy denies (here: the server\'s own address), and nothing is installed', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(errorCode(alice.createPermission(SERVER_IP))).toBe(403);
    expect(errorCode(alice.channelBind(0x4001, { address: SERVER_IP, port: 3478 }))).toBe(403);
    // All or nothing: one forbidden peer among allowed ones installs none of them.
    expect(errorCode(alice.createPermission(peers[0]!.address.address, SERVER_IP))).toBe(403);
    expect(world.trace.ofKind('turn.permission')).toEqual([]);
    alice.sendIndication({ address: SERVER_IP, port: 3478 }, text('loop'));
    world.runFor(100);
    expect(world.trace.ofKind('turn.relay')).toEqual([]);
  });

  test('an allow-list admits only its prefixes', () => {
    const { world, server, peers } = scene({ peers: { allow: [`${PEER_IPS[0]}/32`] } });
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(alice.createPermission(peers[0]!.address.address).class).toBe('success-response');
    expect(errorCode(alice.createPermission(peers[1]!.address.address))).toBe(403);
  });

  test('443 Peer Address Family Mismatch for an IPv6 peer of an IPv4 allocation', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    const v6 = [{ type: 'XOR-PEER-ADDRESS' as const, value: { address: '2001:db8::1', port: 5000 } }];
    expect(errorCode(alice.request(StunMethod.CreatePermission, v6))).toBe(443);
    expect(errorCode(alice.request(StunMethod.ChannelBind, [{ type: 'CHANNEL-NUMBER', value: 0x4001 }, ...v6]))).toBe(443);
  });

  test('CreatePermission without XOR-PEER-ADDRESS gets 400; requests on a 5-tuple without an allocation get 437', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.request(StunMethod.Allocate, [], { sign: false });
    expect(errorCode(alice.createPermission(peers[0]!.address.address))).toBe(437);
    expect(errorCode(alice.channelBind(0x4001, peers[0]!.address))).toBe(437);
    expect(errorCode(alice.refresh())).toBe(437);
    alice.allocate();
    expect(errorCode(alice.request(StunMethod.CreatePermission, []))).toBe(400);
  });

  test('an unknown comprehension-required attribute in a CreatePermission gets 420, signed', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    const answer = alice.request(StunMethod.CreatePermission, [
      { type: 'XOR-PEER-ADDRESS', value: xor(peers[0]!.address.address, 0) },
      { type: 'unknown', code: 0x0042, value: new Uint8Array(0) },
    ]);
    expect(errorCode(answer)).toBe(420);
    expect(findAttribute(answer, 'UNKNOWN-ATTRIBUTES')?.value).toEqual([0x0042]);
    expect(answer.integrityOffset).toBeDefined();
  });
});

describe('the peer policy', () => {
  test('prefixes match by their length, for IPv4 and IPv6, and IPv4-mapped IPv6 addresses as IPv4', () => {
    const policy = compilePeerPolicy({ deny: ['10.0.0.0/8', '192.0.2.128/25', '2001:db8::/32', '198.51.100.7'] });
    const allowed = (ip: string) => policy.verdict(ip).allowed;
    expect(['10.1.2.3', '192.0.2.200', '2001:db8:1::5', '198.51.100.7'].map(allowed)).toEqual([false, false, false, false]);
    expect(['11.0.0.1', '192.0.2.127', '2001:db9::1', '198.51.100.8'].map(allowed)).toEqual([true, true, true, true]);
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it reaches.
    expect(['::ffff:10.0.0.1', '::ffff:11.0.0.1'].map(allowed)).toEqual([false, true]);
    expect(compilePeerPolicy().verdict('0.1.2.3')).toEqual({ allowed: false, reason: '0.1.2.3 is in the denied prefix 0.0.0.0/8' });
    expect(compilePeerPolicy().verdict('224.0.0.1').allowed).toBe(false);
    expect(compilePeerPolicy().verdict('127.0.0.1').allowed).toBe(true);
    expect(() => compilePeerPolicy({ deny: ['10.0.0.0/33'] })).toThrow(/prefix length/);
    expect(() => compilePeerPolicy({ allow: ['not-an-ip'] })).toThrow(/not an IP address/);
  });
});
