/**
 * RFC 4787 NAT behaviour, observed from outside the NAT: what servers on the
 * internet see, what gets delivered, what the trace says. Expectations come
 * from small models written here, never from the NAT code.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  MAPPING_BEHAVIOURS,
  type MappingBehaviour,
  type NatBehaviourSpec,
  type NatPresetName,
  type PortAssignment,
  type SimTcpConnection,
  type SimUdpSocket,
  type TopologySpec,
  type World,
} from '../../src/sim/index.js';
import { addr, build, bytes, fate, fmt, lastPacketId, listen, prop, runs, SERVER_ADDRESSES, type Received } from './support.js';

const NAT_EXTERNAL = '203.0.113.1';
const SERVER_PORTS = [3478, 3479, 5000] as const;

/** alice (and bob, carol) behind one NAT; three servers on the internet, each listening on three ports. */
function natWorld(nat: NatPresetName | NatBehaviourSpec, seed = 1, extra: Partial<TopologySpec> = {}): World {
  return build(
    {
      lans: [{ id: 'home', subnet: '192.168.1.0/24', gateway: { id: 'nat', nat, outside: { realm: 'internet', address: NAT_EXTERNAL } } }],
      hosts: [
        { id: 'alice', realm: 'home', address: '192.168.1.10' },
        { id: 'bob', realm: 'home', address: '192.168.1.11' },
        { id: 'carol', realm: 'home', address: '192.168.1.12' },
        ...SERVER_ADDRESSES.map((address, i) => ({ id: `s${i}`, address })),
      ],
      ...extra,
    },
    { seed },
  );
}

/** Every server port, bound and recording. Index [server][port]. */
function bindServers(world: World): Array<Array<{ socket: SimUdpSocket; inbox: Received[] }>> {
  return SERVER_ADDRESSES.map((_, s) => SERVER_PORTS.map((port) => listen(world, `s${s}`, port)));
}

/** The part of a destination a mapping is keyed on, per RFC 4787 §4.1. */
function mappingKey(mapping: MappingBehaviour, server: number, port: number): string {
  switch (mapping) {
    case 'endpoint-independent':
      return '*';
    case 'address-dependent':
      return SERVER_ADDRESSES[server]!;
    case 'address-and-port-dependent':
      return `${SERVER_ADDRESSES[server]}:${SERVER_PORTS[port]}`;
  }
}

const behaviourArb = fc.constantFrom<MappingBehaviour>(...MAPPING_BEHAVIOURS);
const destArb = fc.record({ server: fc.integer({ min: 0, max: 2 }), port: fc.integer({ min: 0, max: 2 }) });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('mapping behaviour (RFC 4787 §4.1)', () => {
  prop(
    [
      behaviourArb,
      fc.constantFrom<PortAssignment>('preserve', 'sequential', 'random'),
      fc.array(fc.record({ socket: fc.integer({ min: 0, max: 1 }), dest: destArb }), { minLength: 1, maxLength: 30 }),
      seedArb,
    ],
    runs(150),
  )('two sends share an external ip:port iff they come from one internal endpoint and have the same mapping key', (mapping, portAssignment, sends, seed) => {
    const world = natWorld({ mapping, filtering: 'endpoint-independent', portAssignment }, seed);
    const servers = bindServers(world);
    const sockets = [world.host('alice').bindUdp({}), world.host('alice').bindUdp({})];
    sends.forEach((s, i) => {
      sockets[s.socket]!.send(bytes(i), addr(SERVER_ADDRESSES[s.dest.server]!, SERVER_PORTS[s.dest.port]!));
      world.runFor(50);
    });
    // What each server saw as the source of send i.
    const seen = new Map<number, string>();
    for (const row of servers) for (const { inbox } of row) for (const r of inbox) seen.set(r.data[0]!, fmt(r.from));
    expect(seen.size).toBe(sends.length);
    for (const source of seen.values()) expect(source.startsWith(`${NAT_EXTERNAL}:`)).toBe(true);

    const keyOf = (i: number) => `${sends[i]!.socket}|${mappingKey(mapping, sends[i]!.dest.server, sends[i]!.dest.port)}`;
    for (let i = 0; i < sends.length; i++) {
      for (let j = i + 1; j < sends.length; j++) {
        expect(seen.get(i) === seen.get(j), `sends ${i} and ${j}`).toBe(keyOf(i) === keyOf(j));
      }
    }
    // One mapping created per distinct key, none before it was needed, all traced.
    const creates = world.trace.ofKind('nat.mapping.create');
    expect(creates.length).toBe(new Set(sends.map((_, i) => keyOf(i))).size);
    expect(new Set(creates.map((c) => c.external)).size).toBe(creates.length);
    for (const c of creates) {
      expect(c.nat).toBe('nat');
      expect(c.destination === undefined).toBe(mapping === 'endpoint-independent');
    }
  });

  test('a different internal host never shares an external port (EIM, same destination)', () => {
    const world = natWorld('full-cone');
    const [row] = bindServers(world);
    for (const host of ['alice', 'bob', 'carol']) world.host(host).bindUdp({ port: 5000 }).send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.run({ until: 1_000 });
    const sources = row![0]!.inbox.map((r) => fmt(r.from));
    expect(sources).toHaveLength(3);
    expect(new Set(sources).size).toBe(3);
  });
});

