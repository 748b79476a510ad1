/**
 * The TURN server (RFC 8656) as an XState machine.
 *
 * It listens on a UDP socket and on the TCP connections it is handed
 * (`{ type: 'connection', stream }`, framed as RFC 8656 §3.1 says), decides
 * what each message means (dispatch.ts, pure), and carries the decision
 * out: answers, traces, and one spawned allocation actor per 5-tuple
 * (allocation/machine.ts), to which it forwards that 5-tuple's requests,
 * Send indications and ChannelData.
 *
 * Effects are given in, so the same machine runs in both worlds:
 * - `relaySocket`, the way to bind a relayed transport address
 *   (relay.ts; sim.ts gives one in the input, node.ts
 *   provides a `bindRelay` actor);
 * - the UDP socket and TCP connections, given as `DatagramTransport` and
 *   `StreamTransport`;
 * - time: the actor's clock (`createActor(machine, { clock })`) runs every
 *   expiry, and `now()` stamps every arrival;
 * - randomness: the nonce secret, reservation tokens, Data indication ids.
 *
 * `{ type: 'stop' }` deletes every allocation (closing its relay socket) and
 * stops listening; the sockets given in are the caller's to close.
 */
import { enqueueActions, fromCallback, setup, type ActorRefFrom, type EventObject } from 'xstate';
import type { TransportAddress } from '../../io/address.js';
import type { DatagramTransport, StreamTransport } from '../../io/transport.js';
import type { RandomSource } from '../../io/random.js';
import { bytesToHex } from '../../wire/hex.js';
import { StreamFramer } from '../../wire/stream-framer.js';
import { allocationMachine, type AllocationEnded } from './allocation/machine.js';
import { createAuthenticator, type Authenticator } from './auth.js';
import { RESERVATION_LIFETIME_S, resolveServerConfig, type ResolvedServerConfig, type TurnServerConfig } from './config.js';
import { dispatch, type AllocationEntry, type ClientMessage, type Dispatch } from './dispatch.js';
import { relayBinder, type BindRelaySocket, type RelayBindEvent } from './relay.js';
import { answerError, sendResponse, type ClientLink, type Responder } from './respond.js';
import { endpoint, type TurnTrace } from './trace.js';
import { tracing } from '../../stun/trace.js';

/**
 * What the TURN server machine is given: its configuration, the UDP socket
 * to serve on, how to bind relayed transport addresses, the clock's `now`
 * (ms), its random source, and where to trace. `startSimTurnServer` and
 * `startNodeTurnServer` build it for their world.
 */
export interface TurnServerInput {
  readonly config: TurnServerConfig;
  /** The UDP socket to serve on; none for a server that only takes TCP connections. */
  readonly udp?: DatagramTransport;
  /**
   * Binds a UDP socket for a relayed transport address (relay.ts): the
   * simulator's `host.bindUdp`, a real `node:dgram` bind. An input rather than
   * a provided actor, so that a world starting many servers shares one machine
   * (each `provide` builds the whole machine again). Without it the provided
   * `bindRelay` binds, and without that every Allocate gets 508.
   */
  readonly relaySocket?: BindRelaySocket;
  /** The injected clock's time in ms (the simulator's `clock.now()`, or `realClock.now`). */
  readonly now: () => number;
  /** The simulator's seeded random, or `cryptoRandom` for real (nonce secrets must not be guessable). */
  readonly random: RandomSource;
  /** Where the server records what it decides about each message (a world's trace); none by default. */
  readonly trace?: TurnTrace;
  /** Who the server is, for the trace (a host id). */
  readonly agent?: string;
}

/** An authenticated, acceptable Allocate waiting for its relayed transport address. */
type PendingAllocate = Extract<Dispatch, { kind: 'allocate' }>;

interface Reservation {
  readonly relay: DatagramTransport;
  readonly expiresAt: number;
}

