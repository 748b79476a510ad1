/**
 * The trace as a pcap file that Wireshark and tshark open.
 *
 * Format: classic libpcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html),
 * little-endian, magic 0xa1b2c3d4 (microsecond timestamps), version 2.4,
 * snaplen 65535. Link type LINKTYPE_RAW (101, raw IPv4, no link header) by
 * default, or LINKTYPE_ETHERNET (1) with synthetic locally administered MACs,
 * one per node (02:00 + FNV-1a of the node id), so the frame shows which node
 * handed it to which.
 *
 * What a frame is. By default (`view: 'segments'`) a datagram appears once per
 * link segment it crossed: from each hop of its `path` to the next, with the
 * addresses it carried on that segment (those it had on arriving at the next
 * node, i.e. after the previous node's NAT rewrite) and stamped with the
 * segment's departure time (the previous hop's time: nodes forward at once).
 * So a NAT's rewrite shows as it would in captures taken on every wire at
 * once, and the IPv4 TTL drops by one per NAT crossed (RFC 791: each router
 * decrements it). `view: 'delivered'` writes what receivers saw instead: one
 * frame per delivered datagram, with its final addresses, at its arrival time.
 *
 * - A dropped packet gets the segments it completed; the one on which it was
 *   lost, or refused, is not written (a capture on the far side would not
 *   see it). A packet still in flight when the trace ends has no path in the
 *   trace yet, and is not written.
 * - TCP-ish stream packets become TCP segments (RFC 9293): the simulator counts
 *   segments, not bytes, and does not trace sequence numbers, so they are
 *   rebuilt here per direction, in bytes: a deterministic ISN per connection
 *   (hash of host and 4-tuple), SYN and FIN count one, DATA its length; ACK
 *   acknowledges what the sender had been delivered when it sent; a reset
 *   answering a stray segment follows RFC 9293 §3.10.7.1. Retransmissions that
 *   the simulator folds into a longer delay are not shown.
 * - Payloads come from 'packet.send' records (hex). When the world did not
 *   record payloads, frames keep their real lengths but are written truncated
 *   to the headers (captured length < original length, as with a short
 *   snaplen) and the checksums are zero: "none" for UDP (RFC 768).
 * - Time: virtual time 0 is `epochSeconds` (default 2000-01-01T00:00:00Z, a
 *   fixed and plainly synthetic date); virtual ms become microseconds, rounded.
 *   Nothing depends on the wall clock, so a seed gives the same bytes.
 * - IPv4 identification is the packet id (mod 2^16), the same on every
 *   segment, so one datagram's copies are easy to pair up in Wireshark.
 */
import type { Hop, TraceRecord, TraceRecordOf } from '../sim/index.js';
import type { Protocol } from '../io/index.js';

/** How a trace becomes a pcap capture: one frame per link segment or per delivered datagram, raw IPv4 or Ethernet framing, where virtual time 0 lands (Unix s), and whether TCP segments are written. */
export interface PcapOptions {
  /** 'segments' (default): one frame per link segment crossed; 'delivered': one per delivered datagram, as received. */
  readonly view?: 'segments' | 'delivered';
  /** 'raw' (default): LINKTYPE_RAW, bare IPv4; 'ethernet': LINKTYPE_ETHERNET with synthetic MACs per node. */
  readonly linkType?: 'raw' | 'ethernet';
  /** Unix time in seconds that virtual time 0 maps to (default `PCAP_EPOCH_SECONDS`, 2000-01-01T00:00:00Z). */
  readonly epochSeconds?: number;
  /** Write TCP-ish stream packets as TCP segments (default true); false leaves them out. */
  readonly tcp?: boolean;
}

/** 2000-01-01T00:00:00Z: where virtual time 0 lands in the capture. */
export const PCAP_EPOCH_SECONDS = 946_684_800;

/** pcap-savefile(5) magic for microsecond timestamps, written in host order; we write little-endian. */
const PCAP_MAGIC = 0xa1b2c3d4;
const SNAPLEN = 65_535;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const ETHERTYPE_IPV4 = 0x0800;
/** The initial TTL of Linux and most stacks. */
const INITIAL_TTL = 64;
const IP_HEADER = 20;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

/** The TCP header fields of one stream packet; NATs rewrite only the ports, which are not kept here. */
interface TcpFields {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
}

