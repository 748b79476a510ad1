/**
 * The TURN client (RFC 8656) as an XState machine: one allocation on one
 * server, over one flow (UDP, or TCP with RFC 8656 §3.1 framing).
 *
 *     allocating ──(Allocate success)──▶ allocated ──(release)──▶ releasing ──▶ released
 *       │ ▲  401 challenge, 438 once        │  ║ lifetime · refresh · keepalive
 *       └─┘                                 │  ║ permissions, channels, data
 *       └──(error, no answer)──▶ failed ◀───┘ (Refresh failed, transport closed, lifetime over)
 *
 * - allocating: Allocate without credentials; the 401 brings REALM and NONCE,
 *   and the Allocate goes again signed (RFC 8489 §9.2.3, RFC 8656 §7.1); a 438
 *   brings a fresh NONCE, once (RFC 8489 §9.2.5); any other answer fails
 *   (RFC 8656 §7.4).
 * - allocated, three parallel regions: the lifetime (its end is the end of
 *   the allocation, RFC 8656 §7), the Refresh schedule (timing.ts; also
 *   on demand), and keepalives over UDP. Permissions and channel bindings are
 *   requests spawned as child transactions, any number at once, each refreshed
 *   on a timer of its own (operations.ts); data goes out as Send
 *   indications or ChannelData and comes in as Data indications or ChannelData.
 * - releasing: Refresh with LIFETIME 0 (RFC 8656 §8.1).
 *
 * Effects come in: the flow (and through it, the socket), the random source,
 * the trace, and time, which is the actor's clock (`createActor(machine, {
 * clock })`): every timer here is an XState delay, every transaction a child
 * on the same clock. The machine is the same in the simulator and on real
 * sockets. Commands it cannot carry out are refused with a `turn.refused`
 * notification, never thrown.
 */
import { assign, enqueueActions, sendTo, setup, type Actor, type ActorLogic, type ActorSystem, type ActorSystemInfo, type DoneActorEvent, type EventObject, type Snapshot } from 'xstate';
import { stunTransactionMachine, type StunTransactionInput, type StunTransactionOutcome } from '../../stun/transaction.js';
import { freshAttempt, initialContext, notification, record, transactionInput, verdictOf, type JudgedKind, type TurnClientContext } from './context.js';
import type { Effects, TimerEvent } from './effects.js';
import { endOf, lifetimeOf } from './end.js';
import { clientIo, encodeKeepalive, type ClientIoCommand, type ClientIoEvent } from './io.js';
import { deliverChannelData, deliverDataIndication, refused, sendData, settleRequest, startChannelBind, startPermissions } from './operations.js';
import { dropPermissions, permissionsDue } from './peers.js';
import { allocationRefreshDelayMs } from './timing.js';
import { endpointOf } from './trace.js';
import type { TurnClientCommand, TurnClientEnd, TurnClientInput, TurnClientNotification } from './types.js';

/** A CreatePermission or ChannelBind transaction finished. */
type RequestDone = DoneActorEvent<StunTransactionOutcome, `request.${number}`>;

/**
 * Every event `turnClientMachine` takes. An app sends only the
 * `TurnClientCommand`s (`actor.send({ type: 'send', peer, data })`); the
 * rest are the machine's own (its flow's messages, its timers, its
 * finished transactions).
 */
export type TurnClientEvent = TurnClientCommand | ClientIoEvent | TimerEvent | RequestDone;

/**
 * The STUN transaction as this machine uses it: a request's input in, its
 * outcome out. (The machine's full type names src/stun's unexported context
 * type, which this module's declaration file could not name; nothing of it is
 * used here.)
 */
const transaction = stunTransactionMachine as unknown as ActorLogic<Snapshot<StunTransactionOutcome>, EventObject, StunTransactionInput, ActorSystem<ActorSystemInfo>>;

/** The longest delay timers take (setTimeout's signed 32-bit milliseconds). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const COMMANDS: ReadonlySet<string> = new Set(['permission.create', 'permission.drop', 'channel.bind', 'send', 'refresh', 'release']);

/** The outcome of an invoked transaction (Allocate, Refresh, release), if the event is its end. */
function outcomeOf(event: { type: string }): StunTransactionOutcome | undefined {
  return event.type.startsWith('xstate.done.actor.') && 'output' in event ? (event.output as StunTransactionOutcome) : undefined;
}