interface ServerContext {
  readonly input: TurnServerInput;
  readonly config: ResolvedServerConfig;
  readonly auth: Authenticator;
  readonly responder: Responder;
  readonly allocations: ReadonlyMap<string, AllocationEntry>;
  /** Pending Allocates' details, by 5-tuple key, while their relay is being bound. */
  readonly pending: ReadonlyMap<string, PendingAllocate>;
  readonly reservations: ReadonlyMap<string, Reservation>;
  readonly streams: ReadonlySet<string>;
  /** Children spawned so far (it names them). */
  readonly spawned: number;
}

/**
 * Every event `turnServerMachine` takes. An app sends two: `{ type:
 * 'connection', stream }` to serve TURN over a TCP connection it accepted
 * (RFC 8656 §3.1), and `{ type: 'stop' }` to delete every allocation and
 * stop listening. The rest are the machine's own (arrivals, relay binds,
 * allocation ends, reservation expiry).
 */
export type TurnServerEvent =
  | ClientMessage
  /** A TCP connection a listener accepted: serve TURN over it (RFC 8656 §3.1). */
  | { readonly type: 'connection'; readonly stream: StreamTransport }
  | { readonly type: 'connection.closed'; readonly id: string; readonly link: ClientLink; readonly reason: string }
  | { readonly type: 'connection.garbled'; readonly link: ClientLink; readonly reason: string }
  | RelayBindEvent
  | AllocationEnded
  | { readonly type: 'reservation.expired'; readonly token: string }
  | { readonly type: 'stop' };

/** IO: each datagram of the UDP socket becomes a message. */
const listenDatagrams = fromCallback<EventObject, { readonly udp: DatagramTransport | undefined; readonly now: () => number }>(({ input, sendBack }) => {
  const { udp, now } = input;
  if (udp === undefined) return;
  return udp.onMessage((data, from) => {
    const link: ClientLink = { transport: 'udp', client: from, server: udp.local, send: (bytes) => udp.send(bytes, from) };
    const message: ClientMessage = { type: 'message', data, link, at: now() };
    sendBack(message);
  });
});

/** IO: each frame of a TCP connection becomes a message; a stream out of step is reported and closed. */
const serveStream = fromCallback<EventObject, { readonly id: string; readonly stream: StreamTransport; readonly now: () => number }>(({ input, sendBack }) => {
  const { id, stream, now } = input;
  const link: ClientLink = { transport: 'tcp', client: stream.remote, server: stream.local, send: (bytes) => stream.write(bytes) };
  const framer = new StreamFramer();
  const offData = stream.onData((chunk) => {
    const { frames, error } = framer.push(chunk);
    for (const frame of frames) sendBack({ type: 'message', data: frame.bytes, link, at: now() } satisfies ClientMessage);
    if (error !== undefined) {
      sendBack({ type: 'connection.garbled', link, reason: `stream out of step at byte ${error.offset}: ${error.message}` });
      stream.end();
    }
  });
  const offClose = stream.onClose((reason) => sendBack({ type: 'connection.closed', id, link, reason }));
  return () => {
    offData();
    offClose();
  };
});

const sameLink = (a: ClientLink, b: ClientLink): boolean =>
  a.transport === b.transport && endpoint(a.client) === endpoint(b.client) && endpoint(a.server) === endpoint(b.server);

function agentOf(context: ServerContext): { agent?: string } {
  return context.input.agent === undefined ? {} : { agent: context.input.agent };
}

/**
 * The TURN server (RFC 8656) as an XState machine: it authenticates each
 * request with long-term credentials (RFC 8489 §9.2), answers Binding like a
 * STUN server, and keeps one allocation actor per 5-tuple, which holds the
 * permissions and channels and relays the data. Time is the actor's clock;
 * sockets and relay binding are given in its input. Start it with
 * `startSimTurnServer` or `startNodeTurnServer`.
 *
 * A configuration that makes no sense fails the actor with a `TurnConfigError` when it starts.
 * @example
 * const turn = startSimTurnServer(world, 'turn', { config: { realm: 'example.org', users: { alice: 'secret' } } });
 */
