/**
 * The TURN server in the simulated world: the machine provided with a
 * simulated host's sockets, run on the world's virtual clock, seeded random
 * and trace.
 *
 *     const world = createWorld({ hosts: [{ id: 'turn' }, { id: 'alice', profile: 'symmetric' }] });
 *     const server = startSimTurnServer(world, 'turn', { config: { realm: 'example.org', users: { alice: 'secret' } } });
 *     // ... clients send to server.address over UDP, or connect TCP to it ...
 *     world.runFor(60_000);
 *
 * Only types come from src/sim (ARCHITECTURE.md: layer 2 depends on sim for
 * types only); the world itself is handed in.
 */
import type { TransportAddress } from '../../io/address.js';
import type { Host } from '../../sim/host.js';
import type { DatagramTransport } from '../../io/transport.js';
import type { World } from '../../sim/world.js';
import { startActor } from '../../stun/actor.js';
import type { TurnServerConfig } from './config.js';
import { turnServerMachine, type TurnServerActor } from './machine.js';
import { relayBinder, type RelayBinderLogic } from './relay.js';

/** The default TURN port over UDP and TCP (RFC 8656 §3.1). */
export const TURN_PORT = 3478;

/** `bindRelay` for the simulator: UDP sockets on one of the host's addresses (bound synchronously). */
export function simRelayBinder(host: Pick<Host, 'bindUdp' | 'addresses'>, address: string = firstAddress(host)): RelayBinderLogic {
  return relayBinder((port) => host.bindUdp({ address, port }));
}

/** What a simulated TURN server serves, and where. */
export interface SimTurnServerOptions {
  readonly config: TurnServerConfig;
  /** UDP and TCP port; 3478 by default. */
  readonly port?: number;
  /** The host address to serve on and relay from; its first address by default. */
  readonly address?: string;
  /** Also accept TURN over TCP (RFC 8656 §3.1) on the same port; default true. */
  readonly tcp?: boolean;
}

/** A TURN server running on a simulated host. */
export interface SimTurnServer {
  readonly actor: TurnServerActor;
  /** Where clients reach it (UDP, and TCP unless disabled). */
  readonly address: TransportAddress;
  readonly udp: DatagramTransport;
  /** Deletes every allocation, stops the actor and closes its sockets. */
  stop(): void;
}

/** Starts a TURN server on a host of the world, on the world's clock, random source and trace. */
export function startSimTurnServer(world: Pick<World, 'host' | 'clock' | 'random' | 'trace'>, hostId: string, options: SimTurnServerOptions): SimTurnServer {
  const host = world.host(hostId);
  const address = options.address ?? firstAddress(host);
  const port = options.port ?? TURN_PORT;
  const udp = host.bindUdp({ address, port });
  // The relay sockets come through the input, not `provide`: one machine for every simulated server.
  const actor = startActor(
    turnServerMachine,
    {
      config: options.config,
      udp,
      relaySocket: (port) => host.bindUdp({ address, port }),
      now: () => world.clock.now(),
      random: world.random.fork(`turn:${hostId}`),
      trace: world.trace,
      agent: hostId,
    },
    { clock: world.clock },
  );
  const listener = options.tcp === false ? undefined : host.listenTcp({ address, port }, (stream) => actor.send({ type: 'connection', stream }));
  return {
    actor,
    address: { address, port },
    udp,
    stop() {
      actor.send({ type: 'stop' });
      actor.stop();
      listener?.close();
      udp.close();
    },
  };
}

function firstAddress(host: Pick<Host, 'addresses'>): string {
  const address = host.addresses[0];
  if (address === undefined) throw new RangeError('the TURN server host has no address');
  return address;
}