type FilterOp =
  | { readonly kind: 'out'; readonly socket: number; readonly server: number; readonly port: number }
  | { readonly kind: 'in'; readonly server: number; readonly port: number; readonly target: number | 'unmapped' };

const filterOpArb: fc.Arbitrary<FilterOp> = fc.oneof(
  fc.record({ kind: fc.constant('out' as const), socket: fc.integer({ min: 0, max: 1 }), server: fc.integer({ min: 0, max: 2 }), port: fc.integer({ min: 0, max: 2 }) }),
  fc.record({
    kind: fc.constant('in' as const),
    // Fewer sources than destinations, so that sources alice did contact come up often.
    server: fc.integer({ min: 0, max: 1 }),
    port: fc.integer({ min: 0, max: 1 }),
    target: fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 20 }) }, { weight: 1, arbitrary: fc.constant('unmapped' as const) }),
  }),
);

describe('filtering behaviour (RFC 4787 §5)', () => {
  prop([behaviourArb, behaviourArb, fc.array(filterOpArb, { minLength: 1, maxLength: 40 }), seedArb], runs(200))(
    'an inbound packet is delivered iff the filter allows its source, by a model of who was contacted through which mapping',
    (mapping, filtering, ops, seed) => {
      const world = natWorld({ mapping, filtering }, seed);
      const servers = bindServers(world);
      const alice = [listen(world, 'alice'), listen(world, 'alice')];

      // The model: a mapping per (internal endpoint, mapping key), remembering what it sent to.
      interface ModelMapping {
        socket: number;
        externalPort: number | undefined;
        addresses: Set<string>;
        endpoints: Set<string>;
      }
      const model = new Map<string, ModelMapping>();
      const order: ModelMapping[] = [];

      ops.forEach((op, i) => {
        const server = SERVER_ADDRESSES[op.server]!;
        const port = SERVER_PORTS[op.port]!;
        const serverSocket = servers[op.server]![op.port]!;
        if (op.kind === 'out') {
          const key = `${op.socket}|${mappingKey(mapping, op.server, op.port)}`;
          let m = model.get(key);
          if (!m) {
            m = { socket: op.socket, externalPort: undefined, addresses: new Set(), endpoints: new Set() };
            model.set(key, m);
            order.push(m);
          }
          m.addresses.add(server);
          m.endpoints.add(`${server}:${port}`);
          const before = serverSocket.inbox.length;
          alice[op.socket]!.socket.send(bytes(i), addr(server, port));
          world.runFor(50);
          // Learn the external port from what the server saw (outbound always gets through).
          expect(serverSocket.inbox.length).toBe(before + 1);
          const from = serverSocket.inbox[before]!.from;
          expect(from.address).toBe(NAT_EXTERNAL);
          if (m.externalPort === undefined) m.externalPort = from.port;
          expect(from.port).toBe(m.externalPort);
          return;
        }
        const target = op.target === 'unmapped' || order.length === 0 ? undefined : order[op.target % order.length]!;
        const before = alice.map((a) => a.inbox.length);
        serverSocket.socket.send(bytes(i), addr(NAT_EXTERNAL, target?.externalPort ?? 7));
        const id = lastPacketId(world);
        world.runFor(50);
        let expected: string;
        if (!target) expected = 'no-mapping';
        else if (filtering === 'endpoint-independent') expected = 'delivered';
        else if (filtering === 'address-dependent') expected = target.addresses.has(server) ? 'delivered' : 'filtered';
        else expected = target.endpoints.has(`${server}:${port}`) ? 'delivered' : 'filtered';
        expect(fate(world, id), `op ${i}: ${JSON.stringify(op)}`).toBe(expected);
        if (expected === 'delivered') {
          // To the internal endpoint that owns the mapping, from the server's real address.
          alice.forEach((a, s) => expect(a.inbox.length).toBe(before[s]! + (s === target!.socket ? 1 : 0)));
          expect(alice[target!.socket]!.inbox.at(-1)!.from).toEqual(addr(server, port));
        } else {
          alice.forEach((a, s) => expect(a.inbox.length).toBe(before[s]));
          const drop = world.trace.ofKind('packet.drop').at(-1)!;
          expect(drop).toMatchObject({ packet: id, at: 'nat', reason: expected });
        }
      });
    },
  );
});

