/**
 * The trace: one ordered record of everything that happens in a world.
 *
 * Records are plain, JSON-serialisable objects stamped with the virtual time
 * `t` (ms) and a sequence number `seq` (their order; several records share a
 * `t`). Narration, diagrams, pcap files, the inspector and the tests all read
 * this one record, so the same seed gives the same trace, byte for byte.
 *
 * The kinds of record are an interface that upper layers extend by module
 * augmentation (`declare module 'rtc-machines/sim' { interface TraceKinds {...} }`),
 * so STUN transactions, ICE checks and signaling messages land in the same,
 * still fully typed, trace.
 */
import type { Protocol } from '../io/address.js';

/** Why a packet went no further: the `reason` of a `packet.drop` record (its `detail` says it in words, naming the rule, mapping or link). */
export type DropReason =
  | 'no-route' // nothing at that address, and no gateway to send it to
  | 'no-mapping' // reached a NAT's outside address, but no mapping matches the destination port
  | 'filtered' // a mapping exists but the NAT's filtering behaviour refuses this source (RFC 4787 §5)
  | 'hairpin-disabled' // sent to the NAT's own outside address from inside, and the NAT does not hairpin (RFC 4787 §6)
  | 'firewall' // a firewall rule refused it
  | 'loss' // the link lost it
  | 'mtu' // larger than a link's MTU on the way
  | 'port-unreachable' // reached the host, but no socket listens on that port
  | 'link-down'; // the link is administratively down (a scenario broke it)

/** One step of a packet's journey: where it was, when, and its addresses as seen there. */
export interface Hop {
  readonly t: number;
  /** Node id: a host or a NAT. */
  readonly at: string;
  readonly src: string;
  readonly dst: string;
}

interface PacketFields {
  /** Packet id, unique in the world; every record about the same packet carries it. */
  readonly packet: number;
  readonly protocol: Protocol;
  readonly src: string;
  readonly dst: string;
}

/** The kinds of record the simulated network writes (packets, NAT translations and mappings, TCP state, links, mDNS, notes), each with its fields. */
export interface NetTraceKinds {
  'packet.send': PacketFields & {
    readonly host: string;
    readonly size: number;
    /** The payload as hex, when the world records payloads. */
    readonly payload?: string;
    /** TCP segment flags for stream packets: SYN, SYN-ACK, DATA, FIN, RST. */
    readonly segment?: string;
  };
  'packet.deliver': PacketFields & {
    readonly host: string;
    readonly size: number;
    readonly sentAt: number;
    readonly path: readonly Hop[];
    readonly segment?: string;
  };
  'packet.drop': PacketFields & {
    /** The node where it died. */
    readonly at: string;
    readonly reason: DropReason;
    /** The reason in plain words, naming the rule, mapping or link involved. */
    readonly detail: string;
    readonly path: readonly Hop[];
    readonly segment?: string;
  };
  'nat.translate': PacketFields & {
    readonly nat: string;
    readonly direction: 'outbound' | 'inbound' | 'hairpin';
    readonly before: { readonly src: string; readonly dst: string };
  };
  'nat.mapping.create': {
    readonly nat: string;
    readonly protocol: Protocol;
    readonly internal: string;
    readonly external: string;
    /** For address(-and-port)-dependent mappings, the destination the mapping is for. */
    readonly destination?: string;
  };
  'nat.mapping.expire': {
    readonly nat: string;
    readonly protocol: Protocol;
    readonly internal: string;
    readonly external: string;
    readonly idleMs: number;
  };
  'stream.state': {
    /** Connection id, unique in the world. */
    readonly connection: number;
    readonly host: string;
    readonly local: string;
    readonly remote: string;
    readonly state: 'connecting' | 'open' | 'closed';
    readonly reason?: string;
  };
  'link.state': { readonly interface: string; readonly up: boolean };
  'mdns.register': { readonly host: string; readonly name: string; readonly address: string };
  'mdns.answer': { readonly resolver: string; readonly name: string; readonly address: string };
  'mdns.unanswered': { readonly resolver: string; readonly name: string; readonly why: string };
  /** Free text a scenario or a runner adds, e.g. what a step is about to show. */
  note: { readonly text: string; readonly by?: string };
}

