/**
 * The ICE agent (RFC 8445, with trickle ICE RFC 8838, consent freshness RFC
 * 7675 and mDNS host candidates) as an XState machine.
 *
 *     running ─┬─ begin (on the clock, after the task that started the agent)
 *              ├─ pacing: idle ⇄ ticking (a check every Ta, §6.1.4.2)
 *              └─ every other event: one `operate` step (below)
 *        │ close
 *        ▼
 *     closing (TURN allocations released) ──▶ closed (sockets closed)
 *
 * Each event is one sans-IO step (agent-context.ts): the concept modules
 * decide, in plain functions over plain data, and `carryOut` performs what
 * they decided through XState: trace records, emitted events, children
 * spawned and stopped (STUN transactions for checks, consent and srflx; TURN
 * clients; one io actor per base; mDNS resolvers; the gatherer), commands to
 * children, delayed events. Time is the actor's clock (a VirtualClock in the
 * simulator), randomness and IO come in through the input: the same machine
 * runs on simulated and real sockets.
 *
 * - gathering.ts: host, mDNS, srflx, relay candidates; gathering states;
 * - remote.ts: the peer's credentials and candidates, mDNS resolution, restart;
 * - checks.ts: Ta, checks, their outcomes, nomination, the selected pair;
 * - answer.ts: answering checks, role conflicts, peer-reflexive candidates;
 * - consent.ts: consent freshness; states.ts: RTCIceConnectionState.
 *
 * An early listener misses nothing. What the agent tells (credentials,
 * candidates, states) are XState emitted events, read with `actor.on(type,
 * ...)`, and an actor can only be listened to once it exists: to whoever
 * calls `startIceAgent`, after it returns. So the agent does not begin
 * (telling its credentials, gathering) while it starts: starting schedules a `begin`
 * event on the actor's own clock with no delay, which XState delivers after
 * the task that started it. On real timers that is the next turn of the
 * event loop; on the simulator's clock it is an event at the same virtual
 * instant, queued in order like any other (same seed, same trace). A
 * listener attached synchronously after `startIceAgent` returns therefore
 * hears the credentials and every candidate. (The alternatives were worse:
 * listeners passed to the start helper would give the agent two ways to be
 * listened to; replaying from the snapshot is what each caller had to do.)
 */
import { formatAddress } from '../io/address.js';
import { assign, enqueueActions, fromCallback, raise, setup, type Actor, type ActorLogic, type ActorSystem, type ActorSystemInfo, type AnyActorRef, type EventObject, type Snapshot } from 'xstate';
import { startActor, type ActorClockOptions } from '../stun/actor.js';
import { stunTransactionMachine, type StunTransactionInput, type StunTransactionOutcome } from '../stun/transaction.js';
import { turnClientMachine, type TurnClientActor } from '../turn/client/machine.js';
import { relayedTransport } from '../turn/client/relayed-transport.js';
import type { TurnClientNotification } from '../turn/client/types.js';
import type { IceCandidate } from '../wire/ice-candidate.js';
import { initialContext, Step, type AgentContext, type ResolverInput, type TimerEvent } from './agent-context.js';
import type { IceAgentCommand, IceAgentEmitted, IceAgentInput } from './agent-types.js';
import { requestArrived } from './answer.js';
import { baseIo, type BaseIoEvent } from './base-io.js';
import { ioId } from './bases.js';
import { checkDone, formPairsNow, maybeNominate, tick } from './checks.js';
import { consentDone, consentDue, consentExpired, consentStale, stopConsent } from './consent.js';
import { gatherer, socketBound, socketFailed, srflxDone, startGathering, streamOpened, turnAllocated, turnEnded, type GathererEvent } from './gathering.js';
import { remoteCandidate, remoteCredentials, remoteEndOfCandidates, resolved, restart as restartGeneration } from './remote.js';
import { publishState } from './states.js';

