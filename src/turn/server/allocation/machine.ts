/**
 * One allocation (RFC 8656 §2.2, §5) as an XState actor: spawned by the
 * server once its relayed transport address is bound, alive until its
 * lifetime runs out, a Refresh with LIFETIME 0 deletes it, or its client's
 * TCP connection closes.
 *
 * Time: every expiry is a delayed event on the actor's clock (the simulated
 * world's VirtualClock or real timers): the allocation's lifetime, each
 * permission's 300 s and each channel's 600 s. Refreshing cancels the old
 * timer and starts a new one (XState keeps one timer per id but does not
 * cancel the old one on re-raise, so the cancel is needed). Expiry therefore
 * happens, and is traced, at exactly `expiresAt`; and since every event from
 * the outside carries the instant it arrived (`at`), the relaying judges
 * permissions by that instant too (state.ts).
 *
 * IO: datagrams at the relayed transport address come in through the
 * `listenRelay` actor; what goes to the client goes over its `ClientLink`,
 * what goes to peers out of the relay socket. Both are given in the input, so
 * the machine is the same in the simulator and on real sockets.
 */
import { enqueueActions, fromCallback, setup, type ActorRefFrom, type EventObject } from 'xstate';
import type { TransportAddress } from '../../../io/address.js';
import type { DatagramTransport } from '../../../io/transport.js';
import type { RandomSource } from '../../../io/random.js';
import { StunMethod } from '../../../wire/stun/header.js';
import { encodeStunMessage, type DecodedStunMessage } from '../../../wire/stun/message.js';
import type { ChannelData } from '../../../wire/turn/channel-data.js';
import { decideAllocationRequest } from './requests.js';
import { judgeChannelData, judgePeerDatagram, judgeSend, type ToPeer } from './relay.js';
import { hasPermission, type AllocationState, type ChannelBinding } from './state.js';
import type { ResponseCredentials } from '../auth.js';
import { encodeClientChannelData } from '../channels.js';
import { CHANNEL_LIFETIME_S, PERMISSION_LIFETIME_S, type ResolvedServerConfig } from '../config.js';
import { answerError, answerSuccess, encodeSuccess, sendResponse, sendToClient, type ClientLink, type Responder } from '../respond.js';
import { endpoint, type AllocationEndReason, type TurnTrace } from '../trace.js';
import { tracing } from '../../../stun/trace.js';

export interface AllocationInput {
  /** The 5-tuple key the server files this allocation under (it comes back in `allocation.ended`). */
  readonly key: string;
  readonly link: ClientLink;
  /** The socket of the relayed transport address; the allocation closes it when it ends. */
  readonly relay: DatagramTransport;
  readonly username: string;
  /** When the allocation came to be (ms on the injected clock). */
  readonly createdAt: number;
  readonly lifetimeSeconds: number;
  /** The Allocate that created it: answered at once, and answered the same way if retransmitted. */
  readonly request: { readonly method: number; readonly transactionId: Uint8Array };
  readonly credentials: ResponseCredentials;
  /** RESERVATION-TOKEN for the port reserved next to this one (EVEN-PORT with R, RFC 8656 §7.2). */
  readonly reservationToken?: Uint8Array;
  readonly config: ResolvedServerConfig;
  /** The injected clock's time in ms: stamps each datagram at the relayed address with its arrival. */
  readonly now: () => number;
  /** For the transaction ids of Data indications (RFC 8656 §11.6). */
  readonly random: RandomSource;
  readonly trace?: TurnTrace;
  readonly agent?: string;
}

export interface AllocationContext extends AllocationState {
  readonly input: AllocationInput;
  readonly responder: Responder;
  /** The success response to the Allocate, kept for its retransmissions. */
  readonly allocateResponse: Uint8Array;
  readonly endReason: AllocationEndReason;
}

export type AllocationEvent =
  /** An authenticated Refresh, CreatePermission or ChannelBind from this allocation's client (and username). */
  | { readonly type: 'request'; readonly message: DecodedStunMessage; readonly credentials: ResponseCredentials; readonly at: number }
  /** The Allocate request arrived again (RFC 8656 §7.2: answer as before). */
  | { readonly type: 'allocate.retransmit' }
  /** A Send indication from the client. */
  | { readonly type: 'send'; readonly message: DecodedStunMessage; readonly at: number }
  /** A ChannelData message from the client. */
  | { readonly type: 'channel-data'; readonly frame: ChannelData; readonly at: number }
  /** A datagram at the relayed transport address. */
  | { readonly type: 'peer.datagram'; readonly data: Uint8Array; readonly from: TransportAddress; readonly at: number }
  | { readonly type: 'lifetime.expired'; readonly expiresAt: number }
  | { readonly type: 'permission.expired'; readonly peer: string; readonly expiresAt: number }
  | { readonly type: 'channel.expired'; readonly channel: number; readonly expiresAt: number }
  /** Delete now (the server says why, or a Refresh with LIFETIME 0 did). */
  | { readonly type: 'end'; readonly reason: AllocationEndReason };

