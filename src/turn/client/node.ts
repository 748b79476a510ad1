/**
 * A TURN client on real sockets: the machine given a `node:dgram` socket or a
 * `node:net` connection (src/io/node's transports), real timers and the
 * cryptographic random source (transaction ids SHOULD be unguessable, RFC
 * 8489 §6).
 *
 *     const client = await startNodeTurnClient({ server: { address: '127.0.0.1', port: 3478 },
 *       transport: 'tcp', credentials: { username: 'alice', password: 'secret' } });
 *     const result = await whenAllocated(client.actor);
 *     ...
 *     client.close();   // releases the allocation, then closes the socket
 *
 * Node-only: it imports src/io/node's transports.
 */
import type { TransportAddress } from '../../io/address.js';
import { datagramFlow, streamFlow, type StunFlow } from '../../stun/flow.js';
import { NodeTcpTransport } from '../../io/node/tcp.js';
import { NodeUdpTransport } from '../../io/node/udp.js';
import type { TurnClientActor } from './machine.js';
import { startTurnClient } from './run.js';
import type { TurnClientInput } from './types.js';

/** What `startNodeTurnClient` is given: the client's input without the flow, plus the server and how to reach it (the function opens the socket or connection). */
export interface NodeTurnClientOptions extends Omit<TurnClientInput, 'flow'> {
  /** The TURN server's transport address. */
  readonly server: TransportAddress;
  /** UDP by default. */
  readonly transport?: 'udp' | 'tcp';
  /** The local address to bind (UDP) or connect from (TCP); 0.0.0.0 / the system's choice by default. */
  readonly localAddress?: string;
  /** How long a TCP connection may take to open, ms (default 15 000, `DEFAULT_CONNECT_TIMEOUT_MS`). */
  readonly connectTimeoutMs?: number;
}

/**
 * A TURN client running on a real socket (`startNodeTurnClient`): its actor,
 * the flow it talks over, and the UDP socket or TCP connection under it.
 * Call `close()` when done; it releases the allocation and closes the socket.
 */
export interface NodeTurnClient {
  /** The running `turnClientMachine`: send it commands, listen to its notifications, `whenAllocated(actor)`. */
  readonly actor: TurnClientActor;
  /** The flow to the server the client talks over. */
  readonly flow: StunFlow;
  /** The UDP socket, for `transport: 'udp'`. */
  readonly socket?: NodeUdpTransport;
  /** The TCP connection, for `transport: 'tcp'`. */
  readonly connection?: NodeTcpTransport;
  /**
   * Releases the allocation if there is one (without waiting for the answer
   * longer than it takes to send), stops the actor and closes the socket or connection.
   */
  close(): void;
}

/**
 * Starts a TURN client (RFC 8656) on a real socket: binds a UDP socket, or
 * connects over TCP (RFC 8656 §3.1), and starts the machine on real timers
 * with the cryptographic random source. It begins allocating at once; await
 * `whenAllocated(client.actor)` and call `client.close()` when done.
 *
 * @throws {TransportError} (rejects) when the UDP socket cannot be bound or the server address is not one.
 */
export async function startNodeTurnClient(options: NodeTurnClientOptions): Promise<NodeTurnClient> {
  const { server, transport = 'udp', localAddress, connectTimeoutMs, ...input } = options;
  let socket: NodeUdpTransport | undefined;
  let connection: NodeTcpTransport | undefined;
  let flow: StunFlow;
  if (transport === 'udp') {
    socket = await NodeUdpTransport.bind(localAddress !== undefined ? { address: localAddress } : {});
    flow = datagramFlow(socket, server);
  } else {
    connection = NodeTcpTransport.connect(server, {
      ...(localAddress !== undefined ? { localAddress } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    });
    flow = streamFlow(connection);
  }
  const actor = startTurnClient({ ...input, flow });
  return {
    actor,
    flow,
    ...(socket !== undefined ? { socket } : {}),
    ...(connection !== undefined ? { connection } : {}),
    close() {
      // The release's first transmission goes out synchronously, before the socket closes.
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'release' });
      actor.stop();
      socket?.close();
      connection?.end();
    },
  };
}