interface Sent {
  readonly seq: number; // trace order of the send, to order frames that share a timestamp
  readonly protocol: Protocol;
  readonly size: number;
  readonly payload: Uint8Array | undefined; // undefined: not recorded
  readonly tcp: TcpFields | undefined;
}

interface Frame {
  readonly micros: number;
  readonly order: readonly [number, number];
  readonly sent: Sent;
  readonly packet: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly ttl: number;
  readonly from: string;
  readonly to: string;
}

interface Endpoint {
  readonly ip: readonly [number, number, number, number];
  readonly port: number;
}

/** The trace's datagrams (and, unless `tcp: false`, stream segments) as a pcap file's bytes. */
export function pcapFromTrace(records: readonly TraceRecord[], options: PcapOptions = {}): Uint8Array {
  const view = options.view ?? 'segments';
  const ethernet = options.linkType === 'ethernet';
  const epoch = options.epochSeconds ?? PCAP_EPOCH_SECONDS;
  // pcap-savefile(5): timestamps are unsigned 32-bit seconds.
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff) throw new RangeError(`epochSeconds must be whole seconds in 0..2^32-1, got ${epoch}`);
  const withTcp = options.tcp ?? true;

  const sends = new Map<number, Sent>();
  const tcp = new TcpRebuilder();
  const frames: Frame[] = [];
  for (const r of records) {
    if (r.kind === 'packet.send') {
      if (r.protocol === 'tcp' && !withTcp) continue;
      const payload = r.payload !== undefined ? Uint8Array.from(Buffer.from(r.payload, 'hex')) : r.size === 0 ? new Uint8Array(0) : undefined;
      sends.set(r.packet, { seq: r.seq, protocol: r.protocol, size: r.size, payload, tcp: r.protocol === 'tcp' ? tcp.sent(r) : undefined });
    } else if (r.kind === 'packet.deliver' || r.kind === 'packet.drop') {
      const sent = sends.get(r.packet);
      if (sent === undefined) continue; // sent before the trace began, or TCP left out
      if (r.kind === 'packet.deliver' && sent.tcp) tcp.delivered(r, sent.tcp, sent.size);
      if (r.kind === 'packet.drop' && r.reason === 'port-unreachable' && sent.tcp) tcp.refused(r, sent.tcp, sent.size);
      frames.push(...framesOf(r.packet, sent, r.path, view === 'delivered' ? (r.kind === 'packet.deliver' ? 'last' : 'none') : 'all', epoch));
    }
  }
  frames.sort((a, b) => a.micros - b.micros || a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  return encode(frames, ethernet);
}

function framesOf(packet: number, sent: Sent, path: readonly Hop[], which: 'all' | 'last' | 'none', epoch: number): Frame[] {
  const frames: Frame[] = [];
  const first = which === 'last' ? path.length - 2 : 0;
  const end = which === 'none' ? 0 : path.length - 1;
  for (let i = Math.max(0, first); i < end; i++) {
    const from = path[i]!;
    const to = path[i + 1]!;
    // Segment i leaves hop i; its addresses are those it arrived with at hop i+1.
    const t = which === 'last' ? to.t : from.t;
    frames.push({
      micros: epoch * 1_000_000 + Math.round(t * 1000),
      order: [sent.seq, i],
      sent,
      packet,
      src: parseEndpoint(to.src),
      dst: parseEndpoint(to.dst),
      ttl: Math.max(1, INITIAL_TTL - i), // every node between sender and this segment is a forwarding NAT
      from: from.at,
      to: to.at,
    });
  }
  return frames;
}

function parseEndpoint(text: string): Endpoint {
  const colon = text.lastIndexOf(':');
  const parts = text.slice(0, colon).split('.').map(Number);
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || parts.length !== 4 || !parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`not an IPv4 ip:port in the trace: ${JSON.stringify(text)}`);
  }
  return { ip: parts as unknown as Endpoint['ip'], port };
}

// ---- bytes -----------------------------------------------------------------------