/** What the allocation tells its server when it ends. */
export interface AllocationEnded {
  readonly type: 'allocation.ended';
  readonly key: string;
  readonly reason: AllocationEndReason;
}

/** IO: every datagram at the relayed transport address, stamped with its arrival time. */
const listenRelay = fromCallback<EventObject, { readonly relay: DatagramTransport; readonly now: () => number }>(({ input, sendBack }) =>
  input.relay.onMessage((data, from) => sendBack({ type: 'peer.datagram', data, from, at: input.now() })),
);

const seconds = (s: number): number => s * 1000;

function agentOf(context: AllocationContext): { agent?: string } {
  return context.input.agent === undefined ? {} : { agent: context.input.agent };
}

/** Relays to a peer out of the relay socket, or traces why not. */
function toPeer(context: AllocationContext, verdict: ToPeer): void {
  const { trace } = context.input;
  if (verdict.kind === 'relay') {
    try {
      context.input.relay.send(verdict.data, verdict.peer);
    } catch (error) {
      trace?.record('turn.refuse', { allocation: endpoint(context.relayed), direction: 'client-to-peer', peer: endpoint(verdict.peer), size: verdict.data.length, reason: `the relay socket refused: ${String(error)}`, ...agentOf(context) });
      return;
    }
    if (tracing(trace)) trace.record('turn.relay', { allocation: endpoint(context.relayed), direction: 'client-to-peer', peer: endpoint(verdict.peer), size: verdict.data.length, framing: verdict.framing, ...agentOf(context) });
    return;
  }
  const allocation = endpoint(context.relayed);
  trace?.record('turn.refuse', {
    allocation,
    direction: 'client-to-peer',
    ...(verdict.peer !== undefined ? { peer: endpoint(verdict.peer) } : {}),
    size: verdict.size,
    reason: verdict.reason,
    ...agentOf(context),
  });
}

