/** A simulated UDP socket: the `DatagramTransport` of the simulated world. */
import { formatAddress, isIPv4, isValidPort, type TransportAddress } from './address.js';
import { SocketError } from './errors.js';
import type { DatagramTransport } from './transport.js';

/** What a socket needs from its host (kept narrow so sockets do not see the whole host). */
export interface UdpSocketOwner {
  readonly id: string;
  sendUdp(socket: SimUdpSocket, data: Uint8Array, to: TransportAddress): void;
  releaseUdp(socket: SimUdpSocket): void;
}

type MessageHandler = (data: Uint8Array, from: TransportAddress) => void;

export class SimUdpSocket implements DatagramTransport {
  private readonly handlers = new Set<MessageHandler>();
  private isClosed = false;

  constructor(
    private readonly owner: UdpSocketOwner,
    readonly local: TransportAddress,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  get host(): string {
    return this.owner.id;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.isClosed) throw new SocketError('ECLOSED', `send on closed socket ${formatAddress(this.local)} of ${this.owner.id}`);
    if (!(data instanceof Uint8Array)) throw new SocketError('EINVAL', 'send needs a Uint8Array');
    if (!isIPv4(to.address) || !isValidPort(to.port) || to.port === 0) {
      throw new SocketError('EINVAL', `cannot send to ${JSON.stringify(to)}: not an IPv4 address and a port 1-65535`);
    }
    this.owner.sendUdp(this, data.slice(), to);
  }

  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.handlers.clear();
    this.owner.releaseUdp(this);
  }

  /** Called by the host when a datagram arrives for this socket. */
  deliver(data: Uint8Array, from: TransportAddress): void {
    for (const handler of [...this.handlers]) handler(data, from);
  }
}
