/** Links as packets suffer them: latency, jitter, loss, MTU, links going down. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { UDP_OVERHEAD, TCP_OVERHEAD, type LinkSpec, type World } from '../../src/sim/index.js';
import { addr, build, bytes, fate, lastPacketId, listen, prop, runs, SERVER_ADDRESSES } from './support.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
/** Latencies in quarter milliseconds: exact in binary, so sums compare exactly. */
const latencyArb = fc.integer({ min: 0, max: 400 }).map((q) => q / 4);

/**
 * alice on a LAN behind a full-cone NAT, a server on the internet. One datagram
 * crosses alice's link and the NAT's inside link (hop 1), then the NAT's
 * outside link and the server's (hop 2).
 */
function pathWorld(links: { alice: LinkSpec; inside: LinkSpec; outside: LinkSpec; server: LinkSpec }, seed: number): World {
  return build(
    {
      lans: [{ id: 'home', subnet: '192.168.1.0/24', gateway: { id: 'nat', nat: 'full-cone', outside: { realm: 'internet', link: links.outside }, inside: { link: links.inside } } }],
      hosts: [
        { id: 'alice', realm: 'home', link: links.alice },
        { id: 's0', address: SERVER_ADDRESSES[0], link: links.server },
      ],
    },
    { seed },
  );
}


/** Alice sends datagram n (one byte, n) to s0:3478 after waiting gaps[n] ms; returns when each went. */
function sendPaced(world: World, gaps: readonly number[]): number[] {
  const socket = world.host('alice').bindUdp({});
  return gaps.map((gap, n) => {
    world.runFor(gap);
    const at = world.clock.now();
    socket.send(bytes(n), addr(SERVER_ADDRESSES[0], 3478));
    return at;
  });
}

