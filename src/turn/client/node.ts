/**
 * A TURN client on real sockets: the machine given a `node:dgram` socket or a
 * `node:net` connection (src/stun's transports), real timers and the
 * cryptographic random source (transaction ids SHOULD be unguessable, RFC
 * 8489 §6).
 *
 *     const client = await startNodeTurnClient({ server: { address: '127.0.0.1', port: 3478 },
 *       transport: 'tcp', credentials: { username: 'alice', password: 'secret' } });
 *     const result = await whenAllocated(client.actor);
 *     ...
 *     client.close();   // releases the allocation, then closes the socket
 *
 * Node-only: it imports src/stun's node transports.
 */
import type { TransportAddress } from '../../io/address.js';
import { datagramFlow, streamFlow, type StunFlow } from '../../stun/flow.js';
import { NodeTcpTransport } from '../../io/node/tcp.js';
import { NodeUdpTransport } from '../../io/node/udp.js';
import type { TurnClientActor } from './machine.js';
import { startTurnClient } from './run.js';
import type { TurnClientInput } from './types.js';

export interface NodeTurnClientOptions extends Omit<TurnClientInput, 'flow'> {
  readonly server: TransportAddress;
  /** UDP by default. */
  readonly transport?: 'udp' | 'tcp';
  /** The local address to bind (UDP) or connect from (TCP); 0.0.0.0 / the system's choice by default. */
  readonly localAddress?: string;
  /** How long a TCP connection may take to open, ms (default: src/stun's 15 s). */
  readonly connectTimeoutMs?: number;
}

export interface NodeTurnClient {
  readonly actor: TurnClientActor;
  readonly flow: StunFlow;
  readonly socket?: NodeUdpTransport;
  readonly connection?: NodeTcpTransport;
  /**
   * Releases the allocation if there is one (without waiting for the answer
   * longer than it takes to send), stops the actor and closes the socket or connection.
   */
  close(): void;
}

/** @throws TransportError (rejects) when the UDP socket cannot be bound or the server address is not one. */
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