export const turnServerMachine = setup({
  types: {
    input: {} as TurnServerInput,
    context: {} as ServerContext,
    events: {} as TurnServerEvent,
  },
  actors: { listenDatagrams, serveStream, bindRelay: relayBinder(), allocation: allocationMachine },
  actions: {
    receive: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'message') return;
      const { link } = event;
      const { trace } = context.input;
      const decision = dispatch(event, { config: context.config, auth: context.auth, allocations: context.allocations, reservations: context.reservations });
      if (decision.seen !== undefined && tracing(trace)) {
        const seen = decision.seen;
        enqueue(() => trace?.record('turn.request', { server: endpoint(link.server), client: endpoint(link.client), transport: link.transport, ...seen, ...agentOf(context) }));
      }
      switch (decision.kind) {
        case 'ignore': {
          const record = { server: endpoint(link.server), from: endpoint(link.client), transport: link.transport, reason: decision.reason, ...(decision.transaction !== undefined ? { transaction: decision.transaction } : {}), ...agentOf(context) };
          enqueue(() => trace?.record('turn.ignore', record));
          return;
        }
        case 'binding': {
          const answer = decision.decision;
          if (answer.kind === 'ignore') {
            enqueue(() => trace?.record('turn.ignore', { server: endpoint(link.server), from: endpoint(link.client), transport: link.transport, reason: answer.reason, ...agentOf(context) }));
          } else {
            const outcome = { authenticated: false, ...(answer.code !== undefined ? { code: answer.code, detail: 'Binding request refused' } : {}) };
            enqueue(() => sendResponse(context.responder, link, decision.request, answer.bytes, outcome));
          }
          return;
        }
        case 'error':
          enqueue(() =>
            answerError(context.responder, link, decision.request, decision.code, {
              detail: decision.detail,
              ...(decision.attributes !== undefined ? { attributes: decision.attributes } : {}),
              ...(decision.credentials !== undefined ? { credentials: decision.credentials } : {}),
            }),
          );
          return;
        case 'forward':
          enqueue.sendTo(decision.actorId, decision.event);
          return;
        case 'allocate': {
          const actorId = `allocation ${context.spawned + 1}`;
          const entry: AllocationEntry = { actorId, username: decision.username, transaction: bytesToHex(decision.request.transactionId), phase: 'binding', link };
          enqueue.assign({
            spawned: context.spawned + 1,
            allocations: new Map(context.allocations).set(decision.key, entry),
            pending: new Map(context.pending).set(decision.key, decision),
          });
          const token = decision.plan.reservationToken;
          const reserved = token === undefined ? undefined : context.reservations.get(token);
          if (token !== undefined && reserved !== undefined) {
            // The port reserved next to an earlier allocation's (RFC 8656 §7.2): no binding needed.
            const reservations = new Map(context.reservations);
            reservations.delete(token);
            enqueue.assign({ reservations });
            enqueue.cancel(`reservation ${token}`);
            enqueue(() => trace?.record('turn.reservation', { event: 'use', token, relayed: endpoint(reserved.relay.local), ...agentOf(context) }));
            enqueue.raise({ type: 'relay.bound', key: decision.key, relay: reserved.relay, at: event.at });
            return;
          }
          enqueue.spawnChild('bindRelay', {
            id: `relay ${actorId}`,
            input: {
              key: decision.key,
              request: { evenPort: decision.plan.evenPort, reserveNext: decision.plan.reserveNext },
              now: context.input.now,
              ...(context.input.relaySocket !== undefined ? { bind: context.input.relaySocket } : {}),
            },
          });
          return;
        }
      }
    }),
    /** The relayed transport address is bound: the allocation is born (and answers its Allocate). */
    startAllocation: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'relay.bound') return;
      const entry = context.allocations.get(event.key);
      const pending = context.pending.get(event.key);
      enqueue.stopChild(`relay ${entry?.actorId ?? ''}`);
      if (entry === undefined || entry.phase !== 'binding' || pending === undefined) {
        // Nobody waits for it any more (the connection closed, the server stopped).
        enqueue(() => {
          event.relay.close();
          event.reserved?.close();
        });
        return;
      }
      const restPending = new Map(context.pending);
      restPending.delete(event.key);
      enqueue.assign({ allocations: new Map(context.allocations).set(event.key, { ...entry, phase: 'active' }), pending: restPending });
      let reservationToken: Uint8Array | undefined;
      if (event.reserved !== undefined) {
        const reserved = event.reserved;
        reservationToken = context.input.random.bytes(8);
        const token = bytesToHex(reservationToken);
        const expiresAt = event.at + RESERVATION_LIFETIME_S * 1000;
        enqueue.assign({ reservations: new Map(context.reservations).set(token, { relay: reserved, expiresAt }) });
        enqueue.raise({ type: 'reservation.expired', token }, { id: `reservation ${token}`, delay: RESERVATION_LIFETIME_S * 1000 });
        enqueue(() => context.input.trace?.record('turn.reservation', { event: 'reserve', token, relayed: endpoint(reserved.local), ...agentOf(context) }));
      }
      enqueue.spawnChild('allocation', {
        id: entry.actorId,
        input: {
          key: event.key,
          link: entry.link,
          relay: event.relay,
          username: pending.username,
          createdAt: event.at,
          lifetimeSeconds: pending.plan.lifetimeSeconds,
          request: pending.request,
          credentials: pending.credentials,
          ...(reservationToken !== undefined ? { reservationToken } : {}),
          config: context.config,
          now: context.input.now,
          random: context.input.random,
          ...(context.input.trace !== undefined ? { trace: context.input.trace } : {}),
          ...agentOf(context),
        },
      });
    }),
    /** No relayed transport address could be had: 508 Insufficient Capacity (RFC 8656 §7.2). */
    refuseAllocation: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'relay.failed') return;
      const entry = context.allocations.get(event.key);
      const pending = context.pending.get(event.key);
      enqueue.stopChild(`relay ${entry?.actorId ?? ''}`);
      if (entry === undefined || pending === undefined) return;
      enqueue.assign(forget(context, event.key));
      enqueue(() => answerError(context.responder, entry.link, pending.request, 508, { detail: event.reason, credentials: pending.credentials }));
    }),
    forgetAllocation: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'allocation.ended') return;
      const entry = context.allocations.get(event.key);
      if (entry === undefined) return;
      enqueue.assign(forget(context, event.key));
      enqueue.stopChild(entry.actorId);
    }),
    expireReservation: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'reservation.expired') return;
      const reservation = context.reservations.get(event.token);
      if (reservation === undefined) return;
      const reservations = new Map(context.reservations);
      reservations.delete(event.token);
      enqueue.assign({ reservations });
      enqueue(() => {
        reservation.relay.close();
        context.input.trace?.record('turn.reservation', { event: 'expire', token: event.token, relayed: endpoint(reservation.relay.local), ...agentOf(context) });
      });
    }),
    acceptConnection: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'connection') return;
      const id = `connection ${context.spawned + 1}`;
      enqueue.assign({ spawned: context.spawned + 1, streams: new Set(context.streams).add(id) });
      enqueue.spawnChild('serveStream', { id, input: { id, stream: event.stream, now: context.input.now } });
    }),
    /** RFC 8656 §3.1: when the client's TCP connection closes, its allocation goes with it. */
    closeConnection: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'connection.closed') return;
      const streams = new Set(context.streams);
      streams.delete(event.id);
      enqueue.assign({ streams });
      enqueue.stopChild(event.id);
      for (const [key, entry] of context.allocations) {
        if (!sameLink(entry.link, event.link)) continue;
        if (entry.phase === 'active') enqueue.sendTo(entry.actorId, { type: 'end', reason: 'connection-closed' });
        else {
          enqueue.stopChild(`relay ${entry.actorId}`);
          enqueue.assign(forget(context, key));
        }
      }
    }),
    traceGarbled: ({ context, event }) => {
      if (event.type !== 'connection.garbled') return;
      const { link } = event;
      context.input.trace?.record('turn.ignore', { server: endpoint(link.server), from: endpoint(link.client), transport: 'tcp', reason: event.reason, ...agentOf(context) });
    },
    stopEverything: enqueueActions(({ context, enqueue }) => {
      for (const entry of context.allocations.values()) {
        if (entry.phase === 'active') enqueue.sendTo(entry.actorId, { type: 'end', reason: 'server-stopped' });
        else enqueue.stopChild(`relay ${entry.actorId}`);
      }
      for (const id of context.streams) enqueue.stopChild(id);
      for (const token of context.reservations.keys()) enqueue.cancel(`reservation ${token}`);
      const reservations = [...context.reservations.values()];
      enqueue(() => reservations.forEach((r) => r.relay.close()));
      // Allocations still binding their relay will never start: forget them (their sockets are closed as they arrive).
      const active = new Map([...context.allocations].filter(([, entry]) => entry.phase === 'active'));
      enqueue.assign({ allocations: active, reservations: new Map(), pending: new Map(), streams: new Set() });
    }),
  },
}).createMachine({
  id: 'turnServer',
  context: ({ input }) => {
    const config = resolveServerConfig(input.config);
    return {
      input,
      config,
      auth: createAuthenticator({ realm: config.realm, users: config.users, nonceLifetimeSeconds: config.nonceLifetimeSeconds, secret: input.random.bytes(32) }),
      responder: { software: config.software, trace: input.trace, agent: input.agent },
      allocations: new Map(),
      pending: new Map(),
      reservations: new Map(),
      streams: new Set(),
      spawned: 0,
    };
  },
  initial: 'serving',
  states: {
    serving: {
      invoke: { src: 'listenDatagrams', input: ({ context }) => ({ udp: context.input.udp, now: context.input.now }) },
      on: {
        message: { actions: 'receive' },
        connection: { actions: 'acceptConnection' },
        'connection.closed': { actions: 'closeConnection' },
        'connection.garbled': { actions: 'traceGarbled' },
        'relay.bound': { actions: 'startAllocation' },
        'relay.failed': { actions: 'refuseAllocation' },
        'allocation.ended': { actions: 'forgetAllocation' },
        'reservation.expired': { actions: 'expireReservation' },
        stop: { target: 'stopped', actions: 'stopEverything' },
      },
    },
    /** Not listening; the allocations told to end report back here. */
    stopped: {
      on: {
        'allocation.ended': { actions: 'forgetAllocation' },
        'relay.bound': { actions: 'startAllocation' },
      },
    },
  },
});

/** The context without the allocation filed under `key` (and its pending Allocate). */
function forget(context: ServerContext, key: string): Pick<ServerContext, 'allocations' | 'pending'> {
  const allocations = new Map(context.allocations);
  const pending = new Map(context.pending);
  allocations.delete(key);
  pending.delete(key);
  return { allocations, pending };
}

/** A running `turnServerMachine` (what `startSimTurnServer` and `startNodeTurnServer` return as `actor`): send it `connection` and `stop`, read its allocations with `serverAllocations`. */
export type TurnServerActor = ActorRefFrom<typeof turnServerMachine>;

/** The allocations a server holds, by 5-tuple key (for tests and inspection). */
export function serverAllocations(actor: TurnServerActor): ReadonlyMap<string, { readonly username: string; readonly phase: 'binding' | 'active'; readonly client: TransportAddress }> {
  const out = new Map<string, { username: string; phase: 'binding' | 'active'; client: TransportAddress }>();
  for (const [key, entry] of actor.getSnapshot().context.allocations) out.set(key, { username: entry.username, phase: entry.phase, client: entry.link.client });
  return out;
}