describe('latency and jitter', () => {
  prop([fc.tuple(latencyArb, latencyArb, latencyArb, latencyArb), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 40 }), seedArb], runs(100))(
    'with zero jitter, datagrams arrive in send order after exactly the summed latency',
    ([a, i, o, s], gaps, seed) => {
      const world = pathWorld({ alice: { latencyMs: a }, inside: { latencyMs: i }, outside: { latencyMs: o }, server: { latencyMs: s } }, seed);
      const server = listen(world, 's0', 3478);
      const sentAt = sendPaced(world, gaps);
      world.run();
      expect(server.inbox.map((r) => r.data[0])).toEqual(gaps.map((_, n) => n));
      server.inbox.forEach((r, n) => expect(r.t - sentAt[n]!).toBe(a + i + o + s));
      // The path records each hop's arrival time.
      for (const d of world.trace.ofKind('packet.deliver')) {
        expect(d.path.map((h) => h.t - d.sentAt)).toEqual([0, a + i, a + i + o + s]);
      }
    },
  );

  prop(
    [
      fc.tuple(latencyArb, latencyArb, latencyArb, latencyArb),
      fc.tuple(latencyArb, latencyArb, latencyArb, latencyArb),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }),
      seedArb,
    ],
    runs(100),
  )('with jitter, each delay lies in [latency, latency + jitter], and every datagram arrives', ([a, i, o, s], [ja, ji, jo, js], gaps, seed) => {
    const world = pathWorld(
      { alice: { latencyMs: a, jitterMs: ja }, inside: { latencyMs: i, jitterMs: ji }, outside: { latencyMs: o, jitterMs: jo }, server: { latencyMs: s, jitterMs: js } },
      seed,
    );
    const server = listen(world, 's0', 3478);
    const sentAt = sendPaced(world, gaps);
    world.run();
    expect(server.inbox.map((r) => r.data[0]).sort((x, y) => x! - y!)).toEqual(gaps.map((_, n) => n));
    const epsilon = 1e-9; // the delay is rounded to the microsecond, then summed in floating point
    for (const r of server.inbox) {
      const delay = r.t - sentAt[r.data[0]!]!;
      expect(delay).toBeGreaterThanOrEqual(a + i + o + s - epsilon);
      expect(delay).toBeLessThanOrEqual(a + i + o + s + ja + ji + jo + js + epsilon);
    }
    for (const d of world.trace.ofKind('packet.deliver')) {
      const hop1 = d.path[1]!.t - d.path[0]!.t;
      expect(hop1).toBeGreaterThanOrEqual(a + i - epsilon);
      expect(hop1).toBeLessThanOrEqual(a + i + ja + ji + epsilon);
    }
  });

  test('jitter reorders datagrams on a real path (some seed shows it)', () => {
    let reordered = false;
    for (let seed = 1; seed <= 20 && !reordered; seed++) {
      const world = pathWorld({ alice: { latencyMs: 5, jitterMs: 20 }, inside: {}, outside: {}, server: {} }, seed);
      const server = listen(world, 's0', 3478);
      const socket = world.host('alice').bindUdp({});
      for (let n = 0; n < 20; n++) {
        socket.send(bytes(n), addr(SERVER_ADDRESSES[0], 3478));
        world.runFor(1);
      }
      world.run();
      const order = server.inbox.map((r) => r.data[0]);
      reordered = order.some((v, k) => k > 0 && v! < order[k - 1]!);
    }
    expect(reordered).toBe(true);
  });

  test('setLinkQuality changes the delay of packets sent from then on', () => {
    const world = pathWorld({ alice: { latencyMs: 1 }, inside: { latencyMs: 0 }, outside: { latencyMs: 0 }, server: { latencyMs: 1 } }, 1);
    const server = listen(world, 's0', 3478);
    const socket = world.host('alice').bindUdp({});
    socket.send(bytes(0), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    world.setLinkQuality('alice@home', { latencyMs: 50 });
    const t = world.clock.now();
    socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    expect(server.inbox.map((r) => r.t)).toEqual([2, t + 51]);
    // Held to the same rules as a topology's links.
    expect(() => world.setLinkQuality('alice@home', { latencyMs: -1 })).toThrow(RangeError);
    expect(() => world.setLinkQuality('alice@home', { mtu: Number.NaN })).toThrow(/mtu/);
    expect(() => world.setLinkQuality('alice@home', { loss: 2 })).toThrow(/loss/);
  });
});

describe('loss', () => {
  /** Sends n datagrams from alice to the server; returns how many were lost (traced as 'loss'). */
  function lossRun(aliceLoss: number, serverLoss: number, n: number, seed: number): { lost: number; delivered: number; world: World } {
    const world = build({ hosts: [{ id: 'alice', link: { loss: aliceLoss } }, { id: 's0', address: SERVER_ADDRESSES[0], link: { loss: serverLoss } }] }, { seed });
    const server = listen(world, 's0', 3478);
    const socket = world.host('alice').bindUdp({});
    for (let k = 0; k < n; k++) socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    const drops = world.trace.ofKind('packet.drop');
    for (const d of drops) expect(d.reason).toBe('loss');
    return { lost: drops.length, delivered: server.inbox.length, world };
  }

  prop([fc.integer({ min: 1, max: 60 }).map((p) => p / 100), fc.integer({ min: 0, max: 30 }).map((p) => p / 100), seedArb], runs(40))(
    'the observed loss rate is within 5 standard deviations of 1 - (1 - p1)(1 - p2)',
    (p1, p2, seed) => {
      const n = 2_000;
      const { lost, delivered } = lossRun(p1, p2, n, seed);
      expect(lost + delivered).toBe(n);
      const p = 1 - (1 - p1) * (1 - p2);
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(lost - n * p), `lost ${lost} of ${n}, expected ~${(n * p).toFixed(0)} ± ${sd.toFixed(1)}`).toBeLessThanOrEqual(5 * sd + 1);
    },
  );

  test('loss 0 loses nothing, loss 1 loses everything', () => {
    expect(lossRun(0, 0, 500, 1).lost).toBe(0);
    expect(lossRun(1, 0, 500, 1).delivered).toBe(0);
  });

  test('losses are seeded: the same seed loses the same datagrams, another seed others', () => {
    const which = (seed: number) =>
      lossRun(0.3, 0, 200, seed)
        .world.trace.ofKind('packet.drop')
        .map((d) => d.packet);
    expect(which(5)).toEqual(which(5));
    expect(which(5)).not.toEqual(which(6));
  });
});

