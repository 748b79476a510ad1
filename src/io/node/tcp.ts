/**
 * A real TCP connection (`node:net`) as a `StreamTransport`, and a listener
 * that accepts them: the real world's twins of the simulator's
 * `SimTcpConnection` and `SimTcpListener`, with the same semantics.
 *
 * - `connectTcp` returns at once, in state "connecting"; bytes written before
 *   the connection opens are queued (and copied) and go once it does.
 * - `end()` sends our FIN after the bytes already written and closes our view
 *   of the connection at once with "local-closed", as the simulated one does.
 * - `onClose` handlers are called once, with why: "local-closed",
 *   "remote-closed" (the peer's FIN), "reset", "refused", "timeout" (no answer
 *   to the SYN within `connectTimeoutMs`), or "unreachable (CODE: ...)". The
 *   socket's 'error' event is always handled and becomes such a reason; it is
 *   never thrown from an event emitter.
 * - `write` after the connection closed, or after `end()`, throws a
 *   `TransportError` `ENOTCONN`, as the simulated one throws `TransportError`.
 *
 * Node-only.
 */
import { formatAddress } from '../address.js';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import type { TransportAddress } from '../address.js';
import type { StreamState, StreamTransport } from '../transport.js';
import { TransportError, fromSystemError } from '../errors.js';

/** As the simulator's TCP: a connection whose SYN is not answered in 15 s fails (sim/stream.ts CONNECT_TIMEOUT_MS). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** Where a real TCP connection starts from and how long its SYN may go unanswered (`connectTcp`). */
export interface TcpConnectOptions {
  /** Local address to connect from; the operating system's choice by default. */
  readonly localAddress?: string;
  /** Local port to connect from; an ephemeral port by default. */
  readonly localPort?: number;
  /** How long, in ms, the SYN may go unanswered before the connection closes with "timeout"; `DEFAULT_CONNECT_TIMEOUT_MS` (15 000) by default. */
  readonly connectTimeoutMs?: number;
}

/** Where a real TCP listener accepts connections (`listenTcp`). */
export interface TcpListenOptions {
  /** 0.0.0.0 by default. */
  readonly address?: string;
  /** 0 or omitted: an ephemeral port. */
  readonly port?: number;
}

/**
 * A real TCP connection (`node:net`) as a `StreamTransport`, the twin of the
 * simulator's `SimTcpConnection`: made by `connectTcp` (state "connecting")
 * or handed to a `listenTcp` callback (already "open"). `write` after the
 * connection closed or after `end()` throws a `TransportError` `ENOTCONN`.
 *
 * @throws {TransportError} `EINVAL` from `connect` for a remote that is not an IP address and a port 1-65535.
 */
export class NodeTcpTransport implements StreamTransport {
  private current: StreamState;
  private ended = false;
  private localAddress: TransportAddress;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly openHandlers = new Set<() => void>();
  private readonly dataHandlers = new Set<(data: Uint8Array) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();

  private constructor(
    private readonly socket: Socket,
    readonly remote: TransportAddress,
    state: 'connecting' | 'open',
    connectTimeoutMs: number,
  ) {
    this.current = state;
    this.localAddress = { address: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 };
    socket.setNoDelay(true);
    socket.on('connect', () => this.opened());
    socket.on('data', (chunk: Buffer) => {
      if (this.current !== 'open') return;
      const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (const handler of [...this.dataHandlers]) handler(data);
    });
    // The peer's FIN. Node (allowHalfOpen false) answers with ours.
    socket.on('end', () => this.close('remote-closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.close(closeReason(error, this.current === 'connecting'));
      socket.destroy();
    });
    socket.on('close', () => this.close(this.current === 'connecting' ? 'refused' : 'remote-closed'));
    if (state === 'connecting') {
      this.connectTimer = setTimeout(() => {
        this.close('timeout');
        socket.destroy();
      }, connectTimeoutMs);
    }
  }

