/**
 * The fabric: realms, the attachments on them, and how a packet crosses one
 * realm from one attachment to the next.
 *
 * A packet moves hop by hop, each hop an event on the virtual clock, so a NAT
 * translates it at the moment it really arrives there (a mapping may have
 * expired while it was in flight) and every hop lands in its path.
 *
 * Routing inside a realm is what a switch and a default route do: an address
 * on the realm is delivered to its owner; an address outside the LAN's subnet
 * goes to the LAN's gateway (its NAT); anything else has no route.
 */
import { subnetContains, type Subnet } from './address.js';
import { formatAddress, type Protocol, type TransportAddress } from '../io/address.js';
import type { VirtualClock } from './clock.js';
import { TCP_OVERHEAD, UDP_OVERHEAD, type Link } from './link.js';
import { toHex, type DropReason, type Hop, type Trace, type TraceKinds } from './trace.js';

/** What a simulated TCP segment is (the simulator's TCP is connection set-up, data and teardown; no windows): as it appears in a packet's `segment` and in the trace. */
export type SegmentFlag = 'SYN' | 'SYN-ACK' | 'DATA' | 'FIN' | 'RST';

/** TCP-ish segment information carried by stream packets. */
export interface Segment {
  readonly flag: SegmentFlag;
  /** Per-direction sequence number, counted in segments. */
  readonly seq: number;
}

/**
 * One IP packet in flight through the simulated network: its protocol,
 * addresses as they are now (NATs rewrite them), payload, the virtual time it
 * was sent (ms) and the hops it has taken. Nodes receive it; the trace
 * records it.
 */
export interface Packet {
  readonly id: number;
  readonly protocol: Protocol;
  /** Addresses as they are *now*: NATs rewrite them on the way (with `readdress`, which keeps the texts in step). */
  src: TransportAddress;
  dst: TransportAddress;
  /**
   * `src` and `dst` as "ip:port" for the trace: formatted once per rewrite, and only when a
   * record or a hop needs them ('' until then; `srcTextOf`, `dstTextOf`). A world nobody
   * traces (the NAT matrix) formats no address at all.
   */
  srcText: string;
  dstText: string;
  readonly payload: Uint8Array;
  readonly sentAt: number;
  readonly path: Hop[];
  readonly segment?: Segment;
  /** Called when a stream packet dies for good, so the sending connection can give up as TCP would. */
  readonly onDrop?: (reason: DropReason, detail: string) => void;
}

/** Rewrites a packet's addresses (what a NAT does). */
export function readdress(packet: Packet, src: TransportAddress, dst: TransportAddress): void {
  if (src !== packet.src) {
    packet.src = src;
    packet.srcText = '';
  }
  if (dst !== packet.dst) {
    packet.dst = dst;
    packet.dstText = '';
  }
}

/** The packet's source as "ip:port" (formatted on first use after each rewrite). */
export function srcTextOf(packet: Packet): string {
  return packet.srcText === '' ? (packet.srcText = formatAddress(packet.src)) : packet.srcText;
}

/** The packet's destination as "ip:port" (formatted on first use after each rewrite). */
export function dstTextOf(packet: Packet): string {
  return packet.dstText === '' ? (packet.dstText = formatAddress(packet.dst)) : packet.dstText;
}

export interface NetworkNode {
  readonly id: string;
  /** A packet has arrived on one of this node's attachments. */
  receive(attachment: Attachment, packet: Packet): void;
}

/** Where a host's interface or a NAT's side sits on a realm: its address there and its access link. */
export interface Attachment {
  /** "<node>@<realm>", e.g. "alice@alice-home". */
  readonly id: string;
  readonly node: NetworkNode;
  readonly realm: Realm;
  readonly address: string;
  readonly link: Link;
}

/**
 * One addressing realm (RFC 2663's term): the internet, or a LAN behind a NAT
 * with its subnet and gateway. Inside a realm packets go straight to the
 * address's owner; out of a LAN they go to its gateway.
 */
export interface Realm {
  readonly id: string;
  readonly kind: 'internet' | 'lan';
  readonly subnet: Subnet | undefined;
  readonly byAddress: Map<string, Attachment>;
  /** The inside attachment of this LAN's NAT. */
  gateway: Attachment | undefined;
}

/**
 * TCP gives up on a segment after this many retransmissions in a row. RFC 1122 §4.2.3.5 says
 * this threshold (R2) SHOULD correspond to at least 100 s; 15 is Linux's tcp_retries2, about
 * 13 minutes with the RTO doubling from 200 ms up to its cap. (It was 6, 12.6 s in all: a
 * 20%-lossy path then lost data about once a thousand segments, where a real TCP only slows down.)
 */
const TCP_MAX_RETRANSMISSIONS = 15;
const TCP_MIN_RTO_MS = 200; // Linux's minimum RTO
/** RFC 6298 §2.5 allows a cap on the RTO of at least 60 s; Linux uses 120 s (TCP_RTO_MAX). */
const TCP_MAX_RTO_MS = 120_000;

export class Network {
  private nextPacketId = 1;

  constructor(
    readonly clock: VirtualClock,
    readonly trace: Trace,
  ) {}