/** Every kind of record; upper layers add theirs by augmenting this interface. */
export interface TraceKinds extends NetTraceKinds {}

/** The name of a kind of trace record (`'packet.send'`, `'nat.translate'`, and those upper layers add): the `kind` field of every record. */
export type TraceKind = keyof TraceKinds;

/** A trace record of one kind: its order (`seq`), its virtual time (`t`, ms), its `kind` and that kind's fields. */
export type TraceRecordOf<K extends TraceKind> = { readonly seq: number; readonly t: number; readonly kind: K } & TraceKinds[K];

/** Any trace record: a union over every kind, so a `switch (record.kind)` narrows it to that kind's fields. */
export type TraceRecord = { [K in TraceKind]: TraceRecordOf<K> }[TraceKind];

/** A function `Trace.subscribe` calls with each record as it is written, in order. */
export type TraceListener = (record: TraceRecord) => void;

/** What a world's trace keeps (`WorldOptions.trace`): payloads for pcap, and records in memory or only streamed to subscribers. */
export interface TraceOptions {
  /** Record packet payloads as hex (needed for pcap export); default true. */
  readonly payloads?: boolean;
  /**
   * Keep the records in memory (default true). False streams them to subscribers
   * only: for long soak runs whose trace would not fit, or whose reader writes it out.
   */
  readonly retain?: boolean;
}

/**
 * The one ordered record of everything that happens in a world
 * (ARCHITECTURE.md principle 4): packets and their NAT translations, machine
 * events and state changes, signaling. Every record is stamped with the
 * virtual time; narration, pcap, the inspector and the tests read it. The
 * world writes it (`world.trace`); read it, subscribe to it, or write it out
 * as JSON Lines.
 *
 * @example
 * world.trace.subscribe((r) => { if (r.kind === 'packet.drop') console.log(r.t, r.detail); });
 */
export class Trace {
  private readonly entries: TraceRecord[] = [];
  private readonly listeners = new Set<TraceListener>();
  private count = 0;
  readonly payloads: boolean;
  readonly retain: boolean;

  constructor(
    private readonly now: () => number,
    options: TraceOptions = {},
  ) {
    this.payloads = options.payloads ?? true;
    this.retain = options.retain ?? true;
  }

  /** Whether anyone reads records: a trace that neither keeps them nor has listeners only counts them. */
  get wanted(): boolean {
    return this.retain || this.listeners.size > 0;
  }

  /** Appends a record stamped with the current virtual time. */
  record<K extends TraceKind>(kind: K, fields: TraceKinds[K]): void {
    const seq = this.count++;
    if (!this.wanted) return;
    const entry = { seq, t: this.now(), kind, ...fields } as TraceRecordOf<K>;
    if (this.retain) this.entries.push(entry as TraceRecord);
    for (const listener of this.listeners) listener(entry as TraceRecord);
  }

  /** The retained records, in order (empty when the trace does not retain). */
  get records(): readonly TraceRecord[] {
    return this.entries;
  }

  /** How many records were written, retained or not. */
  get length(): number {
    return this.count;
  }

  /** The records of one kind, typed. */
  ofKind<K extends TraceKind>(kind: K): TraceRecordOf<K>[] {
    return this.entries.filter((r): r is TraceRecord & TraceRecordOf<K> => r.kind === kind);
  }

  /** Every record about one packet, in order: its send, translations, and delivery or drop. */
  packet(id: number): TraceRecord[] {
    return this.entries.filter((r) => 'packet' in r && r.packet === id);
  }

  /** Calls `listener` for every record from now on; returns the unsubscribe function. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** JSON Lines: one record per line, in order. */
  toJSONLines(): string {
    return this.entries.map((r) => JSON.stringify(r)).join('\n') + (this.entries.length ? '\n' : '');
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