describe('port assignment (RFC 4787 §4.2)', () => {
  const hosts = ['alice', 'bob', 'carol'] as const;

  prop(
    [
      fc.array(fc.record({ host: fc.integer({ min: 0, max: 2 }), port: fc.constantFrom(4000, 4001, 4002, 20000, 50000) }), { minLength: 1, maxLength: 12 }),
      fc.constantFrom<MappingBehaviour>('endpoint-independent', 'address-and-port-dependent'),
      seedArb,
    ],
    runs(150),
  )('preserve keeps the internal port when it is free and in range, else picks a free one in range', (binds, mapping, seed) => {
    const low = 2000;
    const high = 40000;
    const world = natWorld({ mapping, filtering: 'endpoint-independent', portAssignment: 'preserve', portRange: [low, high] }, seed);
    const [row] = bindServers(world);
    const used = new Set<number>();
    const bound = new Set<string>();
    binds.forEach((b, i) => {
      const host = hosts[b.host]!;
      if (bound.has(`${host}:${b.port}`)) return; // already bound; covered by the EADDRINUSE tests
      bound.add(`${host}:${b.port}`);
      world.host(host).bindUdp({ port: b.port }).send(bytes(i), addr(SERVER_ADDRESSES[0], 3478));
      world.runFor(50);
      const external = row![0]!.inbox.at(-1)!.from.port;
      if (b.port >= low && b.port <= high && !used.has(b.port)) expect(external).toBe(b.port);
      else {
        expect(external).not.toBe(b.port);
        expect(used.has(external)).toBe(false);
        expect(external).toBeGreaterThanOrEqual(low);
        expect(external).toBeLessThanOrEqual(high);
      }
      used.add(external);
    });
  });

  /** alice sends from one socket to `count` different destinations through an APDM NAT: one mapping each. */
  function manyMappings(portAssignment: PortAssignment, range: readonly [number, number], count: number, seed: number): { ports: number[]; world: World } {
    const world = natWorld({ mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', portAssignment, portRange: range }, seed);
    const socket = world.host('alice').bindUdp({ port: 5555 });
    for (let i = 0; i < count; i++) socket.send(bytes(1), addr(SERVER_ADDRESSES[i % 3]!, 1000 + i));
    world.run({ until: 1_000 });
    return { ports: world.trace.ofKind('nat.mapping.create').map((c) => Number(c.external.split(':')[1])), world };
  }

  prop([fc.integer({ min: 1024, max: 65000 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 }), seedArb], runs(100))(
    'sequential hands out the next port each time, wrapping within its range',
    (low, count, slack, seed) => {
      const high = Math.min(65535, low + count + slack - 1);
      const n = Math.min(count, high - low + 1);
      const { ports } = manyMappings('sequential', [low, high], n, seed);
      expect(ports).toHaveLength(n);
      for (const p of ports) expect(p >= low && p <= high).toBe(true);
      for (let i = 1; i < ports.length; i++) expect(ports[i]).toBe(ports[i - 1] === high ? low : ports[i - 1]! + 1);
      expect(new Set(ports).size).toBe(n);
    },
  );

  prop([fc.integer({ min: 1024, max: 65000 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 40 }), seedArb], runs(100))(
    'random ports stay in range and never collide, even when the range is nearly full',
    (low, count, slack, seed) => {
      const high = Math.min(65535, low + count + slack - 1);
      const n = Math.min(count, high - low + 1);
      const { ports } = manyMappings('random', [low, high], n, seed);
      expect(ports).toHaveLength(n);
      for (const p of ports) expect(p >= low && p <= high).toBe(true);
      expect(new Set(ports).size).toBe(n);
    },
  );

  test('random ports differ between seeds and look spread out', () => {
    const a = manyMappings('random', [1024, 65535], 20, 1).ports;
    const b = manyMappings('random', [1024, 65535], 20, 2).ports;
    expect(a).not.toEqual(b);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(10_000);
  });

  prop([fc.constantFrom<PortAssignment>('preserve', 'sequential', 'random'), fc.integer({ min: 1, max: 8 }), seedArb], runs(30))(
    'an exhausted port range drops with no-mapping, naming the NAT',
    (portAssignment, size, seed) => {
      const { ports, world } = manyMappings(portAssignment, [30000, 30000 + size - 1], size + 2, seed);
      expect(new Set(ports).size).toBe(size);
      const drops = world.trace.ofKind('packet.drop').filter((d) => d.reason !== 'port-unreachable'); // nobody listens on the servers
      expect(drops).toHaveLength(2);
      for (const d of drops) expect(d).toMatchObject({ at: 'nat', reason: 'no-mapping' });
      expect(drops[0]!.detail).toContain('no free external udp port');
    },
  );
});

type TimedOp = { readonly gap: number; readonly kind: 'out' | 'in' };

describe('mapping lifetime and refresh (RFC 4787 §4.3)', () => {
  /**
   * alice (internal port 40000, preserved) and one server. Outbound packets
   * reach the NAT 0.75 ms after they are sent; the server's reach it 20.5 ms
   * after: never a whole number, so the model's times are exact.
   */
  function lifetimeWorld(lifetime: number, inboundRefresh: boolean, seed: number): World {
    return build(
      {
        lans: [
          {
            id: 'home',
            subnet: '192.168.1.0/24',
            link: { latencyMs: 0.25 },
            gateway: {
              id: 'nat',
              nat: { preset: 'port-restricted', udpMappingLifetimeMs: lifetime, inboundRefresh },
              outside: { realm: 'internet', address: NAT_EXTERNAL },
              inside: { link: { latencyMs: 0.5 } },
            },
          },
        ],
        hosts: [
          { id: 'alice', realm: 'home', address: '192.168.1.10' },
          { id: 's0', address: SERVER_ADDRESSES[0], link: { latencyMs: 10.5 } },
        ],
      },
      { seed },
    );
  }

  prop(
    [
      fc.integer({ min: 1_000, max: 20_000 }),
      fc.boolean(),
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 30_000 }), kind: fc.constantFrom<'out' | 'in'>('out', 'in') }), { minLength: 1, maxLength: 25 }),
      seedArb,
    ],
    runs(200),
  )('a mapping idle for its lifetime expires at exactly lastUse + lifetime; outbound refreshes, inbound only when configured', (lifetime, inboundRefresh, raw, seed) => {
    // Gaps are scaled to the lifetime so both "refreshed in time" and "expired" happen.
    const ops: TimedOp[] = raw.map((o) => ({ ...o, gap: Math.floor((o.gap / 30_000) * lifetime * 1.5) }));
    const world = lifetimeWorld(lifetime, inboundRefresh, seed);
    const server = listen(world, 's0', 3478);
    const alice = listen(world, 'alice', 40000);

    // Arrivals at the NAT, in time order (sends are in order; inbound overtaken by later outbound when gaps are short).
    const arrivals: Array<{ at: number; kind: 'out' | 'in'; id: number }> = [];
    for (const op of ops) {
      world.runFor(op.gap);
      const sentAt = world.clock.now();
      if (op.kind === 'out') alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
      else server.socket.send(bytes(2), addr(NAT_EXTERNAL, 40000));
      arrivals.push({ at: sentAt + (op.kind === 'out' ? 0.75 : 20.5), kind: op.kind, id: lastPacketId(world) });
    }
    world.runFor(lifetime * 2 + 100);

    arrivals.sort((a, b) => a.at - b.at);
    let lastUse: number | undefined; // undefined: no mapping
    const expiries: number[] = [];
    const expected = new Map<number, string>();
    for (const a of arrivals) {
      if (lastUse !== undefined) {
        fc.pre(a.at !== lastUse + lifetime); // an exact tie with the expiry: order is a scheduling detail
        if (a.at > lastUse + lifetime) {
          expiries.push(lastUse + lifetime);
          lastUse = undefined;
        }
      }
      if (a.kind === 'out') {
        lastUse = a.at;
        expected.set(a.id, 'delivered');
      } else if (lastUse === undefined) {
        expected.set(a.id, 'no-mapping');
      } else {
        expected.set(a.id, 'delivered');
        if (inboundRefresh) lastUse = a.at;
      }
    }
    if (lastUse !== undefined) expiries.push(lastUse + lifetime);

    for (const [id, outcome] of expected) expect(fate(world, id), `packet ${id}`).toBe(outcome);
    const expire = world.trace.ofKind('nat.mapping.expire');
    expect(expire.map((e) => e.t)).toEqual(expiries);
    for (const e of expire) expect(e).toMatchObject({ nat: 'nat', idleMs: lifetime, internal: '192.168.1.10:40000', external: `${NAT_EXTERNAL}:40000` });
    expect(world.trace.ofKind('nat.mapping.create')).toHaveLength(expiries.length);
    expect(world.nat('nat').table.mappings()).toHaveLength(0);
  });

  test('an expired mapping is gone: the next inbound packet is dropped with no-mapping, and a new outbound creates a new one', () => {
    const world = lifetimeWorld(5_000, false, 1);
    const server = listen(world, 's0', 3478);
    const alice = listen(world, 'alice', 40000);
    alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.runFor(10_000);
    expect(world.trace.ofKind('nat.mapping.expire')).toMatchObject([{ t: 5_000.75, idleMs: 5_000 }]);
    server.socket.send(bytes(2), addr(NAT_EXTERNAL, 40000));
    world.runFor(100);
    expect(world.trace.ofKind('packet.drop').at(-1)).toMatchObject({ reason: 'no-mapping', at: 'nat' });
    expect(alice.inbox).toHaveLength(0);
    alice.socket.send(bytes(3), addr(SERVER_ADDRESSES[0], 3478));
    world.runFor(100);
    expect(world.trace.ofKind('nat.mapping.create')).toHaveLength(2);
    server.socket.send(bytes(4), addr(NAT_EXTERNAL, 40000));
    world.runFor(100);
    expect(alice.inbox.map((r) => r.data[0])).toEqual([4]);
  });
});

