/** A simulated UDP socket: the `DatagramTransport` of the simulated world. */
import { isIPv4 } from './address.js';
import { formatAddress, isValidPort, type TransportAddress } from '../io/address.js';
import { TransportError } from '../io/errors.js';
import type { DatagramTransport } from '../io/transport.js';

/** What a socket needs from its host (kept narrow so sockets do not see the whole host). */
export interface UdpSocketOwner {
  readonly id: string;
  sendUdp(socket: SimUdpSocket, data: Uint8Array, to: TransportAddress): void;
  releaseUdp(socket: SimUdpSocket): void;
}

type MessageHandler = (data: Uint8Array, from: TransportAddress) => void;

/**
 * A simulated UDP socket, the `DatagramTransport` of the simulated world
 * (the twin of the real `NodeUdpTransport`). Made by `host.bindUdp`; give it
 * to the STUN, TURN and ICE machines as their transport.
 *
 * @throws {TransportError} from `send`: `ECLOSED` after `close()`, `EINVAL` for bytes that are not a Uint8Array or a destination that is not an IPv4 address and a port 1-65535.
 */
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

  /** The id of the host the socket belongs to. */
  get host(): string {
    return this.owner.id;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.isClosed) throw new TransportError('ECLOSED', `send on closed socket ${formatAddress(this.local)} of ${this.owner.id}`);
    if (!(data instanceof Uint8Array)) throw new TransportError('EINVAL', 'send needs a Uint8Array');
    if (!isIPv4(to.address) || !isValidPort(to.port) || to.port === 0) {
      throw new TransportError('EINVAL', `cannot send to ${JSON.stringify(to)}: not an IPv4 address and a port 1-65535`);
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