/**
 * The TURN client (RFC 8656) as an XState machine: one allocation on one
 * server over one flow, in the states drawn at the top of this file
 * (allocating, allocated, releasing, released, failed). Commands come in as
 * events (`TurnClientCommand`), news goes out as emitted notifications
 * (`actor.on('turn.data', ...)`), and its output is how it ended
 * (`TurnClientEnd`). Start it with `startTurnClient`, `startSimTurnClient`
 * or `startNodeTurnClient`, which give it a clock.
 *
 * @example
 * const { actor } = startSimTurnClient(world, 'alice', { server: turn.address, credentials: { username: 'alice', password: 'secret' } });
 * const result = await whenAllocated(actor);
 * if (result.ok) actor.send({ type: 'permission.create', peers: [bob] });
 */
export const turnClientMachine = setup({
  types: {
    input: {} as TurnClientInput,
    context: {} as TurnClientContext,
    events: {} as TurnClientEvent,
    emitted: {} as TurnClientNotification,
    output: {} as TurnClientEnd,
  },
  actors: { transaction, io: clientIo },
  delays: {
    /** libwebrtc's schedule: a minute before the lifetime ends (timing.ts). */
    refreshDelay: ({ context }) => allocationRefreshDelayMs(context.allocation?.lifetime ?? 0),
    // Capped where timers overflow (2^31 - 1 ms, about 24.8 days): a server's LIFETIME is untrusted, and the Refresh comes within the hour anyway.
    lifetimeEnd: ({ context }) => Math.min((context.allocation?.lifetime ?? 0) * 1000, LONGEST_TIMER_MS),
    keepalive: ({ context }) => context.keepaliveMs,
  },
  guards: {
    /** The invoked Allocate, Refresh or release ended with this verdict. */
    verdict: ({ context, event }, params: { kind: JudgedKind; is: 'success' | 'retry' }) => {
      const outcome = outcomeOf(event);
      return outcome !== undefined && verdictOf(context, outcome, params.kind, context.attempt).verdict === params.is;
    },
    releaseWanted: ({ context }) => context.releaseWanted,
    /** A `refresh` command's LIFETIME fits the attribute (RFC 8656 §18.2: 32 bits of seconds) and is not the release's 0. */
    lifetimeAskable: ({ event }) => event.type === 'refresh' && (event.lifetime === undefined || (Number.isInteger(event.lifetime) && event.lifetime > 0 && event.lifetime <= 0xffffffff)),
    keepaliveOn: ({ context }) => context.keepaliveMs > 0,
  },
  actions: {
    learnAllocation: enqueueActions(({ context, event, enqueue }) => {
      const outcome = outcomeOf(event);
      const verdict = outcome && verdictOf(context, outcome, 'allocate', context.attempt);
      if (verdict?.verdict !== 'success' || verdict.allocation === undefined) return;
      const allocation = verdict.allocation;
      const { relayed, mapped, lifetime } = allocation;
      enqueue.assign({ allocation });
      applyEffects(enqueue, context, {
        records: [{ kind: 'turn.client.allocation', fields: { event: 'allocated', relayed: endpointOf(relayed), ...(mapped ? { mapped: endpointOf(mapped) } : {}), lifetime, refreshInMs: allocationRefreshDelayMs(lifetime) } }],
        notify: [notification(context, { type: 'turn.allocated', allocation })],
      });
    }),
    learnLifetime: enqueueActions(({ context, event, enqueue }) => {
      const outcome = outcomeOf(event);
      const verdict = outcome && verdictOf(context, outcome, 'refresh', context.attempt);
      if (verdict?.verdict !== 'success' || verdict.lifetime === undefined || context.allocation === undefined) return;
      const lifetime = verdict.lifetime;
      enqueue.assign({ allocation: { ...context.allocation, lifetime }, refreshLifetime: undefined });
      applyEffects(enqueue, context, {
        records: [{ kind: 'turn.client.allocation', fields: { event: 'refreshed', method: 'Refresh', lifetime, refreshInMs: allocationRefreshDelayMs(lifetime) } }],
        notify: [notification(context, { type: 'turn.refreshed', lifetime })],
      });
      enqueue.raise({ type: 'lifetime.renewed' });
    }),
    /** 401 or 438: new realm and nonce; the same request goes again (its invoked transaction restarts). */
    learnChallenge: enqueueActions(({ context, event, enqueue }, params: { kind: 'allocate' | 'refresh' | 'release' }) => {
      const outcome = outcomeOf(event);
      const verdict = outcome && verdictOf(context, outcome, params.kind, context.attempt);
      if (verdict?.verdict !== 'retry') return;
      enqueue.assign({ auth: verdict.auth, attempt: { signed: true, staleRetried: context.attempt.staleRetried || verdict.why === 'stale-nonce' } });
      const method = params.kind === 'allocate' ? 'Allocate' : 'Refresh';
      enqueue(() => record(context, 'turn.client.allocation', { event: verdict.why === 'challenged' ? 'challenged' : 'stale-nonce', method }));
    }),
    freshAttempt: assign({ attempt: ({ context }) => freshAttempt(context.auth) }),
    settleEnd: assign({ end: ({ context, event }, params: { kind: TurnClientEnd['kind'] }) => endOf(context, event, params.kind) }),
    announceEnd: enqueueActions(({ context, enqueue }) => {
      const end = context.end;
      if (end === undefined) return;
      const what = end.kind === 'allocate-failed' ? 'failed' : end.kind === 'released' ? 'released' : 'ended';
      const code = 'code' in end && end.code !== undefined ? { code: end.code } : {};
      const reason = 'reason' in end && end.reason !== undefined ? end.reason : end.kind;
      applyEffects(enqueue, context, {
        records: [{ kind: 'turn.client.allocation', fields: { event: what, reason, ...code } }],
        notify: [notification(context, { type: 'turn.ended', end })],
      });
    }),
    sendKeepalive: sendTo('io', ({ context }) => ({ type: 'io.transmit' as const, bytes: encodeKeepalive(context.random) })),
    /** Runs an operation of operations.ts for the event, and applies its effects. */
    operate: enqueueActions(({ context, event, enqueue }) => {
      const effects = operation(context, event);
      if (effects !== undefined) applyEffects(enqueue, context, effects);
    }),
    /** A command the current state cannot carry out: say so (ARCHITECTURE.md, principle 5). */
    refuse: enqueueActions(({ context, event, enqueue }, params: { reason: string }) => {
      if (COMMANDS.has(event.type)) applyEffects(enqueue, context, refused(context, event.type as TurnClientCommand['type'], params.reason));
    }),
    traceIgnored: ({ context, event }) => {
      if (event.type === 'io.ignored') record(context, 'turn.client.ignore', { from: endpointOf(event.from), reason: event.reason });
    },
    wantRelease: assign({ releaseWanted: true }),
    askedLifetime: assign({ refreshLifetime: ({ event }) => (event.type === 'refresh' ? event.lifetime : undefined) }),
  },
}).createMachine({
  id: 'turnClient',
  context: ({ input }) => initialContext(input),
  invoke: { id: 'io', src: 'io', input: ({ context }) => ({ flow: context.input.flow }) },
  initial: 'allocating',
  on: {
    // RFC 8656 §3.1: over TCP the allocation lives and dies with the connection; a UDP socket that cannot send is as good as closed.
    'io.closed': { target: '.failed', actions: { type: 'settleEnd', params: { kind: 'transport-closed' } } },
    'io.ignored': { actions: 'traceIgnored' },
  },
  states: {
    allocating: {
      invoke: {
        id: 'allocate',
        src: 'transaction',
        input: ({ context }) => transactionInput(context, { kind: 'allocate', ...lifetimeOf(context.input.lifetime) }),
        onDone: [
          { guard: { type: 'verdict', params: { kind: 'allocate', is: 'retry' } }, target: 'allocating', reenter: true, actions: { type: 'learnChallenge', params: { kind: 'allocate' } } },
          { guard: { type: 'verdict', params: { kind: 'allocate', is: 'success' } }, target: 'allocated', actions: 'learnAllocation' },
          { target: 'failed', actions: { type: 'settleEnd', params: { kind: 'allocate-failed' } } },
        ],
      },
      on: {
        // The Allocate may already have made the allocation: release it as soon as it is known.
        release: { actions: 'wantRelease' },
        'permission.create': { actions: { type: 'refuse', params: { reason: 'no allocation yet' } } },
        'permission.drop': { actions: { type: 'refuse', params: { reason: 'no allocation yet' } } },
        'channel.bind': { actions: { type: 'refuse', params: { reason: 'no allocation yet' } } },
        send: { actions: { type: 'refuse', params: { reason: 'no allocation yet' } } },
        refresh: { actions: { type: 'refuse', params: { reason: 'no allocation yet' } } },
      },
    },
    allocated: {
      type: 'parallel',
      always: { guard: 'releaseWanted', target: 'releasing' },
      on: {
        release: 'releasing',
        'permission.create': { actions: 'operate' },
        'permission.drop': { actions: 'operate' },
        'permission.due': { actions: 'operate' },
        'channel.bind': { actions: 'operate' },
        'channel.due': { actions: 'operate' },
        'xstate.done.actor.request.*': { actions: 'operate' },
        send: { actions: 'operate' },
        'io.data-indication': { actions: 'operate' },
        'io.channel-data': { actions: 'operate' },
      },
      states: {
        /** RFC 8656 §7: the allocation ends when its lifetime does, unless a Refresh renewed it. */
        lifetime: {
          initial: 'running',
          states: {
            running: {
              after: { lifetimeEnd: { target: '#turnClient.failed', actions: { type: 'settleEnd', params: { kind: 'expired' } } } },
              on: { 'lifetime.renewed': { target: 'running', reenter: true } },
            },
          },
        },
        refresh: {
          initial: 'waiting',
          states: {
            waiting: {
              id: 'refreshWaiting',
              after: { refreshDelay: 'refreshing' },
              on: {
                refresh: [
                  { guard: 'lifetimeAskable', target: 'refreshing', actions: 'askedLifetime' },
                  { actions: { type: 'refuse', params: { reason: 'LIFETIME must be a whole number of seconds, 1 to 2^32 - 1 (release deletes the allocation)' } } },
                ],
              },
            },
            /** One Refresh; after a 438 it goes again with the new nonce, keeping the attempt (a second 438 fails). */
            refreshing: {
              entry: 'freshAttempt',
              initial: 'asking',
              on: { refresh: { actions: { type: 'refuse', params: { reason: 'a Refresh is already in flight' } } } },
              states: {
                asking: {
                  invoke: {
                    id: 'refresh',
                    src: 'transaction',
                    input: ({ context }) => transactionInput(context, { kind: 'refresh', ...lifetimeOf(context.refreshLifetime ?? context.input.lifetime) }),
                    onDone: [
                      { guard: { type: 'verdict', params: { kind: 'refresh', is: 'retry' } }, target: 'asking', reenter: true, actions: { type: 'learnChallenge', params: { kind: 'refresh' } } },
                      { guard: { type: 'verdict', params: { kind: 'refresh', is: 'success' } }, target: '#refreshWaiting', actions: 'learnLifetime' },
                      { target: '#turnClient.failed', actions: { type: 'settleEnd', params: { kind: 'refresh-failed' } } },
                    ],
                  },
                },
              },
            },
          },
        },
        /** Over UDP: a Binding indication every so often keeps the NAT mapping of the 5-tuple (types.ts). */
        keepalive: {
          initial: 'deciding',
          states: {
            deciding: { always: [{ guard: 'keepaliveOn', target: 'ticking' }, { target: 'off' }] },
            ticking: { after: { keepalive: { target: 'ticking', reenter: true, actions: 'sendKeepalive' } } },
            off: {},
          },
        },
      },
    },
    releasing: {
      entry: 'freshAttempt',
      initial: 'asking',
      on: {
        'io.closed': { target: 'released', actions: { type: 'settleEnd', params: { kind: 'released' } } },
        release: { actions: { type: 'refuse', params: { reason: 'already releasing' } } },
        'permission.create': { actions: { type: 'refuse', params: { reason: 'the allocation is being released' } } },
        'permission.drop': { actions: { type: 'refuse', params: { reason: 'the allocation is being released' } } },
        'channel.bind': { actions: { type: 'refuse', params: { reason: 'the allocation is being released' } } },
        send: { actions: { type: 'refuse', params: { reason: 'the allocation is being released' } } },
        refresh: { actions: { type: 'refuse', params: { reason: 'the allocation is being released' } } },
      },
      states: {
        asking: {
          invoke: {
            id: 'release',
            src: 'transaction',
            input: ({ context }) => transactionInput(context, { kind: 'refresh', lifetime: 0 }),
            onDone: [
              { guard: { type: 'verdict', params: { kind: 'release', is: 'retry' } }, target: 'asking', reenter: true, actions: { type: 'learnChallenge', params: { kind: 'release' } } },
              { target: '#turnClient.released', actions: { type: 'settleEnd', params: { kind: 'released' } } },
            ],
          },
        },
      },
    },
    released: { type: 'final', entry: 'announceEnd' },
    failed: { type: 'final', entry: 'announceEnd' },
  },
  output: ({ context }) => context.end ?? { kind: 'transport-closed', reason: 'stopped' },
});

