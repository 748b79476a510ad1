/**
 * The TURN server's central safety property (RFC 8656 §9): it never relays
 * to or from a peer without a valid permission.
 *
 * Random sequences of client operations run in the simulator: CreatePermission
 * for random peers, ChannelBind, Send indications and ChannelData to random
 * peers and channels, peers sending to the relayed address (some timed to
 * arrive exactly at a permission's expiry, give or take a millisecond),
 * time passing to just around the latest permission's expiry,
 * Refresh, deleting and re-allocating, and time passing across expiries.
 *
 * A model written here, independently of the server's code, works out from
 * the requests the test sent and the instants the server answered them which
 * permissions and channels existed when (a permission: 300 s from each
 * successful CreatePermission or ChannelBind for that IP, in that allocation,
 * while the allocation lives; a channel: 600 s from each successful
 * ChannelBind). It then checks:
 *
 * - on the network (the simulator's own packet records, not the server's):
 *   every datagram that left a relayed address went to a permitted peer, and
 *   every Data indication or ChannelData that went to the client came from a
 *   permitted peer (over UDP, where each datagram is one message);
 * - in the server's trace: every `turn.relay` had a permission (and a live
 *   channel for ChannelData); every refusal for lack of permission indeed had
 *   none; every datagram that reached a live relayed address was relayed or
 *   refused, never silently lost;
 * - no ChannelBind succeeded against a live binding of the channel or peer.
 */
import { fc, test as prop } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { World } from '../../../src/sim/index.js';
import type { TransportAddress } from '../../../src/io/index.js';
import { StunMethod, TRANSPORT_UDP, bytesToHex, decodeChannelData, decodeStunMessage, findAttribute, hexToBytes } from '../../../src/wire/index.js';
import { Client, Peer, errorCode, relayedAddress, scene, text, xor } from './harness.js';

const PERMISSION_MS = 300_000;
const CHANNEL_MS = 600_000;
const LIFETIME_S = 3600;
/** Few channels and peers, so that operations meet the same ones often. */
const CHANNELS = [0x4000, 0x4001] as const;

type Op =
  | { readonly kind: 'permit'; readonly peers: readonly number[] }
  | { readonly kind: 'bind'; readonly channel: number; readonly peer: number; readonly port: number }
  | { readonly kind: 'send'; readonly peer: number; readonly port: number }
  | { readonly kind: 'channel'; readonly channel: number }
  | { readonly kind: 'peer'; readonly peer: number; readonly port: number }
  | { readonly kind: 'edge'; readonly peer: number; readonly port: number; readonly offset: number }
  | { readonly kind: 'wait'; readonly ms: number }
  /** Let time run until just around the expiry of the latest permission granted. */
  | { readonly kind: 'lapse'; readonly offset: number }
  | { readonly kind: 'refresh' }
  | { readonly kind: 'reallocate' };

const peerIndex = fc.integer({ min: 0, max: 2 });
const portIndex = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('permit' as const), peers: fc.uniqueArray(peerIndex, { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bind' as const), channel: fc.constantFrom(...CHANNELS), peer: peerIndex, port: portIndex }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('send' as const), peer: peerIndex, port: portIndex }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('channel' as const), channel: fc.constantFrom(...CHANNELS) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('peer' as const), peer: peerIndex, port: portIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('edge' as const), peer: peerIndex, port: portIndex, offset: fc.integer({ min: -1, max: 1 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.oneof(fc.constantFrom(1, 19, 20, 21, 40, 1_000, 100_000, 150_000, 280_000, 299_960, 300_000), fc.integer({ min: 0, max: 320_000 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lapse' as const), offset: fc.constantFrom(-21, -20, -19, 0, 1, 100) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reallocate' as const }) },
);

/** What the test asked of the server, by transaction id, so that the model can read the server's answers. */
type Asked =
  | { readonly kind: 'allocate'; readonly relayed: string }
  | { readonly kind: 'permit'; readonly ips: readonly string[] }
  | { readonly kind: 'bind'; readonly channel: number; readonly peer: string }
  | { readonly kind: 'refresh'; readonly lifetime: number };