function encode(frames: readonly Frame[], ethernet: boolean): Uint8Array {
  const linkHeader = ethernet ? 14 : 0;
  const lengths = frames.map((f) => {
    const transport = f.sent.protocol === 'udp' ? UDP_HEADER : TCP_HEADER;
    const original = linkHeader + IP_HEADER + transport + f.sent.size;
    const captured = f.sent.payload === undefined ? linkHeader + IP_HEADER + transport : original;
    return [captured, original] as const;
  });
  const out = new Uint8Array(24 + lengths.reduce((sum, [captured]) => sum + 16 + captured, 0));
  const view = new DataView(out.buffer);
  // Global header (pcap-savefile(5)): magic, version 2.4, thiszone 0, sigfigs 0, snaplen, network.
  view.setUint32(0, PCAP_MAGIC, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, SNAPLEN, true);
  view.setUint32(20, ethernet ? LINKTYPE_ETHERNET : LINKTYPE_RAW, true);
  let offset = 24;
  frames.forEach((f, i) => {
    const [captured, original] = lengths[i]!;
    // Record header: seconds, microseconds, captured length, original length.
    view.setUint32(offset, Math.floor(f.micros / 1_000_000), true);
    view.setUint32(offset + 4, f.micros % 1_000_000, true);
    view.setUint32(offset + 8, captured, true);
    view.setUint32(offset + 12, original, true);
    offset += 16;
    if (ethernet) {
      out.set(macOf(f.to), offset);
      out.set(macOf(f.from), offset + 6);
      view.setUint16(offset + 12, ETHERTYPE_IPV4);
      offset += 14;
    }
    writeDatagram(out, view, offset, f);
    offset += captured - linkHeader;
  });
  return out;
}

/** Writes the IPv4 header, the UDP or TCP header and (when recorded) the payload at `offset`. */
function writeDatagram(out: Uint8Array, view: DataView, offset: number, f: Frame): void {
  const { sent } = f;
  const udp = sent.protocol === 'udp';
  const transportLength = (udp ? UDP_HEADER : TCP_HEADER) + sent.size;
  const totalLength = IP_HEADER + transportLength;
  if (totalLength > 0xffff) throw new RangeError(`packet ${f.packet}: ${totalLength} bytes do not fit an IPv4 datagram`);

  // RFC 791 §3.1: version 4, IHL 5 words; TOS 0; total length; identification; flags DF, offset 0; TTL; protocol; checksum; addresses.
  const ip = offset;
  view.setUint8(ip, 0x45);
  view.setUint16(ip + 2, totalLength);
  view.setUint16(ip + 4, f.packet & 0xffff);
  view.setUint16(ip + 6, 0x4000);
  view.setUint8(ip + 8, f.ttl);
  view.setUint8(ip + 9, udp ? 17 : 6);
  out.set(f.src.ip, ip + 12);
  out.set(f.dst.ip, ip + 16);
  view.setUint16(ip + 10, ~onesComplementSum(out, ip, IP_HEADER, 0) & 0xffff);

  const th = ip + IP_HEADER;
  view.setUint16(th, f.src.port);
  view.setUint16(th + 2, f.dst.port);
  if (udp) {
    // RFC 768: length covers header and data.
    view.setUint16(th + 4, transportLength);
  } else {
    const tcp = sent.tcp!;
    view.setUint32(th + 4, tcp.seq >>> 0);
    view.setUint32(th + 8, tcp.flags & TCP_ACK ? tcp.ack >>> 0 : 0);
    view.setUint8(th + 12, (TCP_HEADER / 4) << 4); // data offset: 5 words, no options
    view.setUint8(th + 13, tcp.flags);
    view.setUint16(th + 14, 65_535); // window
  }
  if (sent.payload === undefined) return; // not recorded: truncated frame, checksum left zero
  out.set(sent.payload, th + (udp ? UDP_HEADER : TCP_HEADER));
  // RFC 768 / RFC 9293 §3.1: the checksum covers a pseudo-header (source, destination, zero, protocol, length) and the whole segment.
  const pseudo = onesComplementSum(out, ip + 12, 8, (udp ? 17 : 6) + transportLength);
  const checksum = ~onesComplementSum(out, th, transportLength, pseudo) & 0xffff;
  // RFC 768: a computed UDP checksum of zero is sent as all ones (zero means "no checksum").
  view.setUint16(th + (udp ? 6 : 16), udp && checksum === 0 ? 0xffff : checksum);
}

/** The 16-bit ones' complement sum (RFC 1071) of `length` bytes at `offset`, an odd last byte padded with zero, plus `initial`. */
function onesComplementSum(bytes: Uint8Array, offset: number, length: number, initial = 0): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += ((bytes[i]! << 8) | bytes[i + 1]!) >>> 0;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

const macs = new Map<string, Uint8Array>();