/** The STUN transaction as a child: its input in, its outcome out (as the TURN client uses it). */
const transaction = stunTransactionMachine as unknown as ActorLogic<Snapshot<StunTransactionOutcome>, EventObject, StunTransactionInput, ActorSystem<ActorSystemInfo>>;

type MdnsAnswer = { readonly type: 'mdns.answer'; readonly generation: number; readonly candidate: IceCandidate; readonly address: string | undefined };

/** Asks the environment's mDNS for a peer's `.local` name. */
const resolver = fromCallback<EventObject, ResolverInput>(({ input, sendBack }) => {
  let live = true;
  input.environment.mdns?.resolve(input.name, (address) => {
    if (live) sendBack({ type: 'mdns.answer', generation: input.generation, candidate: input.candidate, address } satisfies MdnsAnswer);
  });
  return () => {
    live = false;
  };
});

type TurnNotice = { readonly type: 'turn.notification'; readonly client: string; readonly notification: TurnClientNotification };
type Done = { readonly type: `xstate.done.actor.${string}`; readonly output: unknown; readonly actorId?: string };

/** Every event the agent machine takes: commands, its children's news, its timers. */
export type IceAgentEvent =
  | IceAgentCommand
  | GathererEvent
  | BaseIoEvent
  | MdnsAnswer
  | TurnNotice
  | TimerEvent
  | { readonly type: 'checks.wake' }
  | { readonly type: 'checks.idle' }
  /** The agent's first step, scheduled by its start (see the top of this file). */
  | { readonly type: 'agent.begin' }
  | Done;

/** The machine's input (the agent reads no clock: its timers are the actor's, `createActor(machine, { clock })`). */
export type IceAgentMachineInput = IceAgentInput;

