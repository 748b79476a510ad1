/**
 * The TURN client against our TURN server (src/turn/server*) in the
 * simulated world, on virtual time: the client behind NATs, a peer behind
 * another NAT, the server on the internet.
 *
 * - data relayed both ways, as Send/Data indications and as ChannelData, over
 *   UDP from behind a symmetric NAT and over TCP from a network that lets
 *   only TCP out; the trace shows each datagram at the client, the relay at
 *   the server, and the peer;
 * - an hour of virtual time: the allocation and the permission (or the
 *   channel) stay alive with exactly the Refresh, CreatePermission and
 *   ChannelBind transactions the schedule says;
 * - how an allocation ends: a Refresh from a new 5-tuple (the NAT forgot the
 *   mapping without keepalives) gets 437; a silent server lets the lifetime
 *   run out; a closed connection or socket;
 * - the same seed gives the same trace, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { createWorld, type NetworkProfileName, type World } from '../../../src/sim/index.js';
import { type TransportAddress } from '../../../src/io/index.js';
import { startBindingServer } from '../../../src/stun/binding-server.js';
import { bindingRequest, mappedAddress, startStunTransaction } from '../../../src/stun/client.js';
import { datagramFlow } from '../../../src/stun/flow.js';
import { type TurnClientInput } from '../../../src/turn/client/types.js';
import { startSimTurnClient } from '../../../src/turn/client/sim.js';
import { relayedTransport } from '../../../src/turn/client/relayed-transport.js';
import { type TurnClientActor } from '../../../src/turn/client/machine.js';
import { startSimTurnServer, type SimTurnServer } from '../../../src/turn/server/sim.js';
import { type TurnServerConfig } from '../../../src/turn/server/config.js';
import { collect, pattern, runUntil, text } from './support.js';

const REALM = 'example.org';
const CREDENTIALS = { username: 'alice', password: 'alice-password' };
const HOUR_MS = 3_600_000;

interface Scene {
  readonly world: World;
  readonly server: SimTurnServer;
}

function scene(alice: NetworkProfileName, config: Partial<TurnServerConfig> = {}, seed = 1): Scene {
  const world = createWorld(
    { hosts: [{ id: 'turn', address: '198.51.100.1' }, { id: 'alice', profile: alice }, { id: 'bob', profile: 'port-restricted' }] },
    { seed },
  );
  const server = startSimTurnServer(world, 'turn', { config: { realm: REALM, users: { alice: CREDENTIALS.password }, ...config } });
  return { world, server };
}

function client(s: Scene, transport: 'udp' | 'tcp', input: Partial<TurnClientInput> = {}) {
  const started = startSimTurnClient(s.world, 'alice', { server: s.server.address, transport, credentials: CREDENTIALS, ...input });
  return { ...started, told: collect(started.actor) };
}

function allocate(s: Scene, c: { actor: TurnClientActor }) {
  expect(runUntil(s.world, () => c.actor.getSnapshot().context.allocation !== undefined || c.actor.getSnapshot().status !== 'active', 5_000)).toBe(true);
  const allocation = c.actor.getSnapshot().context.allocation;
  if (allocation === undefined) throw new Error(`no allocation: ${JSON.stringify(c.actor.getSnapshot().output)}`);
  return allocation;
}

/** Bob, a peer behind a port-restricted NAT: a UDP socket that learns its server-reflexive address from the TURN server (a STUN server too). */
function peer(s: Scene) {
  const socket = s.world.host('bob').bindUdp({ port: 5000 });
  const inbox: { data: Uint8Array; from: TransportAddress }[] = [];
  socket.onMessage((data, from) => inbox.push({ data: data.slice(), from }));
  const binding = startStunTransaction({ flow: datagramFlow(socket, s.server.address), request: bindingRequest(), random: s.world.random.fork('bob:stun') }, { clock: s.world.clock });
  runUntil(s.world, () => binding.getSnapshot().status === 'done', 5_000);
  const outcome = binding.getSnapshot().output;
  const srflx = outcome?.kind === 'success' ? mappedAddress(outcome.response) : undefined;
  if (srflx === undefined) throw new Error(`bob learned no address: ${JSON.stringify(outcome)}`);
  inbox.length = 0;
  return { socket, inbox, srflx: { address: srflx.address, port: srflx.port } };
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('the TURN client against our TURN server, in the simulator', () => {
  it('relays between a client behind a symmetric NAT and a peer behind a port-restricted NAT, both ways, as indications and as ChannelData', () => {
    const s = scene('symmetric');
    const alice = client(s, 'udp');
    const allocation = allocate(s, alice);
    const bob = peer(s);
    expect(allocation.relayed).toEqual({ address: '198.51.100.1', port: expect.any(Number) });
    // The server saw alice's symmetric NAT's mapping, not her LAN address.
    expect(allocation.mapped?.address).not.toBe(s.world.host('alice').addresses[0]);

    alice.actor.send({ type: 'permission.create', peers: [bob.srflx] });
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.permission'));
    bob.socket.send(text('hello alice, from bob'), allocation.relayed);
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.data'));
    const fromBob = alice.told.find((t) => t.type === 'turn.data');
    expect(fromBob).toMatchObject({ type: 'turn.data', via: 'data-indication', peer: bob.srflx });
    alice.actor.send({ type: 'send', peer: bob.srflx, data: text('hello bob, from alice') });
    runUntil(s.world, () => bob.inbox.length > 0);
    expect(bob.inbox).toEqual([{ data: text('hello bob, from alice'), from: allocation.relayed }]);

    alice.actor.send({ type: 'channel.bind', peer: bob.srflx });
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.channel'));
    const big = pattern(1203, 5);
    alice.actor.send({ type: 'send', peer: bob.srflx, data: big });
    bob.socket.send(text('via the channel'), allocation.relayed);
    runUntil(s.world, () => bob.inbox.length > 1 && alice.told.filter((t) => t.type === 'turn.data').length > 1);
    expect(equal(bob.inbox[1]!.data, big)).toBe(true);
    expect(alice.told.filter((t) => t.type === 'turn.data').at(-1)).toMatchObject({ via: 'channel-data', peer: bob.srflx, data: text('via the channel') });

    // The trace: each datagram at the client, relayed by the server, framed as the client said.
    expect(s.world.trace.ofKind('turn.client.data').map((r) => [r.direction, r.framing, r.size])).toEqual([
      ['from-peer', 'data-indication', 21],
      ['to-peer', 'send-indication', 21],
      ['to-peer', 'channel-data', 1203],
      ['from-peer', 'channel-data', 15],
    ]);
    const bobAt = `${bob.srflx.address}:${bob.srflx.port}`;
    expect(s.world.trace.ofKind('turn.relay').map((r) => [r.direction, r.framing, r.peer])).toEqual([
      ['peer-to-client', 'data-indication', bobAt],
      ['client-to-peer', 'send-indication', bobAt],
      ['client-to-peer', 'channel-data', bobAt],
      ['peer-to-client', 'channel-data', bobAt],
    ]);
    // Bob wrote only after alice's permission was installed: the server refused nothing.
    expect(s.world.trace.ofKind('turn.refuse')).toEqual([]);
  });

  it('over TCP from a network that lets only TCP out: allocation, permission and ChannelData both ways (padded, RFC 8656 §3.1)', () => {
    const s = scene('udp-blocked');
    const alice = client(s, 'tcp');
    const allocation = allocate(s, alice);
    const bob = peer(s);
    alice.actor.send({ type: 'channel.bind', peer: bob.srflx });
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.channel'));
    expect(alice.told.find((t) => t.type === 'turn.channel')).toMatchObject({ result: 'bound', channel: 0x4000 });
    // Bob first: his NAT lets in only what answers his own datagrams (address-and-port-dependent filtering).
    for (const n of [7, 1]) bob.socket.send(pattern(n, 100 + n), allocation.relayed);
    runUntil(s.world, () => alice.told.filter((t) => t.type === 'turn.data').length === 2);
    expect(alice.told.filter((t) => t.type === 'turn.data').map((t) => t.type === 'turn.data' && [t.via, Array.from(t.data)])).toEqual([
      ['channel-data', Array.from(pattern(7, 107))],
      ['channel-data', Array.from(pattern(1, 101))],
    ]);
    // Lengths 1 to 5: ChannelData padded to 4 bytes on the stream, unpadded again at the peer.
    for (const n of [1, 2, 3, 4, 5]) alice.actor.send({ type: 'send', peer: bob.srflx, data: pattern(n, n) });
    runUntil(s.world, () => bob.inbox.length === 5);
    expect(bob.inbox.map((m) => m.data)).toEqual([1, 2, 3, 4, 5].map((n) => pattern(n, n)));
    expect(s.world.trace.ofKind('stun.request').every((r) => r.transport === 'tcp')).toBe(true);
  });
});

describe('the allocation as a socket (how ICE checks a relayed candidate)', () => {
  it('a STUN Binding transaction through relayedTransport: the peer answers, and sees the relayed address', () => {
    const s = scene('symmetric');
    const alice = client(s, 'udp');
    const allocation = allocate(s, alice);
    const bob = peer(s);
    startBindingServer({ socket: bob.socket, trace: s.world.trace, agent: 'bob' }, { clock: s.world.clock });
    alice.actor.send({ type: 'permission.create', peers: [bob.srflx] });
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.permission'));
    // Bob's own check opens his NAT towards the relayed address, as ICE's checks from both sides do.
    bob.socket.send(text('check from bob'), allocation.relayed);
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.data'));

    const relayed = relayedTransport(alice.actor);
    expect(relayed.local).toEqual(allocation.relayed);
    const check = startStunTransaction({ flow: datagramFlow(relayed, bob.srflx), request: bindingRequest(), random: s.world.random.fork('alice:check'), trace: s.world.trace, agent: 'alice' }, { clock: s.world.clock });
    runUntil(s.world, () => check.getSnapshot().status === 'done');
    const outcome = check.getSnapshot().output!;
    expect(outcome).toMatchObject({ kind: 'success', from: bob.srflx, transmissions: 1 });
    expect(outcome.kind === 'success' && mappedAddress(outcome.response)).toEqual({ ...allocation.relayed });
    expect(s.world.trace.ofKind('stun.request').at(-1)).toMatchObject({ method: 'Binding', from: `${allocation.relayed.address}:${allocation.relayed.port}` });

    expect(() => relayed.send(text('x'), { address: 'bob.local', port: 1 })).toThrow(/EINVAL/);
    relayed.close();
    expect(relayed.closed).toBe(true);
    expect(() => relayed.send(text('x'), bob.srflx)).toThrow(/ECLOSED/);
    s.world.runFor(1_000);
    expect(alice.actor.getSnapshot().output).toEqual({ kind: 'released', confirmed: true });
  });
});

describe('an hour of virtual time', () => {
  it('over UDP behind a symmetric NAT: Refresh every 540 s, CreatePermission every 240 s, keepalives hold the mapping; data still flows at the end', () => {
    const s = scene('symmetric');
    const alice = client(s, 'udp');
    const allocation = allocate(s, alice);
    const bob = peer(s);
    alice.actor.send({ type: 'permission.create', peers: [bob.srflx] });
    s.world.runFor(HOUR_MS - s.world.clock.now());

    const trace = s.world.trace;
    const mine = trace.ofKind('turn.client.allocation');
    const refreshed = mine.filter((r) => r.event === 'refreshed');
    // libwebrtc's schedule: each Refresh one minute before the lifetime of the previous answer ends.
    expect(refreshed).toHaveLength(6);
    const allocatedAt = mine.find((r) => r.event === 'allocated')!.t;
    const refreshAsked = trace.ofKind('stun.request').filter((r) => r.method === 'Refresh');
    expect(refreshAsked[0]!.t - allocatedAt).toBe(540_000);
    // 600 s nonces: some requests meet a 438 and go again, once each.
    const stale = mine.filter((r) => r.event === 'stale-nonce');
    expect(refreshAsked).toHaveLength(6 + stale.filter((r) => r.method === 'Refresh').length);

    const permissionAsked = trace.ofKind('turn.client.permission').filter((r) => r.event === 'request');
    const gaps = permissionAsked.slice(1).map((r, i) => r.t - permissionAsked[i]!.t);
    // Armed by each success: 240 s plus one round trip (two after a 438).
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(240_000), expect(gap).toBeLessThan(240_200);
    expect(permissionAsked).toHaveLength(15);
    expect(trace.ofKind('turn.client.permission').filter((r) => r.event === 'refreshed')).toHaveLength(14);
    expect(trace.ofKind('turn.permission').filter((r) => r.event === 'expire')).toEqual([]);
    expect(trace.ofKind('turn.allocation').filter((r) => r.event === 'delete')).toEqual([]);
    expect(alice.actor.getSnapshot().value).toMatchObject({ allocated: { refresh: 'waiting' } });
    // A Binding indication every 15 s: alice's NAT never let the mapping of her 5-tuple go (its UDP mappings last 2 minutes).
    expect(trace.ofKind('nat.mapping.expire').filter((r) => r.nat === 'alice-home-nat')).toEqual([]);

    bob.socket.send(text('still there?'), allocation.relayed);
    runUntil(s.world, () => alice.told.some((t) => t.type === 'turn.data'));
    alice.actor.send({ type: 'send', peer: bob.srflx, data: text('yes') });
    runUntil(s.world, () => bob.inbox.length > 0);
    expect(bob.inbox.map((m) => m.data)).toEqual([text('yes')]);
  });

  it('over TCP with a channel: ChannelBind every 240 s keeps channel and permission; no CreatePermission refreshes while it is bound', () => {
    const s = scene('udp-blocked');
    const alice = client(s, 'tcp');
    const allocation = allocate(s, alice);
    const bob = peer(s);
    alice.actor.send({ type: 'permission.create', peers: [bob.srflx] });
    alice.actor.send({ type: 'channel.bind', peer: bob.srflx });
    s.world.runFor(HOUR_MS - s.world.clock.now());

    const trace = s.world.trace;
    expect(trace.ofKind('turn.client.permission').map((r) => r.event)).toEqual(['request', 'installed']);
    const binds = trace.ofKind('turn.client.channel').filter((r) => r.event === 'request');
    expect(binds).toHaveLength(15);
    expect(trace.ofKind('turn.client.channel').filter((r) => r.event === 'refreshed')).toHaveLength(14);
    expect(trace.ofKind('turn.channel').filter((r) => r.event === 'expire')).toEqual([]);
    expect(trace.ofKind('turn.permission').filter((r) => r.event === 'expire')).toEqual([]);
    expect(trace.ofKind('turn.client.allocation').filter((r) => r.event === 'refreshed')).toHaveLength(6);
    // No keepalives over TCP: the only Binding traffic is bob's.
    expect(trace.ofKind('turn.ignore').filter((r) => r.reason.includes('Binding'))).toEqual([]);

    bob.socket.send(text('an hour later'), allocation.relayed);
    alice.actor.send({ type: 'send', peer: bob.srflx, data: text('still bound') });
    runUntil(s.world, () => bob.inbox.length > 0 && alice.told.some((t) => t.type === 'turn.data'));
    expect(alice.told.find((t) => t.type === 'turn.data')).toMatchObject({ via: 'channel-data', data: text('an hour later') });
    expect(bob.inbox.map((m) => m.data)).toEqual([text('still bound')]);
  });
});

describe('how an allocation ends', () => {
  it('without keepalives the symmetric NAT forgets the mapping: the Refresh comes from a new 5-tuple, gets 437, refresh-failed', () => {
    const s = scene('symmetric');
    const alice = client(s, 'udp', { keepaliveIntervalMs: 0 });
    allocate(s, alice);
    s.world.runFor(600_000);
    expect(alice.actor.getSnapshot().output).toMatchObject({ kind: 'refresh-failed', code: 437, outcome: 'error' });
    expect(s.world.trace.ofKind('nat.mapping.expire').length).toBeGreaterThan(0);
    expect(s.world.trace.ofKind('turn.client.allocation').at(-1)).toMatchObject({ event: 'ended', code: 437 });
  });

  it('a silent server lets a short lifetime run out before the Refresh can time out: expired', () => {
    const s = scene('open', { defaultLifetimeSeconds: 30, maxLifetimeSeconds: 30 });
    const alice = client(s, 'udp');
    allocate(s, alice);
    const at = s.world.clock.now();
    s.world.setLinkUp('turn@internet', false);
    s.world.runFor(60_000);
    expect(alice.actor.getSnapshot().output).toEqual({ kind: 'expired', lifetime: 30 });
    const ended = s.world.trace.ofKind('turn.client.allocation').at(-1)!;
    expect(ended).toMatchObject({ event: 'ended', reason: 'expired' });
    expect(ended.t - at).toBe(30_000);
    // Under two minutes, libwebrtc refreshes at half the lifetime.
    expect(s.world.trace.ofKind('stun.request').filter((r) => r.method === 'Refresh')[0]!.t - at).toBe(15_000);
  });

  it('a closed TCP connection ends it at once; a closed UDP socket at the next send', () => {
    const tcp = scene('open');
    const overTcp = client(tcp, 'tcp');
    allocate(tcp, overTcp);
    overTcp.connection!.end();
    tcp.world.runFor(10);
    expect(overTcp.actor.getSnapshot().output).toEqual({ kind: 'transport-closed', reason: 'local-closed' });

    const udp = scene('open');
    const overUdp = client(udp, 'udp');
    allocate(udp, overUdp);
    overUdp.socket!.close();
    udp.world.runFor(20_000);
    expect(overUdp.actor.getSnapshot().output).toMatchObject({ kind: 'transport-closed', reason: expect.stringMatching(/^send failed: .*ECLOSED/) });
    expect(overUdp.told.at(-1)).toMatchObject({ type: 'turn.ended', end: { kind: 'transport-closed' } });
  });
});

it('release then stop at once: the release has already left (its first transmission is synchronous)', () => {
  const s = scene('open');
  const alice = client(s, 'udp');
  allocate(s, alice);
  const sent = s.world.trace.ofKind('stun.request').length;
  alice.actor.send({ type: 'release' });
  alice.actor.stop();
  expect(s.world.trace.ofKind('stun.request').slice(sent)).toMatchObject([{ method: 'Refresh' }]);
  s.world.runFor(1_000);
  expect(s.world.trace.ofKind('turn.allocation').at(-1)).toMatchObject({ event: 'delete', reason: 'refreshed-to-zero' });
});

it('the same seed gives the same trace, byte for byte', () => {
  const run = () => {
    const s = scene('symmetric', {}, 42);
    const alice = client(s, 'udp');
    allocate(s, alice);
    const bob = peer(s);
    alice.actor.send({ type: 'channel.bind', peer: bob.srflx });
    s.world.runFor(1_000);
    alice.actor.send({ type: 'send', peer: bob.srflx, data: text('x') });
    alice.actor.send({ type: 'release' });
    s.world.runFor(1_000);
    return s.world.trace.toJSONLines();
  };
  const first = run();
  expect(first).toContain('"kind":"turn.client.allocation"');
  expect(run()).toBe(first);
});
