/**
 * The NAT box in the network: hairpinning (RFC 4787 §6), nested NATs, and
 * what a NAT does with packets for itself.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MAPPING_BEHAVIOURS, NETWORK_PROFILE_NAMES, type MappingBehaviour, type NetworkProfileName, type World } from '../../src/sim/index.js';
import { addr, build, bytes, echo, fate, fmt, lastPacketId, listen, prop, runs, SERVER_ADDRESSES } from './support.js';

const NAT_EXTERNAL = '203.0.113.1';
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const behaviourArb = fc.constantFrom<MappingBehaviour>(...MAPPING_BEHAVIOURS);

function homeWorld(nat: { mapping: MappingBehaviour; filtering: MappingBehaviour; hairpinning: boolean }, seed = 1): World {
  return build(
    {
      lans: [{ id: 'home', subnet: '192.168.1.0/24', gateway: { id: 'nat', nat, outside: { realm: 'internet', address: NAT_EXTERNAL } } }],
      hosts: [
        { id: 'alice', realm: 'home', address: '192.168.1.10' },
        { id: 'bob', realm: 'home', address: '192.168.1.11' },
        { id: 's0', address: SERVER_ADDRESSES[0] },
      ],
    },
    { seed },
  );
}

describe('hairpinning (RFC 4787 §6, REQ-9)', () => {
  prop([behaviourArb, behaviourArb, fc.boolean(), seedArb], runs(100))(
    'a host reaches its neighbour through the NAT external address iff the NAT hairpins and the neighbour mapping lets the hairpinned source in',
    (mapping, filtering, hairpinning, seed) => {
      const world = homeWorld({ mapping, filtering, hairpinning }, seed);
      const server = listen(world, 's0', 3478);
      const bob = listen(world, 'bob');
      const alice = listen(world, 'alice');
      bob.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
      world.runFor(100);
      const bobPublic = server.inbox[0]!.from;

      alice.socket.send(bytes(2), bobPublic);
      const id = lastPacketId(world);
      world.runFor(100);
      // bob has only ever sent to the server: the hairpinned source is new to his mapping.
      const expected = !hairpinning ? 'hairpin-disabled' : filtering === 'endpoint-independent' ? 'delivered' : 'filtered';
      expect(fate(world, id)).toBe(expected);
      if (expected === 'delivered') {
        // The source bob sees is alice's *external* address (REQ-9), not her private one.
        const from = bob.inbox.at(-1)!.from;
        expect(from.address).toBe(NAT_EXTERNAL);
        const [translation] = world.trace.packet(id).filter((r) => r.kind === 'nat.translate');
        expect(translation).toMatchObject({ nat: 'nat', direction: 'hairpin', before: { src: fmt(alice.socket.local).replace('0.0.0.0', '192.168.1.10'), dst: fmt(bobPublic) }, src: fmt(from), dst: `192.168.1.11:${bob.socket.local.port}` });
        // And bob can answer to that address: it hairpins back to alice, from bob's mapping for
        // that destination (his server mapping under EIM, a new one otherwise).
        bob.socket.send(bytes(3), from);
        world.runFor(100);
        expect(alice.inbox.map((r) => r.data[0])).toEqual([3]);
        const replyFrom = alice.inbox[0]!.from;
        expect(replyFrom.address).toBe(NAT_EXTERNAL);
        expect(replyFrom.port === bobPublic.port).toBe(mapping === 'endpoint-independent');
      } else {
        expect(bob.inbox).toHaveLength(0);
        expect(world.trace.ofKind('packet.drop').at(-1)).toMatchObject({ packet: id, at: 'nat', reason: expected });
      }
    },
  );

  test('port-restricted neighbours punch a hole through the hairpin: the second packet gets in', () => {
    const world = homeWorld({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hairpinning: true });
    const server = listen(world, 's0', 3478);
    const alice = listen(world, 'alice');
    const bob = listen(world, 'bob');
    alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    bob.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.runFor(100);
    const [alicePublic, bobPublic] = server.inbox.map((r) => r.from);
    bob.socket.send(bytes(2), alicePublic!);
    const first = lastPacketId(world);
    world.runFor(100);
    expect(fate(world, first)).toBe('filtered');
    alice.socket.send(bytes(3), bobPublic!);
    world.runFor(100);
    expect(bob.inbox.map((r) => [r.data[0], fmt(r.from)])).toEqual([[3, fmt(alicePublic!)]]);
  });

  test('a packet for the NAT inside address is refused (the router listens on no port)', () => {
    const world = homeWorld({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', hairpinning: true });
    world.host('alice').bindUdp({}).send(bytes(1), addr('192.168.1.1', 53));
    world.run();
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ at: 'nat', reason: 'port-unreachable' }]);
  });

  test('nowhere to go: no-route on the LAN and on the internet', () => {
    const world = homeWorld({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', hairpinning: true });
    const s = world.host('alice').bindUdp({});
    s.send(bytes(1), addr('192.168.1.99', 53));
    s.send(bytes(1), addr('198.51.100.200', 53));
    world.run();
    expect(world.trace.ofKind('packet.drop').map((d) => [d.at, d.reason])).toEqual([
      ['alice', 'no-route'],
      ['nat', 'no-route'],
    ]);
  });
});

/** Profiles that carry UDP (the firewall ones refuse it by design). */
const UDP_PROFILES = NETWORK_PROFILE_NAMES.filter((p) => p !== 'udp-blocked' && p !== 'web-only');