const children = (self: AnyActorRef): Record<string, AnyActorRef | undefined> => (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children;

/** One event, decided: the concept modules' rules. */
function decide(step: Step, event: IceAgentEvent, self: AnyActorRef): void {
  switch (event.type) {
    case 'remote.credentials':
      return remoteCredentials(step, { ufrag: event.ufrag, pwd: event.pwd });
    case 'remote.candidate':
      return remoteCandidate(step, event.candidate, event.ufrag);
    case 'remote.end-of-candidates':
      return remoteEndOfCandidates(step, event.ufrag);
    case 'restart':
      return restartStep(step);
    case 'close':
      return closeStep(step);
    case 'gather.socket':
      return socketBound(step, event);
    case 'gather.socket-failed':
      return socketFailed(step, event);
    case 'gather.stream':
      return streamOpened(step, event);
    case 'io.request':
      return requestArrived(step, event.base, event.message, event.from);
    case 'io.garbled': {
      const base = step.ctx.bases.find((b) => b.id === event.base);
      const to = base === undefined ? event.base : formatAddress(base.address);
      return step.record('ice.answer', { from: formatAddress(event.from), to, event: 'ignored', reason: `undecodable: ${event.reason}` });
    }
    case 'io.send-failed':
      return step.record('note', { text: `${step.options.agent}: an answer could not be sent from ${event.base}: ${event.reason}`, by: step.options.agent });
    case 'mdns.answer':
      return resolved(step, event.generation, event.candidate, event.address);
    case 'turn.notification':
      return turnNotice(step, event, self);
    case 'timer.pac':
      if (event.generation === step.gen.generation) step.updateGen({ pacExpired: true });
      return;
    case 'timer.nominate':
      if (event.generation === step.gen.generation) step.updateGen({ nominationDue: true });
      return maybeNominate(step);
    case 'timer.consent-due':
      return consentDue(step);
    case 'timer.consent-stale':
      return consentStale(step);
    case 'timer.consent-expire':
      return consentExpired(step);
    case 'checks.wake':
    case 'checks.idle':
    case 'agent.begin':
      return;
    default: {
      const id = event.actorId ?? event.type.slice('xstate.done.actor.'.length);
      const outcome = event.output as StunTransactionOutcome;
      if (id.startsWith('check.')) return checkDone(step, id, outcome);
      if (id.startsWith('consent.')) return consentDone(step, id, outcome);
      if (id.startsWith('srflx.')) return srflxDone(step, id, outcome);
      // A TURN client ended (failed, released, lost): its done event, the last it sends us.
      if (id.startsWith('turn.')) return turnEnded(step, id);
      return;
    }
  }
}

function turnNotice(step: Step, event: TurnNotice, self: AnyActorRef): void {
  const n = event.notification;
  if (n.type === 'turn.allocated') {
    const actor = children(self)[event.client];
    if (actor !== undefined) turnAllocated(step, event.client, n.allocation, relayedTransport(actor as unknown as TurnClientActor));
  }
}

function restartStep(step: Step): void {
  if (step.ctx.closed) return step.emit({ type: 'refused', command: 'restart', reason: 'the agent is closed' });
  restartGeneration(step, 'restart() was called');
}

/** `close`: no more checks, gathering or consent; TURN allocations released (the machine closes the sockets once they are). */
function closeStep(step: Step): void {
  if (step.ctx.closed) return;
  for (const id of Object.keys(step.ctx.checks)) step.stop(id);
  for (const id of Object.keys(step.gen.queries)) step.stop(id);
  step.stop(`gatherer.${step.gen.generation}`);
  stopConsent(step);
  for (const id of ['pac', 'nominate']) step.cancel(id);
  for (const base of step.ctx.bases) step.stop(ioId(base));
  for (const turn of step.ctx.turns) step.send(turn.id, { type: 'release' });
  step.update({ closed: true, checks: {} });
}

/** Carries out a step's decisions, in order (what `enqueueActions` offers, as far as the step uses it). */
interface Enqueue {
  (action: () => void): void;
  assign(values: Partial<AgentContext>): void;
  cancel(id: string): void;
  raise(event: IceAgentEvent, options?: { id: string; delay: number }): void;
  spawnChild(src: 'transaction' | 'baseIo' | 'resolver' | 'gatherer' | 'turnClient', options: { id: string; systemId?: string; input: unknown }): void;
  stopChild(id: string): void;
  sendTo(to: string, event: EventObject): void;
  emit(event: IceAgentEmitted): void;
}

function carryOut(enqueue: Enqueue, step: Step, self: AnyActorRef, system: ActorSystem<ActorSystemInfo>): void {
  if (step.changed) enqueue.assign(step.ctx);
  const trace = step.options.trace;
  for (const r of step.records) enqueue(() => trace?.record(r.kind, r.fields as never));
  for (const id of step.stops) enqueue.stopChild(id);
  for (const s of step.spawns) {
    if (s.src === 'turnClient') {
      // Its notifications come through `on` (emitted events are delivered after its step, not from inside one of its actions).
      const client = s.id;
      enqueue.spawnChild('turnClient', { id: client, systemId: client, input: s.input });
      enqueue(() => {
        const ref = system.get(client) as TurnClientActor | undefined;
        const tell = (notification: TurnClientNotification) => self.send({ type: 'turn.notification', client, notification });
        ref?.on('turn.allocated', tell);
      });
    } else enqueue.spawnChild(s.src, { id: s.id, input: s.input });
  }
  for (const c of step.commands) enqueue.sendTo(c.to, c.event);
  for (const t of step.timers) {
    if (t.op === 'cancel') enqueue.cancel(t.id);
    else enqueue.raise(t.event, { id: t.id, delay: t.delayMs });
  }
  for (const c of step.closes) enqueue(() => ('close' in c ? c.close() : c.end()));
  for (const e of step.emitted) enqueue.emit(e);
  if (step.wake) enqueue.raise({ type: 'checks.wake' });
}

/** The ICE agent as an XState machine (see the top of this file); `startIceAgent` runs one. */
export const iceAgentMachine = setup({
  types: {
    input: {} as IceAgentMachineInput,
    context: {} as AgentContext,
    events: {} as IceAgentEvent,
    emitted: {} as IceAgentEmitted,
  },
  actors: { transaction, baseIo, resolver, gatherer, turnClient: turnClientMachine },
  delays: {
    /** RFC 8445 §14.2. */
    ta: ({ context }) => context.options.timing.taMs,
  },
  guards: {
    turnsEnded: ({ context }) => context.turns.every((t) => t.ended),
  },
  actions: {
    /** Zero delay on the actor's clock: delivered after the task that started the agent (see the top of this file). */
    scheduleBegin: raise({ type: 'agent.begin' }, { delay: 0 }),
    begin: enqueueActions(({ context, enqueue, self, system }) => {
      // A restart or a close that came first has begun (or ended) the agent already.
      if (context.closed || context.gen.gathering !== 'new') return;
      const step = new Step(context);
      step.emit({ type: 'local.credentials', ufrag: context.gen.local.ufrag, pwd: context.gen.local.pwd });
      startGathering(step);
      if (step.candidatesChanged) formPairsNow(step);
      publishState(step);
      carryOut(enqueue as unknown as Enqueue, step, self, system);
    }),
    operate: enqueueActions(({ context, event, enqueue, self, system }) => {
      const step = new Step(context);
      decide(step, event, self);
      if (step.candidatesChanged) formPairsNow(step);
      publishState(step);
      carryOut(enqueue as unknown as Enqueue, step, self, system);
    }),
    /** One tick of Ta; with nothing to check, the pacer goes idle until there is. */
    tick: enqueueActions(({ context, enqueue, self, system }) => {
      const step = new Step(context);
      const sent = tick(step);
      publishState(step);
      carryOut(enqueue as unknown as Enqueue, step, self, system);
      if (!sent) enqueue.raise({ type: 'checks.idle' });
    }),
    closeSockets: ({ context }) => {
      for (const base of context.bases) if (base.kind === 'host') base.transport.close();
      for (const turn of context.turns) turn.stream?.end();
    },
    forgetBases: assign({ bases: [], turns: [] }),
  },
}).createMachine({
  id: 'iceAgent',
  context: ({ input }) => initialContext(input),
  entry: 'scheduleBegin',
  initial: 'running',
  states: {
    running: {
      on: {
        'agent.begin': { actions: 'begin' },
        close: { target: 'closing', actions: 'operate' },
        '*': { actions: 'operate' },
      },
      initial: 'idle',
      states: {
        idle: { on: { 'checks.wake': 'ticking', 'checks.idle': {} } },
        ticking: {
          after: { ta: { target: 'ticking', reenter: true, actions: 'tick' } },
          on: { 'checks.idle': 'idle', 'checks.wake': {} },
        },
      },
    },
    /** TURN allocations are being released (RFC 8656 §8.1); at most a few seconds. */
    closing: {
      always: { guard: 'turnsEnded', target: 'closed' },
      after: { 3000: 'closed' },
      on: { 'xstate.done.actor.turn.*': { actions: 'operate' }, '*': {} },
    },
    closed: { type: 'final', entry: ['closeSockets', 'forgetBases'] },
  },
});

/** A running ICE agent: `send` commands, `on` its emitted events, `getSnapshot().context` its state. */
export type IceAgentActor = Actor<typeof iceAgentMachine>;

/** The agent's clock: the simulator's VirtualClock; real timers by default. */
export type IceAgentRunOptions = ActorClockOptions;

/**
 * Creates and starts an agent. It begins (credentials, gathering) on its
 * clock right after the current task, so listeners attached as soon as this
 * returns hear everything: `alice.on('local.candidate', ...)`.
 *
 *     const alice = startIceAgent({ environment: simIceEnvironment(world.host('alice'), world.mdns), role: 'controlling',
 *       stunServers: [{ address: '198.51.100.1', port: 3478 }], random: world.random.fork('ice:alice'),
 *       trace: world.trace, agent: 'alice' }, { clock: world.clock });
 */
export function startIceAgent(input: IceAgentInput, options: IceAgentRunOptions = {}): IceAgentActor {
  return startActor(iceAgentMachine, input, options);
}

