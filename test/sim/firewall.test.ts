/** Firewalls: the presets on hosts and on NATs, stateful flows, and rule evaluation. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Firewall, VirtualClock, type FirewallPolicy, type FirewallRule, type HostSpec, type World } from '../../src/sim/index.js';
import { type Protocol } from '../../src/io/index.js';
import { addr, build, bytes, fate, lastPacketId, listen, prop, runs, SERVER_ADDRESSES, type Received } from './support.js';

type Placement = 'host' | 'nat';
const placementArb = fc.constantFrom<Placement>('host', 'nat');
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const PORTS = [80, 443, 22, 3478, 5349, 8080] as const;

/** alice with `preset` on herself (on the internet) or on her full-cone home NAT; servers on the internet. */
function firewalled(preset: 'block-udp' | 'web-only' | 'outbound-only', placement: Placement, seed = 1): { world: World; at: string } {
  const alice: HostSpec = placement === 'host' ? { id: 'alice', firewall: preset } : { id: 'alice', realm: 'home' };
  const world = build(
    {
      lans: placement === 'nat' ? [{ id: 'home', subnet: '192.168.1.0/24', gateway: { id: 'nat', nat: 'full-cone', outside: { realm: 'internet' }, firewall: preset } }] : [],
      hosts: [alice, ...SERVER_ADDRESSES.map((address, i) => ({ id: `s${i}`, address }))],
    },
    { seed },
  );
  return { world, at: placement === 'host' ? 'alice' : 'nat' };
}

/** Connects and runs until the connection opens or gives up; returns 'open' or the close reason. */
function tryConnect(world: World, from: string, to: { address: string; port: number }): string {
  const c = world.host(from).connectTcp(to);
  let outcome = 'pending';
  c.onOpen(() => (outcome = 'open'));
  c.onClose((reason) => (outcome = outcome === 'open' ? outcome : reason));
  world.runFor(20_000);
  return outcome;
}

describe('web-only (the corporate firewall)', () => {
  prop([placementArb, fc.constantFrom<Protocol>('udp', 'tcp'), fc.constantFrom(...PORTS), seedArb], runs(60))(
    'only TCP to 80 and 443 gets out; UDP and other ports are refused (a refused SYN times out after 15 s)',
    (placement, protocol, port, seed) => {
      const { world, at } = firewalled('web-only', placement, seed);
      const allowed = protocol === 'tcp' && (port === 80 || port === 443);
      if (protocol === 'tcp') {
        world.host('s0').listenTcp({ port }, () => {});
        const start = world.clock.now();
        const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], port));
        let closedAt = -1;
        let reason = '';
        c.onClose((r) => ((closedAt = world.clock.now()), (reason = r)));
        world.runFor(20_000);
        if (allowed) expect(c.state).toBe('open');
        else {
          expect(reason).toBe('timeout');
          expect(closedAt - start).toBe(15_000);
          const drops = world.trace.ofKind('packet.drop');
          expect(drops.length).toBe(4); // the SYN and its three retransmissions
          for (const d of drops) expect(d).toMatchObject({ at, reason: 'firewall', segment: 'SYN' });
          expect(drops[0]!.detail).toContain('web-only');
        }
      } else {
        const server = listen(world, 's0', port);
        world.host('alice').bindUdp({}).send(bytes(1), addr(SERVER_ADDRESSES[0], port));
        const id = lastPacketId(world);
        world.runFor(1_000);
        expect(fate(world, id)).toBe('firewall');
        expect(world.trace.ofKind('packet.drop')[0]).toMatchObject({ at });
        expect(server.inbox).toHaveLength(0);
      }
    },
  );

  test('nothing unsolicited comes in: neither a TCP connection nor UDP', () => {
    const { world } = firewalled('web-only', 'host');
    world.host('alice').listenTcp({ port: 443 }, () => {});
    const alice = listen(world, 'alice', 3478);
    const aliceAddress = world.host('alice').addresses[0]!;
    expect(tryConnect(world, 's0', addr(aliceAddress, 443))).toBe('timeout');
    world.host('s0').bindUdp({}).send(bytes(1), addr(aliceAddress, 3478));
    world.runFor(1_000);
    expect(alice.inbox).toHaveLength(0);
    expect(world.trace.ofKind('packet.drop').every((d) => d.at === 'alice' && d.reason === 'firewall')).toBe(true);
  });

  test('the web-only profile (a NAT with the firewall at its edge) lets a TCP connection to 443 carry data both ways', () => {
    const world = build({ hosts: [{ id: 'alice', profile: 'web-only' }, { id: 's0', address: SERVER_ADDRESSES[0] }] });
    const got: number[] = [];
    world.host('s0').listenTcp({ port: 443 }, (conn) => conn.onData((d) => conn.write(d)));
    const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 443));
    c.onData((d) => got.push(...d));
    c.write(bytes(1, 2, 3));
    world.runFor(1_000);
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('block-udp', () => {
  prop([placementArb, fc.constantFrom(...PORTS), seedArb], runs(30))('UDP is refused both ways; TCP still works', (placement, port, seed) => {
    const { world, at } = firewalled('block-udp', placement, seed);
    const server = listen(world, 's0', port);
    world.host('alice').bindUdp({}).send(bytes(1), addr(SERVER_ADDRESSES[0], port));
    world.runFor(1_000);
    expect(server.inbox).toHaveLength(0);
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ at, reason: 'firewall' }]);
    world.host('s0').listenTcp({ port }, () => {});
    expect(tryConnect(world, 'alice', addr(SERVER_ADDRESSES[0], port))).toBe('open');
  });

  test('on a host on the internet, inbound UDP is refused too', () => {
    const { world } = firewalled('block-udp', 'host');
    const alice = listen(world, 'alice', 3478);
    world.host('s0').bindUdp({}).send(bytes(1), addr(world.host('alice').addresses[0]!, 3478));
    world.runFor(1_000);
    expect(alice.inbox).toHaveLength(0);
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ at: 'alice', reason: 'firewall' }]);
  });
});