/** A locally administered unicast MAC (first octet 0x02) per node id: 02:00 and the node id's FNV-1a hash. */
function macOf(node: string): Uint8Array {
  let mac = macs.get(node);
  if (mac === undefined) {
    const h = fnv1a(node);
    mac = Uint8Array.of(0x02, 0x00, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
    macs.set(node, mac);
  }
  return mac;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

// ---- TCP sequence numbers ------------------------------------------------------------

/**
 * Rebuilds byte sequence numbers from the trace's segment kinds. Keys are a
 * host's view of a connection, "host local remote": what a host sends on it is
 * `local → remote`, and what it receives was delivered as `remote → local`.
 */
class TcpRebuilder {
  /** Per sending direction: the ISN and the next sequence number. */
  private readonly sending = new Map<string, { isn: number; next: number; synOnly: boolean; closed: boolean }>();
  /** Per receiving direction: the next sequence number expected (what an ACK carries). */
  private readonly receiving = new Map<string, number>();
  /** The segment a host refused (no connection), by the view its reset answers from. */
  private readonly refusedSegments = new Map<string, { fields: TcpFields; size: number }>();
  private connections = 0;

  sent(r: TraceRecordOf<'packet.send'>): TcpFields {
    const key = `${r.host} ${r.src} ${r.dst}`;
    const ack = this.receiving.get(key);
    const acking = (flags: number) => (ack === undefined ? { ack: 0, flags } : { ack, flags: flags | TCP_ACK });
    let state = this.sending.get(key);
    switch (r.segment) {
      case 'SYN':
      case 'SYN-ACK': {
        // A retransmitted SYN (or the SYN-ACK answering one) reuses its ISN; anything else starts a connection.
        if (state === undefined || !state.synOnly || state.closed) {
          const isn = fnv1a(`${key} ${this.connections++}`);
          state = { isn, next: (isn + 1) >>> 0, synOnly: true, closed: false };
          this.sending.set(key, state);
          if (r.segment === 'SYN') this.receiving.delete(key);
        }
        return r.segment === 'SYN' ? { seq: state.isn, ack: 0, flags: TCP_SYN } : { seq: state.isn, ...acking(TCP_SYN) };
      }
      case 'RST': {
        const refused = this.refusedSegments.get(key);
        this.refusedSegments.delete(key);
        if (refused !== undefined) {
          // RFC 9293 §3.10.7.1: take the sequence number from the refused segment's ACK, else seq 0 and ACK its end.
          const f = refused.fields;
          return f.flags & TCP_ACK ? { seq: f.ack, ack: 0, flags: TCP_RST } : { seq: 0, ack: segmentEnd(f, refused.size), flags: TCP_RST | TCP_ACK };
        }
        return { seq: state?.next ?? 0, ...acking(TCP_RST) };
      }
      default: {
        if (state === undefined) {
          // The connection began before the trace did: start somewhere deterministic.
          const isn = fnv1a(`${key} ${this.connections++}`);
          state = { isn, next: (isn + 1) >>> 0, synOnly: false, closed: false };
          this.sending.set(key, state);
        }
        state.synOnly = false;
        const seq = state.next;
        const fin = r.segment === 'FIN';
        state.next = (seq + (fin ? 1 : r.size)) >>> 0;
        if (fin) state.closed = true;
        return { seq, ...acking(fin ? TCP_FIN : TCP_PSH) };
      }
    }
  }

  delivered(r: TraceRecordOf<'packet.deliver'>, fields: TcpFields, size: number): void {
    if (fields.flags & TCP_RST) return;
    const key = `${r.host} ${r.dst} ${r.src}`;
    const end = segmentEnd(fields, size);
    const current = this.receiving.get(key);
    // Cumulative: move forward only (sequence arithmetic modulo 2^32, RFC 9293 §3.4).
    if (current === undefined || fields.flags & TCP_SYN || ((end - current) | 0) > 0) this.receiving.set(key, end);
  }

  refused(r: TraceRecordOf<'packet.drop'>, fields: TcpFields, size: number): void {
    this.refusedSegments.set(`${r.at} ${r.dst} ${r.src}`, { fields, size });
  }
}

/** The sequence number after a segment: SYN and FIN count one, data its length. */
function segmentEnd(f: TcpFields, size: number): number {
  return (f.seq + size + (f.flags & TCP_SYN ? 1 : 0) + (f.flags & TCP_FIN ? 1 : 0)) >>> 0;
}