describe('TCP mapping lifetimes (RFC 5382 REQ-5)', () => {
  const behaviour = { preset: 'port-restricted', tcpTransitoryLifetimeMs: 240_000, tcpEstablishedLifetimeMs: 7_440_000 } as const;

  function tcpWorld(): World {
    return natWorld(behaviour);
  }

  test('a SYN that is never answered leaves a transitory mapping, which expires after the transitory lifetime', () => {
    const world = tcpWorld();
    const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 80)); // nobody listens: RST
    world.runFor(1_000_000);
    expect(c.state).toBe('closed');
    const [create] = world.trace.ofKind('nat.mapping.create');
    const [expire] = world.trace.ofKind('nat.mapping.expire');
    expect(create!.protocol).toBe('tcp');
    // The RST coming back closes the flow: transitory lifetime from then.
    const rst = world.trace.ofKind('nat.translate').find((t) => t.direction === 'inbound')!;
    expect(world.trace.packet(rst.packet)[0]).toMatchObject({ segment: 'RST' });
    expect(expire).toMatchObject({ protocol: 'tcp', idleMs: 240_000 });
    expect(expire!.t).toBe(rst.t + 240_000);
  });

  test('a connection that only receives keeps its mapping: inbound segments stand for the ACKs a real receiver sends', () => {
    const world = tcpWorld();
    let server: SimTcpConnection | undefined;
    world.host('s0').listenTcp({ port: 443 }, (conn) => (server = conn));
    const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 443));
    let got = 0;
    c.onData(() => got++);
    world.runFor(1_000);
    for (let minute = 0; minute < 30; minute++) {
      server!.write(bytes(minute));
      world.runFor(60_000);
    }
    expect(got).toBe(30);
    expect(server!.state).toBe('open');
    expect(world.trace.ofKind('nat.mapping.expire')).toHaveLength(0);
    expect(world.trace.ofKind('packet.drop')).toHaveLength(0);
  });

  test('an established, idle connection keeps its mapping for the established lifetime', () => {
    const world = tcpWorld();
    world.host('s0').listenTcp({ port: 443 }, () => {});
    const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 443));
    c.onOpen(() => c.write(bytes(1)));
    world.runFor(10_000_000);
    const data = world.trace.ofKind('nat.translate').filter((t) => t.direction === 'outbound').at(-1)!;
    const [expire] = world.trace.ofKind('nat.mapping.expire');
    expect(expire).toMatchObject({ protocol: 'tcp', idleMs: 7_440_000 });
    expect(expire!.t).toBe(data.t + 7_440_000);
  });

  test('after a FIN the mapping falls back to the transitory lifetime, even when its timer was armed for the established one', () => {
    const world = tcpWorld();
    let accepted: SimTcpConnection | undefined;
    world.host('s0').listenTcp({ port: 443 }, (conn) => (accepted = conn));
    const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 443));
    c.onOpen(() => c.write(bytes(1)));
    // Past the first (transitory) expiry check, so the mapping's timer is re-armed for the established lifetime.
    world.runFor(300_000);
    c.write(bytes(2));
    world.runFor(1_000);
    c.end(); // FIN: the mapping should now die 240 s after this, not 2 h later
    const finAt = world.clock.now();
    world.runFor(1_000);
    expect(accepted?.state).toBe('closed');
    world.runFor(240_000);
    const [expire] = world.trace.ofKind('nat.mapping.expire');
    expect(expire, 'the mapping expired').toBeDefined();
    expect(expire!.t).toBe(finAt + 1 + 240_000); // the FIN reaches the NAT 1 ms after it is sent
    expect(world.nat('nat').table.mappings()).toHaveLength(0);
  });
});