const ip = (endpoint: string): string => endpoint.slice(0, endpoint.lastIndexOf(':'));
const fmt = (a: TransportAddress): string => `${a.address}:${a.port}`;

/**
 * An instant in the trace: its time, and its place among the records of that
 * time. Two things that happen at the same virtual instant happen in trace
 * order: a datagram handled just before a permission was installed, at the
 * same millisecond, was rightly refused. Expiry is by time alone: at exactly
 * the expiry instant a permission is gone.
 */
interface Moment {
  readonly t: number;
  readonly seq: number;
}

/** The model: allocations, permissions and channels from the server's successful answers, and nothing else. */
class Model {
  private readonly spans: { relayed: string; from: Moment; until: number; end?: Moment }[] = [];
  private readonly permissions: { relayed: string; ip: string; at: Moment }[] = [];
  private readonly channels: { relayed: string; channel: number; peer: string; at: Moment }[] = [];
  readonly conflicts: string[] = [];

  constructor(world: World, asked: ReadonlyMap<string, Asked>) {
    for (const r of world.trace.ofKind('turn.response')) {
      const what = asked.get(r.transaction);
      if (r.class !== 'success-response' || what === undefined) continue;
      if (what.kind === 'allocate') {
        this.spans.push({ relayed: what.relayed, from: r, until: r.t + LIFETIME_S * 1000 });
        continue;
      }
      const span = this.spanAt(r);
      if (span === undefined) continue;
      if (what.kind === 'refresh') {
        if (what.lifetime === 0) span.end = r;
        else span.until = r.t + what.lifetime * 1000;
      }
      if (what.kind === 'permit') for (const a of what.ips) this.permissions.push({ relayed: span.relayed, ip: a, at: r });
      if (what.kind === 'bind') {
        const clash = this.channels.find(
          (c) => c.relayed === span.relayed && r.t < c.at.t + CHANNEL_MS && (c.channel === what.channel) !== (c.peer === what.peer),
        );
        if (clash !== undefined) this.conflicts.push(`t=${r.t}: bound 0x${what.channel.toString(16)} to ${what.peer} while 0x${clash.channel.toString(16)} was bound to ${clash.peer}`);
        this.channels.push({ relayed: span.relayed, channel: what.channel, peer: what.peer, at: r });
        this.permissions.push({ relayed: span.relayed, ip: ip(what.peer), at: r });
      }
    }
  }

  /** The allocation alive at `m`, if any (there is at most one: one 5-tuple). */
  spanAt(m: Moment): { relayed: string; from: Moment; until: number; end?: Moment } | undefined {
    return this.spans.find((s) => before(s.from, m) && m.t < s.until && (s.end === undefined || before(m, s.end)));
  }

  alive(relayed: string, m: Moment): boolean {
    return this.spanAt(m)?.relayed === relayed;
  }

  permitted(relayed: string, peerIp: string, m: Moment): boolean {
    return this.alive(relayed, m) && this.permissions.some((p) => p.relayed === relayed && p.ip === peerIp && before(p.at, m) && m.t < p.at.t + PERMISSION_MS);
  }

  /** The peer ("ip:port") the channel is bound to at `m`: its latest binding, if unexpired. */
  channelPeer(relayed: string, channel: number, m: Moment): string | undefined {
    const latest = this.channels.filter((c) => c.relayed === relayed && c.channel === channel && before(c.at, m)).at(-1);
    return latest !== undefined && m.t < latest.at.t + CHANNEL_MS && this.alive(relayed, m) ? latest.peer : undefined;
  }

  /** When the latest permission for `peerIp` in the allocation alive at `m` was granted. */
  lastGrant(peerIp: string, m: Moment): number | undefined {
    const span = this.spanAt(m);
    return this.permissions.filter((p) => p.relayed === span?.relayed && p.ip === peerIp).at(-1)?.at.t;
  }
}

function before(a: Moment, b: Moment): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