  /** Starts a packet's journey from a node's attachment; records the send. */
  send(from: Attachment, packet: Omit<Packet, 'id' | 'sentAt' | 'path' | 'srcText' | 'dstText'>): Packet {
    // Built field by field, not spread: one object shape for every packet keeps this hot path fast.
    const full: Packet = {
      id: this.nextPacketId++,
      protocol: packet.protocol,
      src: packet.src,
      dst: packet.dst,
      srcText: '',
      dstText: '',
      payload: packet.payload,
      sentAt: this.clock.now(),
      path: [],
      segment: packet.segment,
      onDrop: packet.onDrop,
    };
    this.hop(full, from.node.id);
    if (!this.trace.wanted) return full;
    const record: TraceKinds['packet.send'] = {
      packet: full.id,
      protocol: full.protocol,
      host: from.node.id,
      src: srcTextOf(full),
      dst: dstTextOf(full),
      size: full.payload.byteLength,
      // Absent fields stay absent (not undefined) so the JSON of a record is exactly what was said.
      ...(this.trace.payloads && full.payload.byteLength > 0 ? { payload: toHex(full.payload) } : undefined),
      ...(full.segment ? { segment: full.segment.flag } : undefined),
    };
    this.trace.record('packet.send', record);
    return full;
  }

  /** Moves a packet across `from`'s realm to the attachment that should get it next. */
  forward(from: Attachment, packet: Packet): void {
    const realm = from.realm;
    const dst = packet.dst.address;
    let to = realm.byAddress.get(dst);
    if (to === undefined) {
      const onThisLan = realm.subnet !== undefined && subnetContains(realm.subnet, dst);
      if (onThisLan || realm.gateway === undefined || realm.gateway === from) {
        const why = onThisLan ? `no host has ${dst} on ${realm.id}` : realm.kind === 'internet' ? `nobody has ${dst} on the internet` : `${realm.id} has no way out to ${dst}`;
        return this.drop(packet, from.node.id, 'no-route', why);
      }
      to = realm.gateway;
    }
    if (to === from) {
      // Sent to one's own address: the loopback path, no link crossed.
      this.clock.setTimeout(() => this.arrive(to, packet), 0);
      return;
    }
    if (!from.link.up || !to.link.up) {
      const down = from.link.up ? to : from;
      return this.drop(packet, from.node.id, 'link-down', `the link of ${down.id} is down`);
    }
    const size = packet.payload.byteLength + (packet.protocol === 'udp' ? UDP_OVERHEAD : TCP_OVERHEAD);
    const mtu = Math.min(from.link.quality.mtu, to.link.quality.mtu);
    if (size > mtu) {
      return this.drop(packet, from.node.id, 'mtu', `${size}-byte packet exceeds the ${mtu}-byte MTU between ${from.id} and ${to.id}`);
    }
    let delay = from.link.sampleDelay() + to.link.sampleDelay();
    if (from.link.sampleLoss() || to.link.sampleLoss()) {
      if (packet.protocol === 'udp') return this.drop(packet, from.node.id, 'loss', `lost between ${from.id} and ${to.id}`);
      // A stream does not lose data: TCP retransmits after its RTO, doubling each time (RFC 6298 §5.5).
      let rto = TCP_MIN_RTO_MS;
      let retransmissions = 0;
      do {
        if (++retransmissions > TCP_MAX_RETRANSMISSIONS) {
          return this.drop(packet, from.node.id, 'loss', `lost ${TCP_MAX_RETRANSMISSIONS + 1} times in a row between ${from.id} and ${to.id}; TCP gives up`);
        }
        delay += rto;
        rto = Math.min(rto * 2, TCP_MAX_RTO_MS);
      } while (from.link.sampleLoss() || to.link.sampleLoss());
    }
    this.clock.setTimeout(() => this.arrive(to, packet), delay);
  }

  /** Records a packet's end short of its destination. */
  drop(packet: Packet, at: string, reason: DropReason, detail: string): void {
    if (this.trace.wanted) this.trace.record('packet.drop', {
      packet: packet.id,
      protocol: packet.protocol,
      at,
      reason,
      detail,
      src: srcTextOf(packet),
      dst: dstTextOf(packet),
      path: packet.path,
      ...(packet.segment ? { segment: packet.segment.flag } : {}),
    });
    packet.onDrop?.(reason, detail);
  }

  /** Records a packet reaching the socket it was for. */
  delivered(packet: Packet, host: string): void {
    if (!this.trace.wanted) return;
    this.trace.record('packet.deliver', {
      packet: packet.id,
      protocol: packet.protocol,
      host,
      src: srcTextOf(packet),
      dst: dstTextOf(packet),
      size: packet.payload.byteLength,
      sentAt: packet.sentAt,
      path: packet.path,
      ...(packet.segment ? { segment: packet.segment.flag } : {}),
    });
  }

  /**
   * Appends the packet's current position to its path, when anyone reads the trace (a
   * listener that subscribes while a packet is on its way sees the rest of its path).
   */
  hop(packet: Packet, at: string): void {
    if (this.trace.wanted) packet.path.push({ t: this.clock.now(), at, src: srcTextOf(packet), dst: dstTextOf(packet) });
  }

  private arrive(to: Attachment, packet: Packet): void {
    this.hop(packet, to.node.id);
    to.node.receive(to, packet);
  }
}
