/**
 * The agent's context, and the `Step`: what one event does to it, as data.
 *
 * The concept modules (gathering.ts, checks.ts, answer.ts, consent.ts,
 * restart.ts) are written sans-IO: each takes a Step, replaces parts of its
 * context and lists the effects the event calls for (trace records, emitted
 * events, children to spawn or stop, commands to children, timers). The
 * machine (agent.ts) carries them out in order in one action. So every rule
 * reads as plain code over plain data, and every effect goes through XState.
 */
import type { TransportAddress } from '../io/address.js';
import type { DatagramTransport, StreamTransport } from '../io/transport.js';
import type { RandomSource } from '../io/random.js';
import type { StunTransactionInput } from '../stun/transaction.js';
import type { TurnClientCommand, TurnClientInput } from '../turn/client/types.js';
import type { TraceKind, TraceKinds } from '../sim/trace.js';
import type { IceConnectionState, IceGatheringState, IceTrace } from './agent-trace.js';
import type { IceAgentEmitted, IceAgentInput, IceTiming, IceTurnServer, SelectedPair } from './agent-types.js';
import { DEFAULT_ICE_TIMING } from './agent-types.js';
import type { LocalCandidate } from './candidate.js';
import type { CheckList } from './checklist.js';
import { formCheckListSet } from './checklist.js';
import { generateCredentials, generateTieBreaker, type IceCredentials } from './credentials.js';
import type { IceEnvironment } from './environment.js';
import type { IceRole } from './priority.js';
import type { IceCandidate } from '../wire/ice-candidate.js';
import { cryptoRandom } from '../io/random.js';
import { tracing } from '../stun/trace.js';

/** The input, completed with defaults. */
export interface AgentOptions {
  readonly environment: IceEnvironment;
  readonly stunServers: readonly TransportAddress[];
  readonly turnServers: readonly IceTurnServer[];
  readonly relayOnly: boolean;
  readonly mdns: boolean;
  readonly timing: IceTiming;
  readonly random: RandomSource;
  readonly trace: IceTrace | undefined;
  readonly agent: string;
}

/** A socket the agent sends checks from (RFC 8445 §4 "base"): a host UDP socket, or a TURN allocation. */
export interface Base {
  readonly id: string;
  readonly generation: number;
  readonly kind: 'host' | 'relay';
  readonly transport: DatagramTransport;
  /** The socket's address; a relayed base's is its relayed address. */
  readonly address: TransportAddress;
  /** The candidate this base is, when the agent uses it (a host socket under the relay policy is none). */
  readonly candidate?: LocalCandidate;
  /** The TURN client that carries a relayed base. */
  readonly turn?: string;
}

export interface TurnEntry {
  readonly id: string;
  readonly generation: number;
  readonly server: IceTurnServer;
  /** libwebrtc's relative TURN server priority (basic_port_allocator.cc): the first server the highest. */
  readonly relayPreference: number;
  /** The host base a UDP allocation shares its socket with, or the TCP connection of a TCP one. */
  readonly hostBase?: string;
  readonly stream?: StreamTransport;
  readonly allocated: boolean;
  /** Peer IPs it has been asked to permit (RFC 8656 §9). */
  readonly permitted: readonly string[];
  /** The client has ended (its allocation failed, was released or lost). */
  readonly ended: boolean;
}

/** A check on its way (RFC 8445 §7.2.4), by the id of the transaction child that carries it. */
export interface InFlightCheck {
  readonly pair: string;
  readonly generation: number;
  readonly base: string;
  readonly remote: TransportAddress;
  readonly role: IceRole;
  /** The PRIORITY the request carried: a local prflx candidate learned from it gets it (§7.2.5.3.1). */
  readonly priority: number;
  readonly nominating: boolean;
  readonly transaction: string;
  /**
   * §7.3.1.4 cancelled it (a request for its pair came in): a response still
   * counts, its absence is no failure. (The transaction keeps retransmitting:
   * the STUN machine has no "stop retransmitting" command; libwebrtc does not
   * cancel pings at all.)
   */
  readonly cancelled?: boolean;
}

