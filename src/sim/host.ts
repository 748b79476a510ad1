/**
 * A host: one or more interfaces, UDP sockets, TCP listeners and connections,
 * and maybe a firewall of its own.
 */
import { isIPv4, subnetContains } from './address.js';
import { formatAddress, isValidPort, type Protocol, type TransportAddress } from '../io/address.js';
import type { VirtualClock } from './clock.js';
import { TransportError } from '../io/errors.js';
import type { Firewall } from './firewall.js';
import type { Attachment, Network, NetworkNode, Packet, SegmentFlag } from './network.js';
import type { SeededRandom } from './random.js';
import { SimTcpConnection, SimTcpListener, type StreamOwner } from './stream.js';
import type { DropReason } from './trace.js';
import { SimUdpSocket, type UdpSocketOwner } from './udp.js';

/** IANA's dynamic range (RFC 6335), from which port 0 binds are served. */
export const EPHEMERAL_PORTS: readonly [number, number] = [49152, 65535];
const ANY = '0.0.0.0';

/** Where a simulated socket or listener binds on its host (`Host.bindUdp`, `Host.listenTcp`, `Host.connectTcp`). */
export interface BindOptions {
  /** 0 or omitted: an ephemeral port. */
  readonly port?: number;
  /** One of the host's addresses, or 0.0.0.0 (the default) for all of them. */
  readonly address?: string;
}

/**
 * A simulated host: its interfaces (one per realm it is on), its UDP sockets,
 * TCP listeners and connections, and maybe a firewall of its own. Get one
 * from the world (`world.host('alice')`) and bind sockets on it; they are
 * the `DatagramTransport`s and `StreamTransport`s the machines run over.
 *
 * @throws {TransportError} from `bindUdp`, `listenTcp` and `connectTcp`: `EADDRNOTAVAIL` for an address the host does not have, `EADDRINUSE` for a port in use, `EINVAL` for a port or remote that is not one.
 * @example
 * const socket = world.host('alice').bindUdp({ port: 5000 });
 * socket.send(bytes, { address: '203.0.113.10', port: 3478 });
 */
export class Host implements NetworkNode, UdpSocketOwner, StreamOwner {
  readonly interfaces: Attachment[] = [];
  private readonly udp = new Map<number, SimUdpSocket[]>();
  private readonly listeners = new Map<number, SimTcpListener[]>();
  private readonly connections = new Map<string, SimTcpConnection>();
  private readonly tcpPortsInUse = new Map<number, number>();

  constructor(
    readonly id: string,
    private readonly network: Network,
    private readonly random: SeededRandom,
    readonly firewall: Firewall | undefined,
    private readonly nextConnectionId: () => number,
  ) {}

  get clock(): VirtualClock {
    return this.network.clock;
  }

  /** The host's addresses, one per interface, in declaration order. */
  get addresses(): string[] {
    return this.interfaces.map((i) => i.address);
  }

  // ---- UDP -------------------------------------------------------------------

  bindUdp(options: BindOptions = {}): SimUdpSocket {
    const address = this.checkBindAddress(options.address);
    const port = this.choosePort(options.port, (p) => this.udpPortFree(p, address), 'udp');
    const socket = new SimUdpSocket(this, { address, port });
    this.udp.set(port, [...(this.udp.get(port) ?? []), socket]);
    return socket;
  }

  sendUdp(socket: SimUdpSocket, data: Uint8Array, to: TransportAddress): void {
    this.emit('udp', socket.local, to, data);
  }

  releaseUdp(socket: SimUdpSocket): void {
    const rest = (this.udp.get(socket.local.port) ?? []).filter((s) => s !== socket);
    if (rest.length > 0) this.udp.set(socket.local.port, rest);
    else this.udp.delete(socket.local.port);
  }

  // ---- TCP -------------------------------------------------------------------

