/** Whole worlds: determinism, and what a world exposes. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { NETWORK_PROFILE_NAMES, type NetworkProfileName, type TopologySpec, type World } from '../../src/sim/index.js';
import { addr, build, echo, prop, runs, SERVER_ADDRESSES } from './support.js';

interface Scenario {
  readonly clients: readonly NetworkProfileName[];
  readonly servers: number;
  readonly link: { readonly latencyMs: number; readonly jitterMs: number; readonly loss: number };
  /** Datagrams: client index, server index, payload length, gap before it (ms). */
  readonly datagrams: ReadonlyArray<{ client: number; server: number; size: number; gap: number }>;
  /** Clients that also open a TCP connection to server 0 and send a few bytes. */
  readonly tcp: readonly number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    clients: fc.array(fc.constantFrom<NetworkProfileName>(...NETWORK_PROFILE_NAMES), { minLength: 1, maxLength: 4 }),
    servers: fc.integer({ min: 1, max: 3 }),
    link: fc.record({ latencyMs: fc.integer({ min: 0, max: 40 }), jitterMs: fc.integer({ min: 0, max: 20 }), loss: fc.constantFrom(0, 0.05, 0.2) }),
    datagrams: fc.array(fc.record({ client: fc.nat(), server: fc.nat(), size: fc.integer({ min: 0, max: 300 }), gap: fc.integer({ min: 0, max: 50 }) }), { maxLength: 25 }),
    tcp: fc.array(fc.nat(), { maxLength: 2 }),
  })
  .map((s) => ({
    ...s,
    datagrams: s.datagrams.map((d) => ({ ...d, client: d.client % s.clients.length, server: d.server % s.servers })),
    tcp: s.tcp.map((c) => c % s.clients.length),
  }));

function topology(s: Scenario): TopologySpec {
  return {
    internet: { link: s.link },
    hosts: [...s.clients.map((profile, i) => ({ id: `c${i}`, profile })), ...Array.from({ length: s.servers }, (_, i) => ({ id: `s${i}`, address: SERVER_ADDRESSES[i]! }))],
  };
}

