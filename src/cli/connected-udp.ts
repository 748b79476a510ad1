/**
 * A STUN flow over a *connected* UDP socket, for `stun probe`.
 *
 * Why not src/io/node/udp.ts: that socket is unconnected, as a server's or an
 * ICE agent's must be (it talks to many peers), and the kernel does not tell
 * an unconnected UDP socket about ICMP errors. A socket connected to the one
 * server it asks does hear them: on Linux the ICMP port-unreachable that
 * answers a datagram sent to a closed port (RFC 1122 §3.2.2.1, RFC 792)
 * surfaces as ECONNREFUSED on the socket. The probe then stops at once with
 * "nothing listens there" instead of retransmitting into silence for 39.5 s
 * (RFC 8489 §6.2.1). Systems that do not report it just time out as before.
 *
 * The flow closes (and the transaction ends with `transport-closed`) with a
 * reason that starts with the ICMP error's name, for the command to explain.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { TransportAddress } from '../io/address.js';
import type { StunFlow } from '../stun/flow.js';

/** Reasons the flow closes with, by the errno the kernel reported. */
export const ICMP_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'port-unreachable',
  EHOSTUNREACH: 'host-unreachable',
  ENETUNREACH: 'network-unreachable',
};

export interface ConnectedUdpFlow {
  readonly flow: StunFlow;
  close(): void;
}

/** Connects a UDP socket to `server` (an IP address, not a name) and gives the flow over it. */
export function connectUdpFlow(server: TransportAddress): Promise<ConnectedUdpFlow> {
  const socket = createSocket({ type: isIP(server.address) === 6 ? 'udp6' : 'udp4' });
  const messageHandlers = new Set<(message: Uint8Array, from: TransportAddress) => void>();
  const closeHandlers = new Set<(reason: string) => void>();
  let closedWith: string | undefined;
  let local: TransportAddress = { address: '0.0.0.0', port: 0 };

  const closed = (reason: string) => {
    if (closedWith !== undefined) return;
    closedWith = reason;
    for (const handler of [...closeHandlers]) handler(reason);
    closeHandlers.clear();
    messageHandlers.clear();
    try {
      socket.close();
    } catch {
      // already closed
    }
  };

  socket.on('message', (message, rinfo) => {
    const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    for (const handler of [...messageHandlers]) handler(data, { address: rinfo.address, port: rinfo.port });
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'EIO';
    closed(`${ICMP_REASONS[code] ?? 'socket-error'} (${code})`);
  });

  const flow: StunFlow = {
    transport: 'udp',
    get local() {
      return local;
    },
    remote: server,
    send(message) {
      if (closedWith !== undefined) throw new Error(`the socket is closed: ${closedWith}`);
      socket.send(message);
    },
    onMessage(handler) {
      messageHandlers.add(handler);
      return () => messageHandlers.delete(handler);
    },
    onClose(handler) {
      if (closedWith !== undefined) return () => undefined;
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
  };

  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      closed('connect failed');
      reject(error);
    };
    socket.once('error', failed);
    socket.connect(server.port, server.address, () => {
      socket.off('error', failed);
      const bound = socket.address();
      local = { address: bound.address, port: bound.port };
      resolve({ flow, close: () => closed('local-closed') });
    });
  });
}