/** One ICE generation: what an ICE restart starts afresh (RFC 8445 §9). */
export interface Generation {
  readonly generation: number;
  readonly local: IceCredentials;
  readonly remote: IceCredentials | undefined;
  /** Local candidates: host, srflx, relay, and prflx ones learned from responses. */
  readonly locals: readonly LocalCandidate[];
  /** What the agent signalled so far this generation, in order (what `local.candidate` emitted). */
  readonly signalled: readonly IceCandidate[];
  /** Remote candidates as paired: resolved, and prflx ones learned from requests. */
  readonly remotes: readonly IceCandidate[];
  readonly remoteEnd: boolean;
  readonly gathering: IceGatheringState;
  /** Gathering work not yet done: socket binds, srflx transactions, TURN clients. */
  readonly pending: readonly string[];
  /** The srflx Binding transactions of gathering, by child id: from which base, to which server. */
  readonly queries: Readonly<Record<string, { readonly base: string; readonly server: TransportAddress }>>;
  readonly resolving: number;
  readonly checkList: CheckList;
  /** A check was sent or received this generation (RTCIceConnectionState "checking"). */
  readonly checking: boolean;
  /** RFC 8863: the PAC timer has run out. */
  readonly pacExpired: boolean;
  readonly nominationDue: boolean;
  readonly nominationArmed: boolean;
}

export interface Selected {
  readonly pair: SelectedPair;
  readonly generation: number;
  readonly base: string;
  /** The credentials its checks (consent) go with: they outlive a restart until a new pair is selected. */
  readonly local: IceCredentials;
  readonly remote: IceCredentials;
}

export interface AgentContext {
  readonly options: AgentOptions;
  readonly role: IceRole;
  readonly tieBreaker: bigint;
  readonly gen: Generation;
  /** The previous generation's credentials, still answered while its selected pair carries on (§9). */
  readonly previousLocal: IceCredentials | undefined;
  readonly previousRemoteUfrag: string | undefined;
  readonly bases: readonly Base[];
  readonly turns: readonly TurnEntry[];
  readonly checks: Readonly<Record<string, InFlightCheck>>;
  readonly selected: Selected | undefined;
  readonly consent: { readonly inFlight: string | undefined; readonly staleArmed: boolean; readonly stale: boolean };
  readonly failed: string | undefined;
  readonly closed: boolean;
  readonly connectionState: IceConnectionState;
  readonly nextId: number;
}

export function resolveOptions(input: IceAgentInput): AgentOptions {
  return {
    environment: input.environment,
    stunServers: input.stunServers ?? [],
    turnServers: input.turnServers ?? [],
    relayOnly: input.iceTransportPolicy === 'relay',
    mdns: (input.mdnsHostCandidates ?? true) && input.environment.mdns !== undefined,
    timing: { ...DEFAULT_ICE_TIMING, ...input.timing },
    random: input.random ?? cryptoRandom,
    trace: input.trace,
    agent: input.agent ?? 'ice',
  };
}

export function newGeneration(generation: number, random: RandomSource, role: IceRole): Generation {
  const [checkList] = formCheckListSet([{ locals: [], remotes: [], candidatesComplete: false }], { role });
  return {
    generation,
    local: generateCredentials(random),
    remote: undefined,
    locals: [],
    signalled: [],
    remotes: [],
    remoteEnd: false,
    gathering: 'new',
    pending: [],
    queries: {},
    resolving: 0,
    checkList: checkList as CheckList,
    checking: false,
    pacExpired: false,
    nominationDue: false,
    nominationArmed: false,
  };
}

export function initialContext(input: IceAgentInput): AgentContext {
  const options = resolveOptions(input);
  return {
    options,
    role: input.role,
    tieBreaker: generateTieBreaker(options.random),
    gen: newGeneration(0, options.random, input.role),
    previousLocal: undefined,
    previousRemoteUfrag: undefined,
    bases: [],
    turns: [],
    checks: {},
    selected: undefined,
    consent: { inFlight: undefined, staleArmed: false, stale: false },
    failed: undefined,
    closed: false,
    connectionState: 'new',
    nextId: 1,
  };
}

// ---- effects --------------------------------------------------------------------

/** Internal timer events (raised with a delay; a later raise under the same id replaces the earlier). */
export type TimerEvent =
  | { readonly type: 'timer.pac'; readonly generation: number }
  | { readonly type: 'timer.nominate'; readonly generation: number }
  | { readonly type: 'timer.consent-due' }
  | { readonly type: 'timer.consent-stale' }
  | { readonly type: 'timer.consent-expire' };

export interface BaseIoInput {
  readonly base: string;
  readonly transport: DatagramTransport;
}

export type BaseIoCommand = { readonly type: 'io.send'; readonly bytes: Uint8Array; readonly to: TransportAddress };

export interface ResolverInput {
  readonly name: string;
  readonly generation: number;
  readonly candidate: IceCandidate;
  readonly environment: IceEnvironment;
}