type FlowOp =
  | { readonly kind: 'out'; readonly socket: number; readonly server: number; readonly port: number }
  | { readonly kind: 'in'; readonly socket: number; readonly server: number; readonly port: number };

const flowOpArb: fc.Arbitrary<FlowOp> = fc.record({
  kind: fc.constantFrom<'out' | 'in'>('out', 'in'),
  socket: fc.integer({ min: 0, max: 1 }),
  server: fc.integer({ min: 0, max: 1 }),
  port: fc.integer({ min: 0, max: 1 }),
});

describe('outbound-only (stateful)', () => {
  prop([placementArb, fc.array(flowOpArb, { minLength: 1, maxLength: 30 }), seedArb], runs(100))(
    'a packet comes in iff it answers a flow that went out (same 5-tuple, reversed)',
    (placement, ops, seed) => {
      const { world, at } = firewalled('outbound-only', placement, seed);
      const ports = [3478, 5349];
      const servers = [0, 1].map((s) => ports.map((p) => listen(world, `s${s}`, p)));
      const alice = [listen(world, 'alice'), listen(world, 'alice')];
      const external: Array<number | undefined> = [undefined, undefined]; // alice's sockets as seen from outside
      const flows = new Set<string>();
      const aliceAddress = placement === 'host' ? world.host('alice').addresses[0]! : world.nat('nat').outside.address;

      ops.forEach((op, i) => {
        const server = servers[op.server]![op.port]!;
        const remote = addr(SERVER_ADDRESSES[op.server]!, ports[op.port]!);
        if (op.kind === 'out') {
          alice[op.socket]!.socket.send(bytes(i), remote);
          world.runFor(100);
          external[op.socket] = server.inbox.at(-1)!.from.port;
          flows.add(`${op.socket}|${remote.address}:${remote.port}`);
          return;
        }
        const target = external[op.socket] ?? alice[op.socket]!.socket.local.port;
        const before = alice[op.socket]!.inbox.length;
        server.socket.send(bytes(i), addr(aliceAddress, target));
        const id = lastPacketId(world);
        world.runFor(100);
        const expected = flows.has(`${op.socket}|${remote.address}:${remote.port}`) ? 'delivered' : 'firewall';
        expect(fate(world, id), `op ${i}`).toBe(expected);
        expect(alice[op.socket]!.inbox.length).toBe(before + (expected === 'delivered' ? 1 : 0));
        if (expected === 'firewall') expect(world.trace.ofKind('packet.drop').at(-1)).toMatchObject({ packet: id, at });
      });
    },
  );

  test('a flow is forgotten after its idle lifetime; answers after that are refused', () => {
    const policy: FirewallPolicy = { name: 'short', outbound: { rules: [], default: 'allow' }, inbound: { rules: [], default: 'deny' }, stateful: true, udpFlowLifetimeMs: 5_000 };
    const world = build({ hosts: [{ id: 'alice', firewall: policy }, { id: 's0', address: SERVER_ADDRESSES[0] }] });
    const server = listen(world, 's0', 3478);
    const alice = listen(world, 'alice', 4000);
    const aliceAddress = addr(world.host('alice').addresses[0]!, 4000);
    alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.runFor(4_000); // the flow was noted at t=0; an answer at 4 s + 20 ms is in time, and refreshes it
    server.socket.send(bytes(2), aliceAddress);
    world.runFor(4_900); // t=8.9 s: the answer refreshed the flow at 4.02 s; this one arrives at 8.92 s
    server.socket.send(bytes(3), aliceAddress);
    world.runFor(5_100); // idle for 5 s: forgotten
    server.socket.send(bytes(4), aliceAddress);
    world.runFor(100);
    expect(alice.inbox.map((r: Received) => r.data[0])).toEqual([2, 3]);
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ at: 'alice', reason: 'firewall' }]);
  });

  test('TCP: connections out work, connections in are refused (timeout)', () => {
    const { world } = firewalled('outbound-only', 'host');
    world.host('s0').listenTcp({ port: 8080 }, () => {});
    world.host('alice').listenTcp({ port: 8080 }, () => {});
    expect(tryConnect(world, 'alice', addr(SERVER_ADDRESSES[0], 8080))).toBe('open');
    expect(tryConnect(world, 's0', addr(world.host('alice').addresses[0]!, 8080))).toBe('timeout');
  });
});