  listenTcp(options: BindOptions, onConnection: (connection: SimTcpConnection) => void): SimTcpListener {
    const address = this.checkBindAddress(options.address);
    const port = this.choosePort(options.port, (p) => !this.listeners.has(p) && !this.tcpPortsInUse.has(p), 'tcp');
    const listener = new SimTcpListener({ address, port }, onConnection, (l) => {
      const rest = (this.listeners.get(l.local.port) ?? []).filter((x) => x !== l);
      if (rest.length > 0) this.listeners.set(l.local.port, rest);
      else this.listeners.delete(l.local.port);
    });
    this.listeners.set(port, [...(this.listeners.get(port) ?? []), listener]);
    return listener;
  }

  connectTcp(remote: TransportAddress, options: BindOptions = {}): SimTcpConnection {
    if (!isIPv4(remote.address) || !isValidPort(remote.port) || remote.port === 0) {
      throw new TransportError('EINVAL', `cannot connect to ${JSON.stringify(remote)}: not an IPv4 address and a port 1-65535`);
    }
    const bound = this.checkBindAddress(options.address);
    const port = this.choosePort(options.port, (p) => !this.listeners.has(p) && !this.tcpPortsInUse.has(p), 'tcp');
    const local = { address: bound === ANY ? this.route(remote.address).address : bound, port };
    const connection = new SimTcpConnection(this, this.nextConnectionId(), local, remote, 'connect');
    this.track(connection);
    this.stateChanged(connection);
    connection.startConnect();
    return connection;
  }

  sendSegment(connection: SimTcpConnection, flag: SegmentFlag, seq: number, payload: Uint8Array, onDrop?: (reason: DropReason, detail: string) => void): void {
    this.emit('tcp', connection.local, connection.remote, payload, { flag, seq }, onDrop);
  }

