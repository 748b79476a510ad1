/**
 * The two shapes of IO that every protocol layer above is written against.
 * A simulated socket implements them here; a real `node:dgram` / `node:net`
 * socket is wrapped to the same shapes elsewhere, so the same STUN, TURN and ICE
 * machines run in both worlds.
 */
import type { TransportAddress } from './address.js';

/** A UDP socket: datagrams in, datagrams out. */
export interface DatagramTransport {
  /** The address the socket is bound to (0.0.0.0 when bound to every interface). */
  readonly local: TransportAddress;
  readonly closed: boolean;
  /** Sends one datagram. The bytes are copied: the caller may reuse its buffer. */
  send(data: Uint8Array, to: TransportAddress): void;
  /** Registers a handler for incoming datagrams; returns its remover. */
  onMessage(handler: (data: Uint8Array, from: TransportAddress) => void): () => void;
  close(): void;
}

/**
 * Where a stream is in its life: `connecting` until the handshake completes
 * (writes are queued), `open` while bytes flow, `closed` once for good (no
 * reopening; `onClose` has said why).
 */
export type StreamState = 'connecting' | 'open' | 'closed';

/** A connection-oriented byte stream (TCP): ordered, reliable, closed once. */
export interface StreamTransport {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly state: StreamState;
  /** Queues bytes; written once the connection is open. */
  write(data: Uint8Array): void;
  /**
   * Closes the connection after the bytes already written (FIN). There is no
   * half-close in this model: after `end()` nothing more is received either.
   */
  end(): void;
  onOpen(handler: () => void): () => void;
  onData(handler: (data: Uint8Array) => void): () => void;
  /** Called once, with why: "local-closed", "remote-closed", "reset", "refused", "timeout", or an unreachable reason. */
  onClose(handler: (reason: string) => void): () => void;
}
