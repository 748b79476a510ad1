/**
 * The oracle's instruments: plain UDP and TCP responders on the servers'
 * addresses, and the probe messages they exchange with the endpoints.
 *
 * Nothing here speaks STUN, TURN or ICE. A responder only does what the real
 * server does *to the network*: the STUN server answers a datagram from where
 * it came (RFC 8489 §6.3: the answer goes to the request's source, so the
 * client learns its server-reflexive address); the TURN server answers over
 * UDP or over a TCP connection a client opened (RFC 8656 §3.1); a relayed
 * transport address is a UDP port on the TURN server's host that sends to and
 * receives from peers (RFC 8656 §2). Whether those datagrams and connections
 * get through is the simulated network's business, which is what the oracle
 * wants to know.
 */
import { EPHEMERAL_PORTS, type Host, type SimTcpConnection } from '../sim/index.js';
import { formatAddress, type TransportAddress } from '../io/index.js';

/** Where the oracle's stand-in for a relayed transport address listens on the TURN host (any port would do: nothing on the public side filters). */
export const RELAY_PROBE_PORT = EPHEMERAL_PORTS[0];

/** The oracle's messages, as text: small, readable in a trace, impossible to mistake for STUN (no magic cookie). */
export type ProbeMessage =
  /** "What address do you see me at?" */
  | { readonly kind: 'who' }
  /** The answer: the sender's address as the responder saw it. */
  | { readonly kind: 'you'; readonly seen: string }
  /** A connectivity check between the endpoints, tagged with its sender so a host never counts its own echo. */
  | { readonly kind: 'req'; readonly by: string }
  | { readonly kind: 'res'; readonly by: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeProbe(message: ProbeMessage): Uint8Array {
  switch (message.kind) {
    case 'who':
      return encoder.encode('who');
    case 'you':
      return encoder.encode(`you ${message.seen}`);
    case 'req':
    case 'res':
      return encoder.encode(`${message.kind} ${message.by}`);
  }
}

/** Undefined for anything that is not one of our messages (the network may deliver stray bytes to a socket). */
export function decodeProbe(bytes: Uint8Array): ProbeMessage | undefined {
  const text = decoder.decode(bytes);
  if (text === 'who') return { kind: 'who' };
  const space = text.indexOf(' ');
  if (space < 0 || space === text.length - 1) return undefined;
  const head = text.slice(0, space);
  const rest = text.slice(space + 1);
  if (head === 'you') return { kind: 'you', seen: rest };
  if (head === 'req' || head === 'res') return { kind: head, by: rest };
  return undefined;
}

/** A UDP reflector: answers every "who" with the address it came from. The STUN server's and the TURN server's part in the oracle's world. */
export function startUdpReflector(host: Host, port: number, onWho?: (from: TransportAddress) => void): void {
  const socket = host.bindUdp({ port });
  socket.onMessage((data, from) => {
    if (decodeProbe(data)?.kind !== 'who') return;
    onWho?.(from);
    socket.send(encodeProbe({ kind: 'you', seen: formatAddress(from) }), from);
  });
}

/** A TCP reflector: on every connection, answers "who" with the connection's remote address (a TURN server's TCP port, RFC 8656 §3.1). */
export function startTcpReflector(host: Host, port: number): void {
  host.listenTcp({ port }, (connection: SimTcpConnection) => {
    connection.onData((data) => {
      if (decodeProbe(data)?.kind === 'who' && connection.state === 'open') connection.write(encodeProbe({ kind: 'you', seen: formatAddress(connection.remote) }));
    });
  });
}

/**
 * Opens a TCP connection and asks "who"; `done(true)` once the answer came back,
 * `done(false)` when the connection failed first (refused, reset, timed out,
 * or dropped by a firewall until TCP gave up).
 */
export function probeTcp(host: Host, to: TransportAddress, done: (reached: boolean) => void): void {
  let settled = false;
  const settle = (reached: boolean) => {
    if (settled) return;
    settled = true;
    done(reached);
  };
  const connection = host.connectTcp(to);
  connection.onOpen(() => connection.write(encodeProbe({ kind: 'who' })));
  connection.onData((data) => {
    if (decodeProbe(data)?.kind !== 'you') return;
    settle(true);
    connection.end();
  });
  connection.onClose(() => settle(false));
}