describe('rule evaluation', () => {
  const ruleArb: fc.Arbitrary<FirewallRule> = fc.record(
    {
      action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
      protocol: fc.constantFrom<Protocol>('udp', 'tcp'),
      ports: fc.uniqueArray(fc.constantFrom(53, 80, 443, 3478), { maxLength: 3 }),
    },
    { requiredKeys: ['action'] },
  );
  const directionArb = fc.record({ rules: fc.array(ruleArb, { maxLength: 5 }), default: fc.constantFrom<'allow' | 'deny'>('allow', 'deny') });

  prop([directionArb, directionArb, fc.constantFrom<Protocol>('udp', 'tcp'), fc.constantFrom(53, 80, 443, 3478, 9999)], runs(200))(
    'first matching rule wins, else the default (stateless)',
    (outbound, inbound, protocol, port) => {
      const fw = new Firewall({ name: 'fw', outbound, inbound, stateful: false }, new VirtualClock());
      const model = (d: typeof outbound) => {
        const rule = d.rules.find((r) => (r.protocol === undefined || r.protocol === protocol) && (r.ports === undefined || r.ports.includes(port)));
        return (rule?.action ?? d.default) === 'allow';
      };
      expect(fw.checkOutbound(protocol, addr(SERVER_ADDRESSES[0], port)).allowed).toBe(model(outbound));
      // Inbound rules match the local port.
      expect(fw.checkInbound(protocol, addr('198.51.100.9', port), addr(SERVER_ADDRESSES[0], 1)).allowed).toBe(model(inbound));
      // A stateless firewall remembers nothing.
      fw.noteFlow(protocol, addr('198.51.100.9', port), addr(SERVER_ADDRESSES[0], 1));
      expect(fw.checkInbound(protocol, addr('198.51.100.9', port), addr(SERVER_ADDRESSES[0], 1)).allowed).toBe(model(inbound));
    },
  );

  test('a refusal names the firewall and the rule', () => {
    const fw = new Firewall({ name: 'no-dns', outbound: { rules: [{ action: 'deny', protocol: 'udp', ports: [53] }], default: 'allow' }, inbound: { rules: [], default: 'deny' }, stateful: true }, new VirtualClock());
    const verdict = fw.checkOutbound('udp', addr('192.0.2.53', 53));
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.detail).toMatch(/no-dns.*rule 1.*deny udp port 53/);
  });
});