export const allocationMachine = setup({
  types: {
    input: {} as AllocationInput,
    context: {} as AllocationContext,
    events: {} as AllocationEvent,
    output: {} as { readonly reason: AllocationEndReason },
  },
  actors: { listenRelay },
  actions: {
    /** The Allocate success response (RFC 8656 §7.2 step 8) and the trace of the birth. */
    announce: ({ context }) => {
      const { input } = context;
      input.trace?.record('turn.allocation', {
        event: 'create',
        allocation: endpoint(context.relayed),
        client: endpoint(input.link.client),
        server: endpoint(input.link.server),
        transport: input.link.transport,
        username: input.username,
        lifetime: input.lifetimeSeconds,
        expiresAt: context.expiresAt,
        ...agentOf(context),
      });
      sendResponse(context.responder, input.link, input.request, context.allocateResponse, { authenticated: true });
    },
    scheduleLifetime: enqueueActions(({ context, enqueue }) => {
      enqueue.cancel('lifetime');
      enqueue.raise({ type: 'lifetime.expired', expiresAt: context.expiresAt }, { id: 'lifetime', delay: context.expiresAt - context.input.createdAt });
    }),
    answerAllocateAgain: ({ context }) => {
      sendResponse(context.responder, context.input.link, context.input.request, context.allocateResponse, { authenticated: true });
    },
    handleRequest: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'request') return;
      const { message, credentials, at } = event;
      const { input, responder } = context;
      const allocation = endpoint(context.relayed);
      const decision = decideAllocationRequest(message, context, input.config, at);
      const ok = (attributes: Parameters<typeof answerSuccess>[3] = []) => enqueue(() => answerSuccess(responder, input.link, message, attributes, credentials));
      const trace = input.trace;
      /** Installs or refreshes a permission for `ip` until at + 300 s (RFC 8656 §9). */
      const permit = (permissions: Map<string, number>, ip: string, by: 'CreatePermission' | 'ChannelBind') => {
        const expiresAt = at + seconds(PERMISSION_LIFETIME_S);
        const existed = hasPermission(context, ip, at);
        permissions.set(ip, expiresAt);
        enqueue.cancel(`permission ${ip}`);
        enqueue.raise({ type: 'permission.expired', peer: ip, expiresAt }, { id: `permission ${ip}`, delay: seconds(PERMISSION_LIFETIME_S) });
        enqueue(() => trace?.record('turn.permission', { event: existed ? 'refresh' : 'install', allocation, peer: ip, expiresAt, by, ...agentOf(context) }));
      };
      switch (decision.kind) {
        case 'error':
          enqueue(() => answerError(responder, input.link, message, decision.code, { detail: decision.detail, credentials, ...(decision.attributes ? { attributes: decision.attributes } : {}) }));
          return;
        case 'refresh': {
          const expiresAt = at + seconds(decision.lifetimeSeconds);
          enqueue.assign({ expiresAt });
          enqueue.cancel('lifetime');
          enqueue.raise({ type: 'lifetime.expired', expiresAt }, { id: 'lifetime', delay: seconds(decision.lifetimeSeconds) });
          ok([{ type: 'LIFETIME', value: decision.lifetimeSeconds }]);
          enqueue(() => trace?.record('turn.allocation', { event: 'refresh', allocation, lifetime: decision.lifetimeSeconds, expiresAt, ...agentOf(context) }));
          return;
        }
        case 'delete':
          ok([{ type: 'LIFETIME', value: 0 }]);
          enqueue.raise({ type: 'end', reason: 'refreshed-to-zero' });
          return;
        case 'permit': {
          const permissions = new Map(context.permissions);
          for (const ip of decision.peers) permit(permissions, ip, 'CreatePermission');
          enqueue.assign({ permissions });
          ok();
          return;
        }
        case 'bind': {
          const { channel, peer } = decision;
          const expiresAt = at + seconds(CHANNEL_LIFETIME_S);
          const existed = context.channels.get(channel);
          const refreshed = existed !== undefined && at < existed.expiresAt;
          const channels = new Map<number, ChannelBinding>(context.channels);
          channels.set(channel, { peer, expiresAt });
          const permissions = new Map(context.permissions);
          permit(permissions, peer.address, 'ChannelBind');
          enqueue.assign({ channels, permissions });
          enqueue.cancel(`channel ${channel}`);
          enqueue.raise({ type: 'channel.expired', channel, expiresAt }, { id: `channel ${channel}`, delay: seconds(CHANNEL_LIFETIME_S) });
          enqueue(() => trace?.record('turn.channel', { event: refreshed ? 'refresh' : 'bind', allocation, channel, peer: endpoint(peer), expiresAt, ...agentOf(context) }));
          ok();
          return;
        }
      }
    }),
    relaySend: ({ context, event }) => {
      if (event.type === 'send') toPeer(context, judgeSend(event.message, context, event.at));
    },
    relayChannelData: ({ context, event }) => {
      if (event.type === 'channel-data') toPeer(context, judgeChannelData(event.frame, context, event.at));
    },
    /** RFC 8656 §11.6 (Data indication) and §12.6 (ChannelData), or a traced drop. */
    relayToClient: ({ context, event }) => {
      if (event.type !== 'peer.datagram') return;
      const { input } = context;
      const verdict = judgePeerDatagram(event.from, context, event.at);
      if (verdict.kind === 'refuse') {
        input.trace?.record('turn.refuse', { allocation: endpoint(context.relayed), direction: 'peer-to-client', peer: endpoint(event.from), size: event.data.length, reason: verdict.reason, ...agentOf(context) });
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes =
          verdict.kind === 'channel'
            ? // Over TCP the frame is padded to 4 bytes so the next one starts aligned (RFC 8656 §12.5).
              encodeClientChannelData({ channelNumber: verdict.channel, data: event.data }, { pad: input.link.transport === 'tcp' })
            : encodeStunMessage({
                method: StunMethod.Data,
                class: 'indication',
                transactionId: input.random.bytes(12),
                attributes: [
                  { type: 'XOR-PEER-ADDRESS', value: { address: event.from.address, port: event.from.port } },
                  { type: 'DATA', value: event.data },
                ],
              });
      } catch (error) {
        input.trace?.record('turn.refuse', { allocation: endpoint(context.relayed), direction: 'peer-to-client', peer: endpoint(event.from), size: event.data.length, reason: `cannot be framed: ${String(error)}`, ...agentOf(context) });
        return;
      }
      if (!sendToClient(input.link, bytes)) {
        input.trace?.record('turn.refuse', { allocation: endpoint(context.relayed), direction: 'peer-to-client', peer: endpoint(event.from), size: event.data.length, reason: 'the client link is closed', ...agentOf(context) });
        return;
      }
      const framing = verdict.kind === 'channel' ? 'channel-data' : 'data-indication';
      if (tracing(input.trace)) input.trace.record('turn.relay', { allocation: endpoint(context.relayed), direction: 'peer-to-client', peer: endpoint(event.from), size: event.data.length, framing, ...agentOf(context) });
    },
    expirePermission: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'permission.expired' || context.permissions.get(event.peer) !== event.expiresAt) return;
      const permissions = new Map(context.permissions);
      permissions.delete(event.peer);
      enqueue.assign({ permissions });
      const record = { event: 'expire' as const, allocation: endpoint(context.relayed), peer: event.peer, expiresAt: event.expiresAt, ...agentOf(context) };
      enqueue(() => context.input.trace?.record('turn.permission', record));
    }),
    expireChannel: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'channel.expired') return;
      const binding = context.channels.get(event.channel);
      if (binding === undefined || binding.expiresAt !== event.expiresAt) return;
      const channels = new Map(context.channels);
      channels.delete(event.channel);
      enqueue.assign({ channels });
      const record = { event: 'expire' as const, allocation: endpoint(context.relayed), channel: event.channel, peer: endpoint(binding.peer), expiresAt: event.expiresAt, ...agentOf(context) };
      enqueue(() => context.input.trace?.record('turn.channel', record));
    }),
    noteEnd: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'lifetime.expired') enqueue.assign({ endReason: 'expired' });
      else if (event.type === 'end') enqueue.assign({ endReason: event.reason });
    }),
    /** The relayed transport address is given back, and the server told (it frees the 5-tuple and the quota). */
    release: enqueueActions(({ context, enqueue }) => {
      enqueue(() => {
        context.input.relay.close();
        context.input.trace?.record('turn.allocation', { event: 'delete', allocation: endpoint(context.relayed), reason: context.endReason, ...agentOf(context) });
      });
      const ended: AllocationEnded = { type: 'allocation.ended', key: context.input.key, reason: context.endReason };
      enqueue.sendParent(ended);
    }),
  },
  guards: {
    isCurrentLifetime: ({ context, event }) => event.type === 'lifetime.expired' && event.expiresAt === context.expiresAt,
  },
}).createMachine({
  id: 'turnAllocation',
  context: ({ input }) => {
    const relayed = { address: input.relay.local.address, port: input.relay.local.port };
    const attributes = [
      { type: 'XOR-RELAYED-ADDRESS' as const, value: relayed },
      { type: 'LIFETIME' as const, value: input.lifetimeSeconds },
      ...(input.reservationToken !== undefined ? [{ type: 'RESERVATION-TOKEN' as const, value: input.reservationToken }] : []),
      { type: 'XOR-MAPPED-ADDRESS' as const, value: input.link.client },
    ];
    return {
      input,
      responder: { software: input.config.software, trace: input.trace, agent: input.agent },
      relayed,
      expiresAt: input.createdAt + seconds(input.lifetimeSeconds),
      permissions: new Map(),
      channels: new Map(),
      allocateResponse: encodeSuccess(input.config.software, input.request, attributes, input.credentials),
      endReason: 'expired',
    };
  },
  initial: 'active',
  states: {
    active: {
      entry: ['announce', 'scheduleLifetime'],
      invoke: { src: 'listenRelay', input: ({ context }) => ({ relay: context.input.relay, now: context.input.now }) },
      on: {
        request: { actions: 'handleRequest' },
        'allocate.retransmit': { actions: 'answerAllocateAgain' },
        send: { actions: 'relaySend' },
        'channel-data': { actions: 'relayChannelData' },
        'peer.datagram': { actions: 'relayToClient' },
        'permission.expired': { actions: 'expirePermission' },
        'channel.expired': { actions: 'expireChannel' },
        'lifetime.expired': { guard: 'isCurrentLifetime', target: 'deleted', actions: 'noteEnd' },
        end: { target: 'deleted', actions: 'noteEnd' },
      },
    },
    deleted: { type: 'final', entry: 'release' },
  },
  output: ({ context }) => ({ reason: context.endReason }),
});

export type AllocationActor = ActorRefFrom<typeof allocationMachine>;