/** What `applyEffects` needs of XState's `enqueue` (the part of `enqueueActions`' argument it uses). */
interface Enqueue {
  (action: () => void): void;
  assign(values: Partial<TurnClientContext>): void;
  cancel(id: string): void;
  raise(event: TimerEvent, options: { id: string; delay: number }): void;
  spawnChild(src: 'transaction', options: { id: string; input: StunTransactionInput }): void;
  sendTo(to: 'io', event: ClientIoCommand): void;
  emit(event: TurnClientNotification): void;
}

/** Carries out what an operation decided (effects.ts), in its order. */
function applyEffects(enqueue: Enqueue, context: TurnClientContext, effects: Effects): void {
  for (const r of effects.records ?? []) enqueue(() => record(context, r.kind, r.fields as never));
  if (effects.assign !== undefined) enqueue.assign(effects.assign);
  for (const id of effects.cancel ?? []) enqueue.cancel(id);
  for (const timer of effects.timers ?? []) {
    // Raising again under an id does not cancel the earlier timer: cancel it first.
    enqueue.cancel(timer.id);
    enqueue.raise(timer.event, { id: timer.id, delay: timer.delayMs });
  }
  for (const child of effects.spawn ?? []) enqueue.spawnChild('transaction', { id: child.id, input: child.input });
  for (const bytes of effects.transmit ?? []) enqueue.sendTo('io', { type: 'io.transmit', bytes });
  for (const told of effects.notify ?? []) {
    enqueue.emit(told);
    const parent = context.input.parent;
    if (parent !== undefined) enqueue(() => parent.send(told));
  }
}