export interface GathererInput {
  readonly generation: number;
  readonly environment: IceEnvironment;
  readonly mdns: boolean;
  readonly tcpTurn: readonly { readonly index: number; readonly server: IceTurnServer }[];
}

export type Spawn =
  | { readonly src: 'transaction'; readonly id: string; readonly input: StunTransactionInput }
  | { readonly src: 'baseIo'; readonly id: string; readonly input: BaseIoInput }
  | { readonly src: 'resolver'; readonly id: string; readonly input: ResolverInput }
  | { readonly src: 'gatherer'; readonly id: string; readonly input: GathererInput }
  | { readonly src: 'turnClient'; readonly id: string; readonly input: Omit<TurnClientInput, 'parent'> };

export type Command = { readonly to: string; readonly event: BaseIoCommand | TurnClientCommand };

export type TraceEntry = { [K in TraceKind]: { readonly kind: K; readonly fields: TraceKinds[K] } }[TraceKind];

/** What one event does: the next context and the effects, in order. */
export class Step {
  readonly records: TraceEntry[] = [];
  readonly emitted: IceAgentEmitted[] = [];
  readonly spawns: Spawn[] = [];
  readonly stops: string[] = [];
  readonly commands: Command[] = [];
  /** Timer operations, in order (a cancel after an arm in the same step must win). */
  readonly timers: ({ readonly op: 'arm'; readonly id: string; readonly event: TimerEvent; readonly delayMs: number } | { readonly op: 'cancel'; readonly id: string })[] = [];
  /** Sockets and connections to close, after the commands (a TURN release goes out first). */
  readonly closes: (DatagramTransport | StreamTransport)[] = [];
  /** Candidates came or went: the check list is formed again at the end of the step (once, however many came). */
  candidatesChanged = false;
  /** Work for the check pacer: leave idle. */
  wake = false;

  // Copy on first write: the step works on its own shallow copies of the context and of the
  // generation, made once, instead of spreading both again at every change (an event makes
  // several). The context the step started from, XState's, is never written.
  private ctxOwned = false;
  private genOwned = false;

  constructor(public ctx: AgentContext) {}

  /** Whether this step changed the context at all (the machine assigns it only then). */
  get changed(): boolean {
    return this.ctxOwned;
  }

  get options(): AgentOptions {
    return this.ctx.options;
  }

  get gen(): Generation {
    return this.ctx.gen;
  }

  update(changes: Partial<AgentContext>): void {
    if (!this.ctxOwned) {
      this.ctx = { ...this.ctx };
      this.ctxOwned = true;
    }
    Object.assign(this.ctx, changes);
    // A generation handed in (a restart's new one) is not this step's copy to write to.
    if (changes.gen !== undefined) this.genOwned = false;
  }

  updateGen(changes: Partial<Generation>): void {
    if (!this.genOwned) {
      this.update({ gen: { ...this.ctx.gen } });
      this.genOwned = true;
    }
    Object.assign(this.ctx.gen, changes);
  }

  /** A fresh child id, `<prefix>.<n>`. */
  id(prefix: string): string {
    const n = this.ctx.nextId;
    this.update({ nextId: n + 1 });
    return `${prefix}.${n}`;
  }

  /** Whether records are read by anyone; when not, callers may skip the work of describing what changed. */
  get tracing(): boolean {
    return tracing(this.ctx.options.trace);
  }

  record<K extends TraceKind>(kind: K, fields: Omit<TraceKinds[K], 'agent'>): void {
    if (!this.tracing) return;
    this.records.push({ kind, fields: { agent: this.ctx.options.agent, ...fields } } as unknown as TraceEntry);
  }

  emit(event: IceAgentEmitted): void {
    this.emitted.push(event);
  }

  spawn(spawn: Spawn): void {
    this.spawns.push(spawn);
  }

  stop(id: string): void {
    this.stops.push(id);
  }

  send(to: string, event: BaseIoCommand | TurnClientCommand): void {
    this.commands.push({ to, event });
  }

  closeSocket(base: Pick<Base, 'transport'>): void {
    this.closes.push(base.transport);
  }

  closeStream(stream: StreamTransport): void {
    this.closes.push(stream);
  }

  /** Arms a timer, replacing one of the same id. */
  timer(id: string, event: TimerEvent, delayMs: number): void {
    this.timers.push({ op: 'cancel', id }, { op: 'arm', id, event, delayMs });
  }

  cancel(id: string): void {
    this.timers.push({ op: 'cancel', id });
  }
}