/** Builds the world and plays the scenario's traffic on it; returns the world after it went idle. */
function play(s: Scenario, seed: number, spec: TopologySpec = topology(s)): World {
  const world = build(spec, { seed });
  for (let i = 0; i < s.servers; i++) echo(world, `s${i}`, 3478);
  world.host('s0').listenTcp({ port: 443 }, (c) => c.onData((d) => c.write(d)));
  const sockets = s.clients.map((_, i) => world.host(`c${i}`).bindUdp({}));
  for (const c of s.tcp) {
    const conn = world.host(`c${c}`).connectTcp(addr(SERVER_ADDRESSES[0], 443));
    conn.write(new Uint8Array([1, 2, 3]));
  }
  for (const d of s.datagrams) {
    world.runFor(d.gap);
    sockets[d.client]!.send(new Uint8Array(d.size).fill(d.size & 255), addr(SERVER_ADDRESSES[d.server]!, 3478));
  }
  world.run({ maxEvents: 1_000_000 });
  return world;
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('determinism', () => {
  prop([scenarioArb, seedArb], runs(60))('same topology and seed, byte-identical trace', (scenario, seed) => {
    const a = play(scenario, seed).trace.toJSONLines();
    const b = play(scenario, seed).trace.toJSONLines();
    expect(a === b).toBe(true);
  });

  prop([scenarioArb, seedArb, seedArb], runs(40))('different seeds give different traces where randomness is involved (jitter, ports)', (scenario, s1, s2) => {
    fc.pre(s1 !== s2);
    // At least two datagrams on a jittery path: their delays are drawn from the seed.
    const jittery: Scenario = {
      ...scenario,
      link: { ...scenario.link, jitterMs: scenario.link.jitterMs + 1 },
      datagrams: [...scenario.datagrams, { client: 0, server: 0, size: 1, gap: 0 }, { client: 0, server: 0, size: 2, gap: 0 }],
    };
    expect(play(jittery, s1).trace.toJSONLines()).not.toBe(play(jittery, s2).trace.toJSONLines());
  });

  prop([scenarioArb, seedArb], runs(40))('a silent host (and its NAT) added to the world changes nothing in the trace (randomness is forked by label)', (scenario, seed) => {
    const spec = topology(scenario);
    // Explicit addresses: generated ones are handed out in declaration order, NATs first, so a
    // bystander with a profile would shift the others' public addresses (by design, not randomness).
    const withBystander: TopologySpec = {
      ...spec,
      lans: [{ id: 'by-lan', subnet: '10.77.0.0/24', gateway: { id: 'by-nat', nat: 'symmetric', outside: { realm: 'internet', address: '192.0.2.99' } } }],
      hosts: [...spec.hosts, { id: 'bystander', realm: 'by-lan', address: '10.77.0.7' }],
    };
    expect(play(scenario, seed, withBystander).trace.toJSONLines()).toBe(play(scenario, seed, spec).trace.toJSONLines());
  });

  prop([scenarioArb, seedArb], runs(40))('the trace is plain JSON: every line parses back to its record, seq counts up, time never goes back', (scenario, seed) => {
    const world = play(scenario, seed);
    const lines = world.trace.toJSONLines().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(world.trace.records);
    world.trace.records.forEach((r, i) => {
      expect(r.seq).toBe(i);
      if (i > 0) expect(r.t).toBeGreaterThanOrEqual(world.trace.records[i - 1]!.t);
    });
    // Every packet sent ends delivered or dropped exactly once (the world went idle).
    const ends = new Map<number, number>();
    for (const r of world.trace.records) if (r.kind === 'packet.deliver' || r.kind === 'packet.drop') ends.set(r.packet, (ends.get(r.packet) ?? 0) + 1);
    for (const send of world.trace.ofKind('packet.send')) expect(ends.get(send.packet), `packet ${send.packet}`).toBe(1);
  });
});

describe('invariants under random traffic and link flaps', () => {
  type Op = { kind: 'udp' | 'peer' | 'tcp' | 'end' | 'down' | 'up'; who: number; size: number; gap: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom<Op['kind']>('udp', 'peer', 'tcp', 'end', 'down', 'up'),
    who: fc.nat(),
    size: fc.integer({ min: 0, max: 1600 }),
    gap: fc.integer({ min: 0, max: 20_000 }),
  });
  const linkArb = fc.record({ latencyMs: fc.integer({ min: 0, max: 30 }), jitterMs: fc.integer({ min: 0, max: 30 }), loss: fc.constantFrom(0, 0.1, 0.3), mtu: fc.constantFrom(576, 1500) });

  prop([fc.array(fc.constantFrom<NetworkProfileName>(...NETWORK_PROFILE_NAMES), { minLength: 1, maxLength: 4 }), fc.array(opArb, { maxLength: 40 }), linkArb, seedArb], runs(100))(
    'the world goes idle; every packet ends exactly once; UDP mappings die idle for exactly their lifetime; time never goes back',
    (clients, ops, link, seed) => {
      const world = build({ internet: { link }, hosts: [...clients.map((profile, i) => ({ id: `c${i}`, profile })), { id: 's0', address: SERVER_ADDRESSES[0] }] }, { seed });
      echo(world, 's0', 3478);
      world.host('s0').listenTcp({ port: 443 }, (c) => c.onData((d) => c.state === 'open' && c.write(d)));
      const sockets = clients.map((_, i) => world.host(`c${i}`).bindUdp({}));
      const connections = clients.map((_, i) => world.host(`c${i}`).connectTcp(addr(SERVER_ADDRESSES[0], 443)));
      const attachments = world.attachments;
      for (const op of ops) {
        world.runFor(op.gap);
        const i = op.who % clients.length;
        const j = (i + 1) % clients.length;
        switch (op.kind) {
          case 'udp':
            sockets[i]!.send(new Uint8Array(op.size), addr(SERVER_ADDRESSES[0], 3478));
            break;
          case 'peer': {
            const peer = world.natsAbove(`c${j}`).at(-1)?.outside.address ?? world.host(`c${j}`).addresses[0]!;
            sockets[i]!.send(new Uint8Array(op.size % 100), addr(peer, sockets[j]!.local.port));
            break;
          }
          case 'tcp':
            if (connections[i]!.state !== 'closed') connections[i]!.write(new Uint8Array(op.size + 1));
            break;
          case 'end':
            connections[i]!.end();
            break;
          case 'down':
          case 'up':
            world.setLinkUp(attachments[op.who % attachments.length]!, op.kind === 'up');
        }
      }
      for (const a of attachments) world.setLinkUp(a, true);
      expect(world.run({ maxEvents: 2_000_000 }).stoppedBy).toBe('idle');
      const ends = new Map<number, number>();
      for (const r of world.trace.records) if (r.kind === 'packet.deliver' || r.kind === 'packet.drop') ends.set(r.packet, (ends.get(r.packet) ?? 0) + 1);
      for (const send of world.trace.ofKind('packet.send')) expect(ends.get(send.packet), `packet ${send.packet}`).toBe(1);
      for (const e of world.trace.ofKind('nat.mapping.expire')) if (e.protocol === 'udp') expect(e.idleMs).toBe(120_000);
      for (const nat of world.nats) expect(nat.table.mappings()).toHaveLength(0);
      world.trace.records.forEach((r, k) => k > 0 && expect(r.t).toBeGreaterThanOrEqual(world.trace.records[k - 1]!.t));
    },
  );
});

describe('the world', () => {
  test('natsAbove lists NATs innermost first; hosts and nats list what was built', () => {
    const world = build({ hosts: [{ id: 'a', profile: 'double-cone' }, { id: 'b', profile: 'open' }] });
    expect(world.natsAbove('a').map((n) => n.id)).toEqual(['a-home-nat', 'a-isp-nat']);
    expect(world.natsAbove('b')).toEqual([]);
    expect(world.hosts.map((h) => h.id)).toEqual(['a', 'b']);
    expect(world.nats.map((n) => n.id)).toEqual(['a-home-nat', 'a-isp-nat']);
  });

  test('an idle world with a NAT mapping runs to the mapping expiry and stops', () => {
    const world = build({ hosts: [{ id: 'a', profile: 'port-restricted' }, { id: 's0', address: SERVER_ADDRESSES[0] }] });
    world.host('a').bindUdp({}).send(new Uint8Array(1), addr(SERVER_ADDRESSES[0], 9));
    const result = world.run();
    expect(result.stoppedBy).toBe('idle');
    expect(world.trace.records.at(-1)).toMatchObject({ kind: 'nat.mapping.expire' });
    expect(result.now).toBe(world.trace.records.at(-1)!.t);
  });
});
