/**
 * A TURN client in the simulated world: the machine given a simulated host's
 * UDP socket or TCP connection, the world's virtual clock, a seeded random
 * source forked by the host's name, and the world's trace.
 *
 *     const world = createWorld({ hosts: [{ id: 'turn', address: '198.51.100.1' }, { id: 'alice', profile: 'symmetric' }] });
 *     const server = startSimTurnServer(world, 'turn', { config: { realm: 'example.org', users: { alice: 'secret' } } });
 *     const alice = startSimTurnClient(world, 'alice', { server: server.address, credentials: { username: 'alice', password: 'secret' } });
 *     world.runFor(1_000);
 *     alice.actor.getSnapshot().context.allocation;   // { relayed, mapped, lifetime }
 *
 * Only types come from src/sim (ARCHITECTURE.md: layer 2 depends on sim for
 * types only); the world itself is handed in.
 */
import type { TransportAddress } from '../../io/address.js';
import type { SimTcpConnection } from '../../sim/stream.js';
import type { SimUdpSocket } from '../../sim/udp.js';
import type { World } from '../../sim/world.js';
import { datagramFlow, streamFlow, type StunFlow } from '../../stun/flow.js';
import type { TurnClientActor } from './machine.js';
import { startTurnClient } from './run.js';
import type { TurnClientInput } from './types.js';

/** What `startSimTurnClient` is given: the client's input without the flow (the random source, trace and agent default to the world's and the host's), plus the server and how to reach it. */
export interface SimTurnClientOptions extends Omit<TurnClientInput, 'flow'> {
  /** The TURN server's transport address (UDP and TCP). */
  readonly server: TransportAddress;
  /** UDP by default; TCP connects to the server first (RFC 8656 §3.1). */
  readonly transport?: 'udp' | 'tcp';
  /** The local port; any free one by default. */
  readonly port?: number;
}

/** A TURN client running in the simulated world (`startSimTurnClient`): its actor, its flow, and the socket or connection it talks over, which stays the caller's to close. */
export interface SimTurnClient {
  /** The running `turnClientMachine`: send it commands, listen to its notifications, `whenAllocated(actor)`. */
  readonly actor: TurnClientActor;
  /** The flow to the server the client talks over. */
  readonly flow: StunFlow;
  /** The socket (UDP) or connection (TCP) the client talks over; the caller's to close. */
  readonly socket?: SimUdpSocket;
  /** The TCP connection, for `transport: 'tcp'`; the caller's to close. */
  readonly connection?: SimTcpConnection;
}

/**
 * Starts a TURN client on one of the world's hosts: binds a UDP socket (or
 * connects over TCP to the server, RFC 8656 §3.1) and starts the machine on
 * the world's clock, with a random source forked from the world's seed and
 * the world's trace. It begins allocating at once; run the world to see it
 * through.
 *
 * @throws {TransportError} when the host cannot bind the port or connect (a port in use, an address that is not one).
 * @example
 * const alice = startSimTurnClient(world, 'alice', { server: turn.address, credentials: { username: 'alice', password: 'secret' } });
 * const result = await whenAllocated(alice.actor);
 * if (result.ok) console.log('relayed at', formatAddress(result.allocation.relayed));
 */
export function startSimTurnClient(world: Pick<World, 'host' | 'clock' | 'random' | 'trace'>, hostId: string, options: SimTurnClientOptions): SimTurnClient {
  const { server, transport = 'udp', port, ...input } = options;
  const host = world.host(hostId);
  const bind = port === undefined ? {} : { port };
  const socket = transport === 'udp' ? host.bindUdp(bind) : undefined;
  const connection = transport === 'tcp' ? host.connectTcp(server, bind) : undefined;
  const flow = socket !== undefined ? datagramFlow(socket, server) : streamFlow(connection as SimTcpConnection);
  const actor = startTurnClient(
    { random: world.random.fork(`turn-client:${hostId}:${transport}`), trace: world.trace, agent: hostId, ...input, flow },
    { clock: world.clock },
  );
  return { actor, flow, ...(socket !== undefined ? { socket } : {}), ...(connection !== undefined ? { connection } : {}) };
}