describe('nested NATs', () => {
  prop(
    [fc.constantFrom<NetworkProfileName>(...UDP_PROFILES), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }), seedArb],
    runs(100),
  )('each NAT translates once, innermost first on the way out and outermost first on the way back; replies arrive', (profile, servers, seed) => {
    const world = build({ hosts: [{ id: 'alice', profile }, ...SERVER_ADDRESSES.map((address, i) => ({ id: `s${i}`, address }))] }, { seed });
    for (let i = 0; i < 3; i++) echo(world, `s${i}`, 3478);
    const alice = listen(world, 'alice');
    const chain = world.natsAbove('alice').map((n) => n.id);
    expect(chain.length).toBe({ open: 0, 'double-cone': 2, 'symmetric-then-cone': 2, cgnat: 2 }[profile as string] ?? 1);

    servers.forEach((s, i) => {
      alice.socket.send(bytes(i), addr(SERVER_ADDRESSES[s]!, 3478));
      const out = lastPacketId(world);
      world.runFor(200);
      const outbound = world.trace.packet(out).filter((r) => r.kind === 'nat.translate');
      expect(outbound.map((t) => t.nat)).toEqual(chain);
      for (const t of outbound) expect(t.kind === 'nat.translate' && t.direction).toBe('outbound');
      // Each NAT rewrites what the one inside it produced; the destination never changes.
      const delivered = world.trace.packet(out).find((r) => r.kind === 'packet.deliver')!;
      let src = world.trace.packet(out)[0]!.kind === 'packet.send' ? (world.trace.packet(out)[0] as { src: string }).src : '';
      for (const t of outbound) {
        if (t.kind !== 'nat.translate') continue;
        expect(t.before.src).toBe(src);
        expect(t.dst).toBe(t.before.dst);
        src = t.src;
      }
      expect(delivered.kind === 'packet.deliver' && delivered.src).toBe(src);
      if (chain.length > 0) expect(src.split(':')[0]).toBe(world.nat(chain.at(-1)!).outside.address);
      // The path lists the sender, every NAT in order, then the server.
      expect(delivered.kind === 'packet.deliver' && delivered.path.map((h) => h.at)).toEqual(['alice', ...chain, `s${s}`]);

      // The echo comes back through the same NATs in reverse, to alice's socket, from the server.
      const reply = world.trace.ofKind('packet.send').find((r) => r.host === `s${s}` && r.dst === src && r.packet > out)!;
      const inbound = world.trace.packet(reply.packet).filter((r) => r.kind === 'nat.translate');
      expect(inbound.map((t) => t.nat)).toEqual([...chain].reverse());
      for (const t of inbound) expect(t.kind === 'nat.translate' && t.direction).toBe('inbound');
      expect(fate(world, reply.packet)).toBe('delivered');
      expect(alice.inbox.at(-1)).toMatchObject({ data: bytes(i), from: addr(SERVER_ADDRESSES[s]!, 3478) });
    });
    expect(alice.inbox).toHaveLength(servers.length);
  });

  test('symmetric-then-cone: the inner symmetric NAT makes a new mapping per destination; the outer cone keeps one per inner mapping', () => {
    const world = build({ hosts: [{ id: 'alice', profile: 'symmetric-then-cone' }, ...SERVER_ADDRESSES.map((address, i) => ({ id: `s${i}`, address }))] });
    const servers = SERVER_ADDRESSES.map((_, i) => listen(world, `s${i}`, 3478));
    const s = world.host('alice').bindUdp({});
    for (let round = 0; round < 2; round++) for (let i = 0; i < 3; i++) s.send(bytes(i), addr(SERVER_ADDRESSES[i]!, 3478));
    world.run({ until: 1_000 });
    const creates = world.trace.ofKind('nat.mapping.create');
    expect(creates.filter((c) => c.nat === 'alice-home-nat')).toHaveLength(3);
    expect(creates.filter((c) => c.nat === 'alice-isp-nat')).toHaveLength(3);
    const seen = servers.map((x) => new Set(x.inbox.map((r) => fmt(r.from))));
    for (const set of seen) expect(set.size).toBe(1);
    expect(new Set(seen.map((set) => [...set][0])).size).toBe(3);
  });

  test('cgnat: two subscribers of one carrier reach each other through the carrier hairpin once both have punched', () => {
    const world = build({
      lans: [
        { id: 'carrier', subnet: '100.64.0.0/10', gateway: { id: 'cgn', nat: 'carrier-grade', outside: { realm: 'internet', address: '203.0.113.50' } } },
        { id: 'home-a', subnet: '192.168.1.0/24', gateway: { id: 'nat-a', nat: 'port-restricted', outside: { realm: 'carrier' } } },
        { id: 'home-b', subnet: '192.168.1.0/24', gateway: { id: 'nat-b', nat: 'port-restricted', outside: { realm: 'carrier' } } },
      ],
      hosts: [
        { id: 'alice', realm: 'home-a' },
        { id: 'bob', realm: 'home-b' },
        { id: 's0', address: SERVER_ADDRESSES[0] },
      ],
    });
    const server = listen(world, 's0', 3478);
    const alice = listen(world, 'alice');
    const bob = listen(world, 'bob');
    alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    bob.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.runFor(100);
    const [alicePublic, bobPublic] = server.inbox.map((r) => r.from);
    expect(alicePublic!.address).toBe('203.0.113.50');
    expect(bobPublic!.address).toBe('203.0.113.50');

    bob.socket.send(bytes(2), alicePublic!); // opens bob's home NAT toward alice; dies at alice's
    const first = lastPacketId(world);
    world.runFor(100);
    expect(world.trace.ofKind('packet.drop').at(-1)).toMatchObject({ packet: first, at: 'nat-a', reason: 'filtered' });

    alice.socket.send(bytes(3), bobPublic!);
    const second = lastPacketId(world);
    world.runFor(100);
    expect(bob.inbox.map((r) => [r.data[0], fmt(r.from)])).toEqual([[3, fmt(alicePublic!)]]);
    const translations = world.trace.packet(second).filter((r) => r.kind === 'nat.translate');
    expect(translations.map((t) => t.kind === 'nat.translate' && `${t.nat}/${t.direction}`)).toEqual(['nat-a/outbound', 'cgn/hairpin', 'nat-b/inbound']);
  });
});