  stateChanged(connection: SimTcpConnection, reason?: string): void {
    this.network.trace.record('stream.state', {
      connection: connection.id,
      host: this.id,
      local: formatAddress(connection.local),
      remote: formatAddress(connection.remote),
      state: connection.state,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  release(connection: SimTcpConnection): void {
    this.connections.delete(connectionKey(connection.local, connection.remote));
    const count = (this.tcpPortsInUse.get(connection.local.port) ?? 1) - 1;
    if (count > 0) this.tcpPortsInUse.set(connection.local.port, count);
    else this.tcpPortsInUse.delete(connection.local.port);
  }

  // ---- the wire --------------------------------------------------------------

  receive(attachment: Attachment, packet: Packet): void {
    const verdict = this.firewall?.checkInbound(packet.protocol, packet.dst, packet.src);
    if (verdict && !verdict.allowed) return this.network.drop(packet, this.id, 'firewall', verdict.detail);
    if (packet.protocol === 'udp') return this.receiveUdp(attachment, packet);
    this.receiveTcp(attachment, packet);
  }

  private receiveUdp(attachment: Attachment, packet: Packet): void {
    const candidates = this.udp.get(packet.dst.port) ?? [];
    const socket = candidates.find((s) => s.local.address === attachment.address) ?? candidates.find((s) => s.local.address === ANY);
    if (!socket) return this.network.drop(packet, this.id, 'port-unreachable', `nobody listens on udp ${formatAddress(packet.dst)} at ${this.id}`);
    this.network.delivered(packet, this.id);
    socket.deliver(packet.payload, packet.src);
  }

  private receiveTcp(attachment: Attachment, packet: Packet): void {
    const segment = packet.segment!;
    const existing = this.connections.get(connectionKey(packet.dst, packet.src));
    if (existing) {
      this.network.delivered(packet, this.id);
      return existing.segment(segment.flag, segment.seq, packet.payload);
    }
    if (segment.flag === 'SYN') {
      const listener =
        this.listeners.get(packet.dst.port)?.find((l) => l.local.address === attachment.address) ??
        this.listeners.get(packet.dst.port)?.find((l) => l.local.address === ANY);
      if (listener) {
        this.network.delivered(packet, this.id);
        const connection = new SimTcpConnection(this, this.nextConnectionId(), packet.dst, packet.src, 'accept');
        this.track(connection);
        this.stateChanged(connection);
        connection.acceptSyn();
        listener.onConnection(connection);
        return;
      }
    }
    this.network.drop(packet, this.id, 'port-unreachable', `no tcp connection or listener for ${formatAddress(packet.dst)} from ${formatAddress(packet.src)} at ${this.id}`);
    // RFC 9293 §3.10.7.1: a segment for no connection is answered with a reset (but never a reset with a reset).
    if (segment.flag !== 'RST') this.emit('tcp', packet.dst, packet.src, new Uint8Array(0), { flag: 'RST', seq: 0 });
  }

  /** Sends from `local` (maybe 0.0.0.0) to `to`: picks the interface, asks the firewall, hands the packet to the network. */
  private emit(protocol: Protocol, local: TransportAddress, to: TransportAddress, payload: Uint8Array, segment?: { flag: SegmentFlag; seq: number }, onDrop?: (reason: DropReason, detail: string) => void): void {
    const attachment = local.address === ANY ? this.route(to.address) : this.interfaces.find((i) => i.address === local.address)!;
    const src = { address: attachment.address, port: local.port };
    const packet = this.network.send(attachment, { protocol, src, dst: to, payload, ...(segment ? { segment } : {}), ...(onDrop ? { onDrop } : {}) });
    const verdict = this.firewall?.checkOutbound(protocol, to);
    if (verdict && !verdict.allowed) return this.network.drop(packet, this.id, 'firewall', verdict.detail);
    this.firewall?.noteFlow(protocol, src, to);
    this.network.forward(attachment, packet);
  }

  /** The interface a packet to `address` leaves by: the one on a realm that has it, else one with a way out. */
  private route(address: string): Attachment {
    return (
      this.interfaces.find((i) => (i.realm.subnet ? subnetContains(i.realm.subnet, address) : i.realm.byAddress.has(address))) ??
      this.interfaces.find((i) => i.realm.kind === 'internet' || i.realm.gateway !== undefined) ??
      this.interfaces[0]!
    );
  }

  private checkBindAddress(address: string | undefined): string {
    const chosen = address ?? ANY;
    if (chosen !== ANY && !this.addresses.includes(chosen)) {
      throw new TransportError('EADDRNOTAVAIL', `${this.id} has no address ${chosen} (it has ${this.addresses.join(', ')})`);
    }
    return chosen;
  }

  private udpPortFree(port: number, address: string): boolean {
    const bound = this.udp.get(port);
    return !bound || !bound.some((s) => s.local.address === ANY || address === ANY || s.local.address === address);
  }

  private choosePort(requested: number | undefined, free: (port: number) => boolean, protocol: Protocol): number {
    if (requested !== undefined && requested !== 0) {
      if (!isValidPort(requested)) throw new TransportError('EINVAL', `port must be an integer 0-65535, got ${requested}`);
      if (!free(requested)) throw new TransportError('EADDRINUSE', `${protocol} port ${requested} is already in use on ${this.id}`);
      return requested;
    }
    const [low, high] = EPHEMERAL_PORTS;
    for (let i = 0; i < 64; i++) {
      const port = this.random.int(low, high);
      if (free(port)) return port;
    }
    for (let port = low; port <= high; port++) if (free(port)) return port;
    throw new TransportError('EADDRINUSE', `no ephemeral ${protocol} port left on ${this.id}`);
  }

  private track(connection: SimTcpConnection): void {
    this.connections.set(connectionKey(connection.local, connection.remote), connection);
    this.tcpPortsInUse.set(connection.local.port, (this.tcpPortsInUse.get(connection.local.port) ?? 0) + 1);
  }
}

function connectionKey(local: TransportAddress, remote: TransportAddress): string {
  return `${formatAddress(local)}|${formatAddress(remote)}`;
}
