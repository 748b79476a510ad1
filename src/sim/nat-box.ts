/**
 * A NAT box in the network: an inside attachment (the LAN's gateway address),
 * an outside attachment (its external address on the realm above), a
 * translation table (nat.ts) and, maybe, a firewall at its edge.
 */
import { formatAddress, sameAddress } from '../io/address.js';
import type { Firewall } from './firewall.js';
import type { NatTable } from './nat.js';
import { dstTextOf, readdress, srcTextOf, type Attachment, type Network, type NetworkNode, type Packet } from './network.js';

/**
 * A simulated NAT: its inside attachment (the LAN's gateway address), its
 * outside attachment (its external address on the realm above), its
 * translation table (RFC 4787 for UDP, RFC 5382 for TCP), hairpinning and
 * maybe a firewall. Built by the world from each LAN's gateway spec; get one
 * with `world.nat(id)` to read its mappings (`table.mappings()`). Every
 * translation and drop is traced.
 */
export class NatBox implements NetworkNode {
  inside!: Attachment;
  outside!: Attachment;

  constructor(
    readonly id: string,
    readonly table: NatTable,
    private readonly network: Network,
    readonly firewall: Firewall | undefined,
  ) {}

  receive(attachment: Attachment, packet: Packet): void {
    if (attachment === this.outside) return this.fromOutside(packet);
    if (packet.dst.address === this.inside.address) {
      return this.network.drop(packet, this.id, 'port-unreachable', `${formatAddress(packet.dst)} is the router itself, and it listens on no port`);
    }
    if (packet.dst.address === this.outside.address) return this.hairpin(packet);
    this.toOutside(packet);
  }

  /** Inside → outside: map the source (RFC 4787 §4), then send it on the outer realm. */
  private toOutside(packet: Packet): void {
    const verdict = this.firewall?.checkOutbound(packet.protocol, packet.dst);
    if (verdict && !verdict.allowed) return this.network.drop(packet, this.id, 'firewall', verdict.detail);
    if (packet.protocol === 'tcp' && packet.segment?.flag !== 'SYN' && !this.hasMappingFor(packet)) {
      // RFC 5382 §5: a NAT creates TCP mappings on SYN only; a stray segment of an unknown connection is dropped.
      return this.network.drop(packet, this.id, 'no-mapping', `no ${packet.protocol} mapping for ${formatAddress(packet.src)} (the connection's mapping expired or never existed)`);
    }
    const mapping = this.table.outbound(packet.protocol, packet.src, packet.dst);
    if (!mapping) return this.network.drop(packet, this.id, 'no-mapping', `no free external ${packet.protocol} port left on ${this.id}`);
    this.noteClosing(packet, mapping);
    const before = this.describe(packet);
    readdress(packet, mapping.external, packet.dst);
    this.firewall?.noteFlow(packet.protocol, packet.src, packet.dst);
    this.traceTranslation(packet, 'outbound', before);
    this.network.forward(this.outside, packet);
  }

  /** Outside → inside: find the mapping for the destination port and ask the filter (RFC 4787 §5). */
  private fromOutside(packet: Packet): void {
    const verdict = this.firewall?.checkInbound(packet.protocol, packet.dst, packet.src);
    if (verdict && !verdict.allowed) return this.network.drop(packet, this.id, 'firewall', verdict.detail);
    const inbound = this.table.inbound(packet.protocol, packet.dst.port, packet.src);
    if (!inbound.ok) return this.network.drop(packet, this.id, inbound.reason, `${this.id}: ${inbound.detail}`);
    this.noteClosing(packet, inbound.mapping);
    const before = this.describe(packet);
    readdress(packet, packet.src, inbound.mapping.internal);
    this.traceTranslation(packet, 'inbound', before);
    this.network.forward(this.inside, packet);
  }

  /**
   * RFC 4787 §6 (REQ-9): a host inside sends to the NAT's own external address.
   * A hairpinning NAT maps the source as for any outbound packet, then treats the
   * packet as if it came in from outside, source being the external mapping.
   */
  private hairpin(packet: Packet): void {
    if (!this.table.behaviour.hairpinning) {
      return this.network.drop(packet, this.id, 'hairpin-disabled', `${this.id} does not hairpin: ${formatAddress(packet.src)} cannot reach its NAT's own address ${formatAddress(packet.dst)}`);
    }
    const before = this.describe(packet);
    const mapping = this.table.outbound(packet.protocol, packet.src, packet.dst);
    if (!mapping) return this.network.drop(packet, this.id, 'no-mapping', `no free external ${packet.protocol} port left on ${this.id}`);
    const inbound = this.table.inbound(packet.protocol, packet.dst.port, mapping.external);
    if (!inbound.ok) return this.network.drop(packet, this.id, inbound.reason, `${this.id} (hairpin): ${inbound.detail}`);
    readdress(packet, mapping.external, inbound.mapping.internal);
    this.traceTranslation(packet, 'hairpin', before);
    this.network.forward(this.inside, packet);
  }

  private hasMappingFor(packet: Packet): boolean {
    return this.table.mappings().some((m) => m.protocol === packet.protocol && sameAddress(m.internal, packet.src));
  }

  private noteClosing(packet: Packet, mapping: Parameters<NatTable['closing']>[0]): void {
    if (packet.segment?.flag === 'FIN' || packet.segment?.flag === 'RST') this.table.closing(mapping);
  }

  /** The packet's addresses before a rewrite, for its record; none when nobody reads the trace. */
  private describe(packet: Packet): { src: string; dst: string } | undefined {
    return this.network.trace.wanted ? { src: srcTextOf(packet), dst: dstTextOf(packet) } : undefined;
  }

  private traceTranslation(packet: Packet, direction: 'outbound' | 'inbound' | 'hairpin', before: { src: string; dst: string } | undefined): void {
    if (before === undefined) return;
    this.network.trace.record('nat.translate', {
      packet: packet.id,
      protocol: packet.protocol,
      nat: this.id,
      direction,
      before,
      src: srcTextOf(packet),
      dst: dstTextOf(packet),
    });
  }
}
