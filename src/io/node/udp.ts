/**
 * A real UDP socket (`node:dgram`) as a `DatagramTransport`: the real world's
 * twin of the simulator's `SimUdpSocket`, with the same semantics.
 *
 * - `send` copies the bytes (the caller may reuse its buffer), throws a
 *   `TransportError` `ECLOSED` after `close()` and `EINVAL` for a destination
 *   that is not an IP address and a port 1-65535, as the simulated socket does.
 * - Handlers get each datagram as a plain `Uint8Array` (not a `Buffer`, whose
 *   `slice` does not copy), with the source address.
 * - `close()` works once; after it no handler is called.
 * - The socket's 'error' event is always handled: an error while sending or
 *   receiving (the network said no) is reported to `onError` handlers, never
 *   thrown from an event emitter. UDP is unreliable anyway: a datagram that the
 *   operating system refused is, for the protocol above, one that was lost.
 *
 * Node-only: import it where sockets exist, never from the machines.
 */
import { formatAddress } from '../address.js';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { TransportAddress } from '../address.js';
import type { DatagramTransport } from '../transport.js';
import { TransportError, fromSystemError } from '../errors.js';

/** Where a real UDP socket binds (`bindUdp`, `NodeUdpTransport.bind`). */
export interface UdpBindOptions {
  /** The local address; 0.0.0.0 (every IPv4 interface) by default, "::" or an IPv6 address for an IPv6 socket. */
  readonly address?: string;
  /** 0 or omitted: an ephemeral port chosen by the operating system. */
  readonly port?: number;
}

type MessageHandler = (data: Uint8Array, from: TransportAddress) => void;
type ErrorHandler = (error: TransportError) => void;

/**
 * A real UDP socket (`node:dgram`) as a `DatagramTransport`, the twin of the
 * simulator's `SimUdpSocket`: give it to the STUN, TURN and ICE machines to
 * run them over the real network. Made by `bindUdp` (or `NodeUdpTransport.bind`),
 * which rejects with a `TransportError` when the system refuses the bind;
 * `send` throws a `TransportError` `ECLOSED` after `close()` and `EINVAL` for
 * a destination that is not an IP address and a port 1-65535.
 *
 * @throws {TransportError} from `send`, as above; errors while the socket runs go to `onError` handlers instead.
 * @example
 * const socket = await bindUdp({ address: '127.0.0.1' });
 * socket.onMessage((data, from) => console.log(data.byteLength, 'bytes from', formatAddress(from)));
 */
export class NodeUdpTransport implements DatagramTransport {
  private readonly handlers = new Set<MessageHandler>();
  private readonly errorHandlers = new Set<ErrorHandler>();
  private isClosed = false;

  private constructor(
    private readonly socket: Socket,
    readonly local: TransportAddress,
    private readonly family: 4 | 6,
  ) {
    socket.on('message', (message, rinfo) => {
      if (this.isClosed) return;
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      const from = { address: rinfo.address, port: rinfo.port };
      for (const handler of [...this.handlers]) handler(data, from);
    });
    socket.on('error', (error) => this.report(fromSystemError(error, `udp socket ${formatAddress(local)}`)));
    socket.on('close', () => this.closeLocally());
  }

  /** Binds a UDP socket; rejects with a `TransportError` (EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL) when the system refuses. */
  static bind(options: UdpBindOptions = {}): Promise<NodeUdpTransport> {
    const address = options.address ?? '0.0.0.0';
    const port = options.port ?? 0;
    const family = isIP(address);
    if (family === 0) return Promise.reject(new TransportError('EINVAL', `cannot bind to ${JSON.stringify(address)}: not an IP address`));
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return Promise.reject(new TransportError('EINVAL', `port must be an integer 0-65535, got ${port}`));
    }
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        try {
          socket.close();
        } catch {
          // never bound: nothing to close
        }
        reject(fromSystemError(error, `cannot bind udp ${address}:${port}`));
      };
      socket.once('error', failed);
      socket.bind({ address, port }, () => {
        socket.off('error', failed);
        const bound = socket.address();
        resolve(new NodeUdpTransport(socket, { address: bound.address, port: bound.port }, family === 6 ? 6 : 4));
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.isClosed) throw new TransportError('ECLOSED', `send on closed socket ${formatAddress(this.local)}`);
    if (!(data instanceof Uint8Array)) throw new TransportError('EINVAL', 'send needs a Uint8Array');
    const family = typeof to?.address === 'string' ? isIP(to.address) : 0;
    if (family === 0 || !Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
      throw new TransportError('EINVAL', `cannot send to ${JSON.stringify(to)}: not an IP address and a port 1-65535`);
    }
    if (family !== this.family) {
      throw new TransportError('EINVAL', `cannot send to ${to.address} from an IPv${this.family} socket`);
    }
    // Buffer.from(Uint8Array) copies: the caller may reuse its buffer at once.
    this.socket.send(Buffer.from(data), to.port, to.address, (error) => {
      if (error) this.report(fromSystemError(error, `send to ${formatAddress(to)}`));
    });
  }

  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Errors the operating system reported while sending or receiving; returns the remover. */
  onError(handler: ErrorHandler): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  close(): void {
    if (this.isClosed) return;
    this.closeLocally();
    try {
      this.socket.close();
    } catch {
      // Already closed underneath (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to do.
    }
  }

  private closeLocally(): void {
    this.isClosed = true;
    this.handlers.clear();
    this.errorHandlers.clear();
  }

  private report(error: TransportError): void {
    for (const handler of [...this.errorHandlers]) handler(error);
  }
}

/** Binds a real UDP socket (see `NodeUdpTransport`). */
export function bindUdp(options?: UdpBindOptions): Promise<NodeUdpTransport> {
  return NodeUdpTransport.bind(options);
}
