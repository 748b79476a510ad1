/**
 * The TURN server on real sockets: the same machine, provided with
 * `node:dgram` sockets for the listening port and each relayed transport
 * address, `node:net` for TURN over TCP, real timers and a cryptographic
 * random source (nonce secrets and tokens must not be guessable).
 *
 *     const server = await startNodeTurnServer({ address: '127.0.0.1', port: 3478,
 *       config: { realm: 'example.org', users: { alice: 'secret' } } });
 *     ...
 *     await server.stop();
 *
 * Node-only: it imports src/io/node's transports.
 */
import type { TransportAddress } from '../../io/address.js';
import { realClock } from '../../io/clock.js';
import { cryptoRandom } from '../../io/random.js';
import { NodeTcpListener } from '../../io/node/tcp.js';
import { NodeUdpTransport } from '../../io/node/udp.js';
import { startActor } from '../../stun/actor.js';
import type { TurnServerConfig } from './config.js';
import { turnServerMachine, type TurnServerActor } from './machine.js';
import { relayBinder, type RelayBinderLogic } from './relay.js';
import type { TurnTrace } from './trace.js';

/** `bindRelay` for real sockets: UDP sockets on `address` (asynchronous, as binding is). */
export function nodeRelayBinder(address: string): RelayBinderLogic {
  return relayBinder((port) => NodeUdpTransport.bind({ address, port }));
}

/** What a TURN server on real sockets serves, and where. */
export interface NodeTurnServerOptions {
  readonly config: TurnServerConfig;
  /** The address to listen on; 127.0.0.1 by default. */
  readonly address?: string;
  /** UDP and TCP port; 3478 by default, 0 for any free one (the same for both). */
  readonly port?: number;
  /** The address relayed transport addresses are bound on; `address` by default (it must not be 0.0.0.0). */
  readonly relayAddress?: string;
  /** Also accept TURN over TCP on the same port; default true. */
  readonly tcp?: boolean;
  readonly trace?: TurnTrace;
  readonly agent?: string;
}

/** A TURN server running on real sockets (`startNodeTurnServer`): its actor, the address it serves on (UDP and TCP), and `stop()`. */
export interface NodeTurnServer {
  readonly actor: TurnServerActor;
  readonly address: TransportAddress;
  /** Deletes every allocation (closing the relay sockets), stops the actor, closes the listening sockets. */
  stop(): Promise<void>;
}

/**
 * Starts a TURN server (RFC 8656) on real sockets: UDP (and, by default, TCP)
 * on one port of `address`, relayed addresses bound on `relayAddress`, real
 * timers and the cryptographic random source. For tests and for `stun serve`
 * on loopback; `stop()` deletes every allocation and closes the sockets.
 *
 * @throws {TransportError} (rejects) when the port cannot be bound.
 * @example
 * const server = await startNodeTurnServer({ config: { realm: 'example.org', users: { alice: 'secret' } }, port: 0 });
 */
export async function startNodeTurnServer(options: NodeTurnServerOptions): Promise<NodeTurnServer> {
  const address = options.address ?? '127.0.0.1';
  const relayAddress = options.relayAddress ?? address;
  const udp = await NodeUdpTransport.bind({ address, port: options.port ?? 3478 });
  const machine = turnServerMachine.provide({ actors: { bindRelay: nodeRelayBinder(relayAddress) } });
  const actor = startActor(
    machine,
    {
      config: options.config,
      udp,
      now: realClock.now,
      random: cryptoRandom,
      ...(options.trace !== undefined ? { trace: options.trace } : {}),
      ...(options.agent !== undefined ? { agent: options.agent } : {}),
    },
    { clock: realClock },
  );
  let listener: NodeTcpListener | undefined;
  if (options.tcp !== false) {
    try {
      listener = await NodeTcpListener.listen({ address, port: udp.local.port }, (stream) => actor.send({ type: 'connection', stream }));
    } catch (error) {
      actor.stop();
      udp.close();
      throw error;
    }
  }
  return {
    actor,
    address: udp.local,
    async stop() {
      actor.send({ type: 'stop' });
      actor.stop();
      listener?.close();
      udp.close();
    },
  };
}