prop.prop([fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('udp' as const, 'tcp' as const), fc.array(op, { minLength: 1, maxLength: 30 })], { numRuns: 300 })(
  'it never relays to or from a peer without a valid permission',
  (seed, transport, ops) => {
    const { world, server, peers } = scene({ nonceLifetimeSeconds: 1e9 }, seed);
    const hosts = [peers, peers.map((p) => new Peer(world, p.host, 5001))] as const;
    const peerAt = (peer: number, port: number): Peer => hosts[port as 0 | 1][peer]!;
    const alice = new Client(world, 'alice', server.address, { transport });
    const asked = new Map<string, Asked>();
    const relayeds = new Set<string>();
    let relayed: TransportAddress | undefined;

    const allocate = () => {
      const transactionId = alice.nextTransactionId();
      if (alice.nonce === undefined) alice.request(StunMethod.Allocate, [{ type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP }], { sign: false });
      const answer = alice.request(StunMethod.Allocate, [{ type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP }, { type: 'LIFETIME', value: LIFETIME_S }], { transactionId });
      expect(answer.class, `Allocate: ${errorCode(answer)}`).toBe('success-response');
      relayed = relayedAddress(answer);
      relayeds.add(fmt(relayed));
      asked.set(bytesToHex(transactionId), { kind: 'allocate', relayed: fmt(relayed) });
    };
    const ask = (method: number, attributes: Parameters<Client['sendRequest']>[1], what: Asked) => {
      asked.set(bytesToHex(alice.sendRequest(method, attributes)), what);
    };

    allocate();
    for (const o of ops) {
      switch (o.kind) {
        case 'permit': {
          const ips = o.peers.map((i) => peerAt(i, 0).address.address);
          ask(StunMethod.CreatePermission, ips.map((a) => ({ type: 'XOR-PEER-ADDRESS' as const, value: xor(a, 0) })), { kind: 'permit', ips });
          break;
        }
        case 'bind': {
          const peer = peerAt(o.peer, o.port).address;
          ask(StunMethod.ChannelBind, [{ type: 'CHANNEL-NUMBER', value: o.channel }, { type: 'XOR-PEER-ADDRESS', value: xor(peer.address, peer.port) }], { kind: 'bind', channel: o.channel, peer: fmt(peer) });
          break;
        }
        case 'send':
          alice.sendIndication(peerAt(o.peer, o.port).address, text(`send ${world.clock.now()}`));
          break;
        case 'channel':
          alice.sendChannelData(o.channel, text(`channel ${world.clock.now()}`));
          break;
        case 'peer':
          if (relayed !== undefined) peerAt(o.peer, o.port).send(text(`peer ${world.clock.now()}`), relayed);
          break;
        case 'edge': {
          // Arrive exactly at the latest grant's expiry (+ offset ms): the boundary where off-by-one errors live.
          world.runFor(100);
          const peer = peerAt(o.peer, o.port);
          const grant = new Model(world, asked).lastGrant(peer.address.address, { t: world.clock.now(), seq: world.trace.length });
          const target = relayed;
          if (grant !== undefined && target !== undefined) {
            const sendAt = grant + PERMISSION_MS + o.offset - 20;
            if (sendAt >= world.clock.now()) world.clock.scheduleAt(sendAt, () => peer.send(text('edge'), target));
          }
          break;
        }
        case 'wait':
          world.runFor(o.ms);
          break;
        case 'lapse': {
          world.runFor(100);
          const now = { t: world.clock.now(), seq: world.trace.length };
          const model = new Model(world, asked);
          const grants = peers.map((p) => model.lastGrant(p.address.address, now) ?? -Infinity);
          const target = Math.max(...grants) + PERMISSION_MS + o.offset;
          if (target > world.clock.now()) world.runFor(target - world.clock.now());
          break;
        }
        case 'refresh':
          ask(StunMethod.Refresh, [{ type: 'LIFETIME', value: LIFETIME_S }], { kind: 'refresh', lifetime: LIFETIME_S });
          break;
        case 'reallocate':
          world.runFor(100);
          ask(StunMethod.Refresh, [{ type: 'LIFETIME', value: 0 }], { kind: 'refresh', lifetime: 0 });
          world.runFor(100);
          allocate();
          break;
      }
    }
    world.runFor(PERMISSION_MS + 1_000);

    const model = new Model(world, asked);
    expect(model.conflicts).toEqual([]);
    const aliceAt = fmt(alice.local);
    const serverAt = fmt(server.address);

    // On the network: what left a relayed address, and what the server sent the client.
    for (const p of world.trace.ofKind('packet.send')) {
      if (p.protocol === 'udp' && relayeds.has(p.src)) {
        expect(model.permitted(p.src, ip(p.dst), p), `t=${p.t}: ${p.src} sent to ${p.dst} without a permission`).toBe(true);
      }
      if (transport === 'udp' && p.protocol === 'udp' && p.src === serverAt && p.dst === aliceAt && p.payload !== undefined) {
        const bytes = hexToBytes(p.payload);
        if (!bytes.ok) throw new Error(bytes.error.message);
        const span = model.spanAt(p);
        const frame = decodeChannelData(bytes.bytes);
        if (frame.ok) {
          const bound = span === undefined ? undefined : model.channelPeer(span.relayed, frame.frame.channelNumber, p);
          expect(bound, `t=${p.t}: ChannelData on unbound channel 0x${frame.frame.channelNumber.toString(16)}`).toBeDefined();
          expect(model.permitted(span!.relayed, ip(bound!), p), `t=${p.t}: ChannelData from ${bound} without a permission`).toBe(true);
          continue;
        }
        const message = decodeStunMessage(bytes.bytes);
        if (message.ok && message.message.method === StunMethod.Data && message.message.class === 'indication') {
          const from = findAttribute(message.message, 'XOR-PEER-ADDRESS')!.value.address;
          expect(span !== undefined && model.permitted(span.relayed, from, p), `t=${p.t}: Data indication from ${from} without a permission`).toBe(true);
        }
      }
    }

    // In the server's trace.
    for (const r of world.trace.ofKind('turn.relay')) {
      expect(model.permitted(r.allocation, ip(r.peer), r), `t=${r.t}: relayed ${r.direction} ${r.peer} without a permission`).toBe(true);
      if (r.framing === 'channel-data') {
        const bound = [...CHANNELS].some((c) => model.channelPeer(r.allocation, c, r) === r.peer);
        expect(bound, `t=${r.t}: ChannelData for ${r.peer} without a live channel`).toBe(true);
      }
    }
    for (const r of world.trace.ofKind('turn.refuse')) {
      if (r.reason.startsWith('no permission') && r.peer !== undefined) {
        expect(model.permitted(r.allocation, ip(r.peer), r), `t=${r.t}: refused ${r.peer} although permitted`).toBe(false);
      }
    }
    // Every datagram that reached a live relayed address was relayed or refused.
    for (const address of relayeds) {
      const arrived = world.trace.ofKind('packet.deliver').filter((d) => d.dst === address && model.alive(address, d)).length;
      const handled = [...world.trace.ofKind('turn.relay'), ...world.trace.ofKind('turn.refuse')].filter((r) => r.allocation === address && r.direction === 'peer-to-client').length;
      expect(handled).toBe(arrived);
    }
  },
);

prop.prop([fc.integer({ min: 1, max: 100_000 })], { numRuns: 5 })('the same seed gives the same trace, byte for byte', (seed) => {
  const runOnce = () => {
    const { world, server, peers } = scene({}, seed);
    const alice = new Client(world, 'alice', server.address);
    const relayed = relayedAddress(alice.allocate());
    alice.channelBind(0x4001, peers[0]!.address);
    alice.createPermission(peers[1]!.address.address);
    alice.sendChannelData(0x4001, text('a'));
    peers[1]!.send(text('b'), relayed);
    world.runFor(700_000);
    return world.trace.toJSONLines();
  };
  expect(runOnce()).toBe(runOnce());
});
