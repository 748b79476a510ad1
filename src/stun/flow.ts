/**
 * A flow: what a STUN client talks to one server over. It hides the one
 * difference between UDP and TCP that the transaction cares about (datagrams
 * versus a byte stream) and names the other (unreliable or reliable, which
 * decides retransmissions, RFC 8489 §6.2).
 *
 * - `datagramFlow(socket, server)`: each datagram the socket receives, from
 *   anyone (a caller such as ICE may need to see a response from an
 *   unexpected address, RFC 8445 §7.2.5.2.1), is one message.
 * - `streamFlow(stream)`: the stream is cut into frames with the wire
 *   layer's `StreamFramer` (RFC 8489 §6.2.2; RFC 8656 §3.1 for ChannelData),
 *   once, however many transactions share the connection. A stream that gets
 *   out of step is closed (it cannot be trusted again).
 *
 * Several transactions (and a TURN client's ChannelData handling) can share
 * one flow: each subscribes with `onMessage` and picks out its own.
 */
import type { TransportAddress } from '../io/address.js';
import type { DatagramTransport, StreamTransport } from '../io/transport.js';
import { StreamFramer } from '../wire/stream-framer.js';
import type { StunTransportKind } from './trace.js';

/**
 * What a STUN or TURN client talks to one server over (made by `datagramFlow`
 * or `streamFlow`): messages in and out, whichever the transport, and
 * whether it is reliable, which decides retransmission (RFC 8489 §6.2).
 * Several transactions may share one flow; each picks out its own messages.
 */
export interface StunFlow {
  /** "udp": unreliable, retransmit (RFC 8489 §6.2.1); "tcp": reliable, one transmission (§6.2.2). */
  readonly transport: StunTransportKind;
  /** Our end of the flow: the socket's or the connection's local address. */
  readonly local: TransportAddress;
  /** The server this flow talks to. */
  readonly remote: TransportAddress;
  /** Sends one STUN message (or ChannelData frame) to the remote. Throws when the transport is closed. */
  send(message: Uint8Array): void;
  /** Each datagram, or each complete frame of the stream, with where it came from; returns the remover. */
  onMessage(handler: (message: Uint8Array, from: TransportAddress) => void): () => void;
  /**
   * Called once when the flow can carry nothing more (a stream closed or out of
   * step); never for UDP. Subscribing after that is not called back: `send` throws.
   */
  onClose(handler: (reason: string) => void): () => void;
}

function noop(): void {}

/** A flow to `server` over a datagram socket (shared: the socket stays the caller's to close). */
export function datagramFlow(socket: DatagramTransport, server: TransportAddress): StunFlow {
  return {
    transport: 'udp',
    get local() {
      return socket.local;
    },
    remote: server,
    // Methods, not arrow properties: a flow is made per check, and tsx names each arrow it creates.
    send(message) {
      socket.send(message, server);
    },
    onMessage(handler) {
      return socket.onMessage(handler);
    },
    onClose() {
      return noop;
    },
  };
}

/** A flow over a stream; frames are cut once and handed to every subscriber. */
export function streamFlow(stream: StreamTransport): StunFlow {
  const messageHandlers = new Set<(message: Uint8Array, from: TransportAddress) => void>();
  const closeHandlers = new Set<(reason: string) => void>();
  const framer = new StreamFramer();
  let closedWith: string | undefined;

  const closed = (reason: string) => {
    if (closedWith !== undefined) return;
    closedWith = reason;
    for (const handler of [...closeHandlers]) handler(reason);
    closeHandlers.clear();
    messageHandlers.clear();
  };

  stream.onData((chunk) => {
    const { frames, error } = framer.push(chunk);
    for (const frame of frames) for (const handler of [...messageHandlers]) handler(frame.bytes, stream.remote);
    if (error !== undefined) {
      // RFC 8656 §3.1 framing lost: nothing after this byte can be trusted.
      closed(`out of step at byte ${error.offset}: ${error.message}`);
      stream.end();
    }
  });
  stream.onClose(closed);
  if (stream.state === 'closed') closedWith = 'closed before use';

  return {
    transport: 'tcp',
    get local() {
      return stream.local;
    },
    get remote() {
      return stream.remote;
    },
    send: (message) => stream.write(message),
    onMessage: (handler) => {
      messageHandlers.add(handler);
      return () => messageHandlers.delete(handler);
    },
    onClose: (handler) => {
      // A flow closed before this subscription will not call it: the next send throws instead.
      if (closedWith !== undefined) return () => undefined;
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
  };
}