  /** Starts connecting to `remote`; throws a `TransportError` `EINVAL` for an address that is not an IP address and a port 1-65535. */
  static connect(remote: TransportAddress, options: TcpConnectOptions = {}): NodeTcpTransport {
    if (typeof remote?.address !== 'string' || isIP(remote.address) === 0 || !Number.isInteger(remote.port) || remote.port < 1 || remote.port > 65535) {
      throw new TransportError('EINVAL', `cannot connect to ${JSON.stringify(remote)}: not an IP address and a port 1-65535`);
    }
    const socket = connect({
      host: remote.address,
      port: remote.port,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
    });
    return new NodeTcpTransport(socket, { address: remote.address, port: remote.port }, 'connecting', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }

  /** Wraps a socket a `net.Server` accepted (already open). */
  static accepted(socket: Socket): NodeTcpTransport {
    const remote = { address: socket.remoteAddress ?? '0.0.0.0', port: socket.remotePort ?? 0 };
    return new NodeTcpTransport(socket, remote, 'open', 0);
  }

  /** Our address: the operating system's choice is known once the connection opens (0.0.0.0:0 before). */
  get local(): TransportAddress {
    return this.localAddress;
  }

  get state(): StreamState {
    return this.current;
  }

  write(data: Uint8Array): void {
    if (this.current === 'closed' || this.ended) throw new TransportError('ENOTCONN', `write on closed connection to ${formatAddress(this.remote)}`);
    if (!(data instanceof Uint8Array)) throw new TransportError('EINVAL', 'write needs a Uint8Array');
    if (data.byteLength === 0) return;
    // Buffer.from(Uint8Array) copies; net.Socket queues writes made while connecting.
    this.socket.write(Buffer.from(data));
  }

  end(): void {
    if (this.current === 'closed' || this.ended) return;
    this.ended = true;
    // Close the socket fully once our FIN is out; a peer still sending then gets a reset, as from a closed socket.
    this.socket.end(() => this.socket.destroy());
    if (this.current === 'open') this.close('local-closed');
  }

  /** Drops the connection at once with a reset (RST, not FIN: the peer sees "reset"). */
  abort(): void {
    this.close('local-closed');
    if (this.socket.connecting || this.socket.destroyed) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }

  onOpen(handler: () => void): () => void {
    this.openHandlers.add(handler);
    return () => this.openHandlers.delete(handler);
  }

  onData(handler: (data: Uint8Array) => void): () => void {
    this.dataHandlers.add(handler);
    return () => this.dataHandlers.delete(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  private opened(): void {
    if (this.current !== 'connecting') return;
    clearTimeout(this.connectTimer);
    this.current = 'open';
    this.localAddress = { address: this.socket.localAddress ?? '0.0.0.0', port: this.socket.localPort ?? 0 };
    for (const handler of [...this.openHandlers]) handler();
    // end() while connecting: the FIN follows the queued bytes, and our view closes now, as in the simulator.
    if (this.ended) this.close('local-closed');
  }

  private close(reason: string): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    clearTimeout(this.connectTimer);
    const handlers = [...this.closeHandlers];
    this.openHandlers.clear();
    this.dataHandlers.clear();
    this.closeHandlers.clear();
    for (const handler of handlers) handler(reason);
  }
}

/** Why a connection ended, in the simulator's words, from a node:net error. */
function closeReason(error: NodeJS.ErrnoException, connecting: boolean): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return connecting ? 'refused' : 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return `unreachable (${error.code}: ${error.message})`;
    default:
      return `error (${error.code ?? 'unknown'}: ${error.message})`;
  }
}

/** A listening TCP socket; closing it stops accepting, open connections stay open (as `SimTcpListener`). */
export class NodeTcpListener {
  private isClosed = false;

  private constructor(
    private readonly server: Server,
    readonly local: TransportAddress,
  ) {}

  static listen(options: TcpListenOptions, onConnection: (connection: NodeTcpTransport) => void): Promise<NodeTcpListener> {
    const address = options.address ?? '0.0.0.0';
    const port = options.port ?? 0;
    if (isIP(address) === 0) return Promise.reject(new TransportError('EINVAL', `cannot listen on ${JSON.stringify(address)}: not an IP address`));
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new TransportError('EINVAL', `port must be an integer 0-65535, got ${port}`));
    const server = createServer((socket) => onConnection(NodeTcpTransport.accepted(socket)));
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(fromSystemError(error, `cannot listen on tcp ${address}:${port}`));
      server.once('error', failed);
      server.listen({ host: address, port }, () => {
        server.off('error', failed);
        // After listening, errors (EMFILE on accept) must not crash the process; accepting simply fails.
        server.on('error', () => undefined);
        const bound = server.address();
        const local = typeof bound === 'object' && bound !== null ? { address: bound.address, port: bound.port } : { address, port };
        resolve(new NodeTcpListener(server, local));
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.server.close();
  }
}

/** Starts a real TCP connection (see `NodeTcpTransport`). */
export function connectTcp(remote: TransportAddress, options?: TcpConnectOptions): NodeTcpTransport {
  return NodeTcpTransport.connect(remote, options);
}

/** Listens for real TCP connections (see `NodeTcpListener`). */
export function listenTcp(options: TcpListenOptions, onConnection: (connection: NodeTcpTransport) => void): Promise<NodeTcpListener> {
  return NodeTcpListener.listen(options, onConnection);
}
