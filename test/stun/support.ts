/**
 * Helpers of the STUN tests: a world with Binding servers on the internet,
 * running a transaction to completion on virtual time, and a transport that
 * loses chosen datagrams.
 *
 * Importing test/sim/support.ts configures fast-check (FC_SEED, FC_PATH, FC_NUM_RUNS); its
 * `prop` has the shape of @fast-check/vitest's `test.prop` without that module's import cost.
 */
import { createWorld, type HostSpec, type LinkSpec, type World } from '../../src/sim/index.js';
import { type DatagramTransport, type TransportAddress } from '../../src/io/index.js';
import { startBindingServer, type StunBindingServerActor } from '../../src/stun/binding-server.js';
import { bindingRequest, startStunTransaction } from '../../src/stun/client.js';
import { type StunTransactionActor, type StunTransactionInput, type StunTransactionOutcome } from '../../src/stun/transaction.js';
import { datagramFlow, streamFlow } from '../../src/stun/flow.js';

export { prop, runs } from '../sim/support.js';

export const STUN_SERVER = { address: '198.51.100.1', port: 3478 } as const;
export const SECOND_SERVER = { address: '198.51.100.2', port: 3478 } as const;

export interface ServerWorldOptions {
  readonly seed?: number;
  /** The client's access link. */
  readonly clientLink?: LinkSpec;
  readonly internetLink?: LinkSpec;
}

/**
 * A world with two Binding servers on the internet (UDP 3478, TCP 3478 and TCP 443
 * each) and the given clients.
 */
export function serverWorld(clients: readonly HostSpec[], options: ServerWorldOptions = {}): { world: World; servers: StunBindingServerActor[] } {
  const world = createWorld(
    {
      ...(options.internetLink !== undefined ? { internet: { link: options.internetLink } } : {}),
      hosts: [{ id: 'stun1', address: STUN_SERVER.address }, { id: 'stun2', address: SECOND_SERVER.address }, ...clients],
    },
    { seed: options.seed ?? 1 },
  );
  const servers = ['stun1', 'stun2'].map((id) => {
    const host = world.host(id);
    const server = startBindingServer({ socket: host.bindUdp({ port: 3478 }), trace: world.trace, agent: id }, { clock: world.clock });
    for (const port of [3478, 443]) host.listenTcp({ port }, (stream) => server.send({ type: 'connection', stream }));
    return server;
  });
  return { world, servers };
}

/** Steps the world's clock until the actor is done; returns its outcome and the virtual time it ended. */
export function runToCompletion(world: World, actor: StunTransactionActor): { outcome: StunTransactionOutcome; at: number } {
  let at: number | undefined;
  actor.subscribe({ complete: () => (at = world.clock.now()) });
  while (actor.getSnapshot().status === 'active' && world.clock.step());
  const snapshot = actor.getSnapshot();
  if (snapshot.status !== 'done' || snapshot.output === undefined) throw new Error(`transaction did not finish (status ${snapshot.status}, clock idle at ${world.clock.now()})`);
  return { outcome: snapshot.output, at: at ?? world.clock.now() };
}

/** A Binding transaction from a host's fresh UDP socket to `server`, run to completion. */
export function probeUdp(world: World, host: string, server: TransportAddress, input: Partial<StunTransactionInput> = {}) {
  const socket = world.host(host).bindUdp();
  const actor = startStunTransaction(
    { flow: datagramFlow(socket, server), request: bindingRequest(), random: world.random.fork(`${host}:stun`), trace: world.trace, agent: host, ...input },
    { clock: world.clock },
  );
  return { socket, ...runToCompletion(world, actor) };
}

/** A Binding transaction over a new TCP connection from a host to `server`, run to completion. */
export function probeTcp(world: World, host: string, server: TransportAddress, input: Partial<StunTransactionInput> = {}) {
  const stream = world.host(host).connectTcp(server);
  const actor = startStunTransaction(
    { flow: streamFlow(stream), request: bindingRequest(), random: world.random.fork(`${host}:stun-tcp`), trace: world.trace, agent: host, ...input },
    { clock: world.clock },
  );
  return { stream, ...runToCompletion(world, actor) };
}

/**
 * Wraps a client's socket so that the i-th request it sends is lost when
 * `requestLost[i]`, and the response to the i-th request when `responseLost[i]`.
 * Responses are matched to requests by order of arrival, which holds on a
 * path without jitter (every response comes back in the order sent).
 */
export function lossyTransport(inner: DatagramTransport, requestLost: readonly boolean[], responseLost: readonly boolean[]): DatagramTransport {
  let sent = 0;
  let arrived = 0;
  const forwarded: number[] = [];
  const handlers = new Set<(data: Uint8Array, from: TransportAddress) => void>();
  inner.onMessage((data, from) => {
    const i = forwarded[arrived++];
    if (i !== undefined && responseLost[i] === true) return;
    for (const handler of [...handlers]) handler(data, from);
  });
  return {
    get local() {
      return inner.local;
    },
    get closed() {
      return inner.closed;
    },
    send(data, to) {
      const i = sent++;
      if (requestLost[i] === true) return;
      forwarded.push(i);
      inner.send(data, to);
    },
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: () => inner.close(),
  };
}