/** The operation an event of the allocated state calls for. */
function operation(context: TurnClientContext, event: TurnClientEvent): Effects | undefined {
  switch (event.type) {
    case 'permission.create':
      return startPermissions(context, event.peers, false);
    case 'permission.due': {
      const due = permissionsDue(context.permissions, context.channels, event.group);
      return due.length > 0 ? startPermissions(context, due, true) : undefined;
    }
    case 'permission.drop': {
      const dropped = dropPermissions(context.permissions, context.channels, event.peers);
      const gone = Object.keys(context.channels).filter((key) => !(key in dropped.channels));
      return {
        records: [{ kind: 'turn.client.permission', fields: { event: 'dropped', peers: dropped.ips } }],
        assign: { permissions: dropped.permissions, channels: dropped.channels },
        cancel: gone.map((key) => `channel:${key}`),
      };
    }
    case 'channel.bind':
      return startChannelBind(context, event.peer, event.channel, false);
    case 'channel.due': {
      const entry = context.channels[event.key];
      return entry?.state === 'bound' ? startChannelBind(context, entry.peer, entry.channel, true) : undefined;
    }
    case 'send':
      return sendData(context, event.peer, event.data);
    case 'io.data-indication':
      return deliverDataIndication(context, event.peer, event.data);
    case 'io.channel-data':
      return deliverChannelData(context, event.channel, event.data);
    default: {
      const outcome = outcomeOf(event);
      return outcome !== undefined && 'actorId' in event ? settleRequest(context, String(event.actorId), outcome) : undefined;
    }
  }
}

/** A running TURN client (`createActor(turnClientMachine, ...)`). */
export type TurnClientActor = Actor<typeof turnClientMachine>;