describe('MTU', () => {
  prop([fc.integer({ min: 68, max: 1500 }), fc.integer({ min: 0, max: 1600 }), fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp')], runs(150))(
    'a packet larger than the smallest MTU on its way is dropped with reason mtu; one that fits arrives',
    (mtu, size, protocol) => {
      const world = pathWorld({ alice: {}, inside: {}, outside: { mtu }, server: {} }, 1);
      const payload = new Uint8Array(size).fill(7);
      const fits = size + (protocol === 'udp' ? UDP_OVERHEAD : TCP_OVERHEAD) <= mtu;
      if (protocol === 'udp') {
        const server = listen(world, 's0', 3478);
        world.host('alice').bindUdp({}).send(payload, addr(SERVER_ADDRESSES[0], 3478));
        const id = lastPacketId(world);
        world.run();
        expect(fate(world, id)).toBe(fits ? 'delivered' : 'mtu');
        expect(server.inbox.length).toBe(fits ? 1 : 0);
        // Dropped at the first link too small for it: alice's LAN (1500) or the NAT's outside.
        if (!fits) expect(world.trace.ofKind('packet.drop')[0]!.detail).toContain(`${size + UDP_OVERHEAD > 1500 ? 1500 : mtu}-byte MTU`);
      } else {
        const received: number[] = [];
        world.host('s0').listenTcp({ port: 443 }, (c) => c.onData((d) => received.push(d.byteLength)));
        const c = world.host('alice').connectTcp(addr(SERVER_ADDRESSES[0], 443));
        c.write(payload.byteLength > 0 ? payload : bytes(1));
        world.runFor(1_000);
        const dataDrops = world.trace.ofKind('packet.drop').filter((d) => d.segment === 'DATA');
        if (size === 0 || fits) expect(received).toEqual([Math.max(size, 1)]);
        else expect(dataDrops.map((d) => d.reason)).toEqual(['mtu']);
      }
    },
  );
});

describe('links going down', () => {
  test('a downed link drops with link-down (traced), and carries again once up', () => {
    const world = pathWorld({ alice: {}, inside: {}, outside: {}, server: {} }, 1);
    const server = listen(world, 's0', 3478);
    const socket = world.host('alice').bindUdp({});
    world.setLinkUp('nat@internet', false);
    socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    world.setLinkUp('nat@internet', true);
    socket.send(bytes(2), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    expect(server.inbox.map((r) => r.data[0])).toEqual([2]);
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ reason: 'link-down', at: 'nat' }]);
    expect(world.trace.ofKind('link.state')).toMatchObject([
      { interface: 'nat@internet', up: false },
      { interface: 'nat@internet', up: true },
    ]);
    expect(world.attachments).toEqual(expect.arrayContaining(['alice@home', 'nat@home', 'nat@internet', 's0@internet']));
    expect(() => world.setLinkUp('nobody@nowhere', false)).toThrow(RangeError);
  });

  test('sending to oneself crosses no link', () => {
    const world = pathWorld({ alice: { latencyMs: 100, loss: 1 }, inside: {}, outside: {}, server: {} }, 1);
    const a = listen(world, 'alice', 4000);
    a.socket.send(bytes(9), addr(world.host('alice').addresses[0]!, 4000));
    world.run();
    expect(a.inbox).toMatchObject([{ t: 0, data: bytes(9) }]);
  });
});
