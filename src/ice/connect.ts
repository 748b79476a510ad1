/**
 * Two agents wired together in a simulated world: what a signaling server
 * and two JavaScript apps would do, reduced to delivering credentials,
 * candidates and end-of-candidates after a delay on the world's clock.
 *
 *     const link = connectAgents(world, alice, bob, { signalingDelayMs: 150, trickle: 'full' });
 *     const result = runCall(world, link, { timeoutMs: 60_000 });   // or world.runFor(...) and link.result
 *
 * - `trickle: 'full'`: each side sends each candidate as it is gathered
 *   (RFC 8838); `'half'`: the offerer `a` sends all its candidates once its
 *   gathering is complete, the answerer trickles (RFC 8838 §4, half trickle);
 *   `'none'`: both wait for complete gathering (classic RFC 8445 offer/answer).
 * - Each direction is an ordered channel (a signaling server over one
 *   WebSocket is), each message `signalingDelayMs` plus up to `jitterMs` late;
 *   `shuffle` sends a batch of candidates in a random order.
 * - A restart on either side (new `local.credentials`) is signalled too; the
 *   other agent restarts when it sees them (RFC 8445 §9).
 *
 * Every message is traced as `ice.signal`, sent and delivered.
 */
import type { Clock } from '../io/clock.js';
import { cryptoRandom } from '../io/random.js';
import { waitOnClock } from '../stun/actor.js';
import { tracing } from '../stun/trace.js';
import { serializeCandidate, type CandidateType, type IceCandidate } from '../wire/ice-candidate.js';
import type { IceConnectionState, IceTrace } from './agent-trace.js';
import { randomUnit } from './credentials.js';
import type { IceAgentActor } from './agent.js';
import type { SelectedPair } from './agent-types.js';
import type { RelayProtocol } from './priority.js';

/**
 * Where the signaling runs: a simulated world (its clock, trace and seeded
 * random) or, for real sockets, `{ clock: realClock }` (then the jitter and
 * shuffling draw from crypto randomness, and nothing is traced).
 */
export interface SignalingWorld {
  readonly clock: Pick<Clock, 'setTimeout' | 'now'>;
  readonly trace?: IceTrace;
  readonly random?: { fork(label: string): { float(): number } };
}

/** How the simulated signaling carries messages between the two agents. */
export interface ConnectOptions {
  /** One way, ms (default 100). */
  readonly signalingDelayMs?: number;
  /** Each message up to this much later still (the channel stays ordered), ms; default 0. */
  readonly jitterMs?: number;
  readonly trickle?: 'full' | 'half' | 'none';
  /** Send each batch of candidates in a random order. */
  readonly shuffle?: boolean;
  /** For jitter and shuffling: `world.random.fork('signaling')` by default. */
  readonly random?: { float(): number };
}

/** What the matrix reports of a call, from `a`'s side (the offerer, controlling unless a role conflict said otherwise). */
export interface CallResult {
  readonly connected: boolean;
  readonly states: { readonly a: IceConnectionState; readonly b: IceConnectionState };
  readonly local: CandidateType | null;
  readonly remote: CandidateType | null;
  /** How `a`'s packets leave it: the transport to the TURN server for a relayed local candidate, else the candidates' transport. */
  readonly protocol: 'udp' | 'tcp' | null;
  readonly relayProtocol: RelayProtocol | null;
  /** Virtual ms from `connectAgents` to `a` first connected. */
  readonly msToConnected: number | null;
  readonly selected: { readonly a: SelectedPair | null; readonly b: SelectedPair | null };
}

/** Two agents wired by `connectAgents`, and the call's result so far. */
export interface AgentLink {
  readonly a: IceAgentActor;
  readonly b: IceAgentActor;
  readonly startedAt: number;
  /** Each agent is connected (or completed), failed or closed. */
  readonly settled: boolean;
  readonly result: CallResult;
  /** Stops delivering; the agents stay as they are. */
  stop(): void;
}

type Message =
  | { readonly kind: 'credentials'; readonly ufrag: string; readonly pwd: string }
  | { readonly kind: 'candidate'; readonly ufrag: string; readonly candidate: IceCandidate }
  | { readonly kind: 'end-of-candidates'; readonly ufrag: string };

/** Wires two agents' signaling: each one's credentials, candidates and end-of-candidates reach the other (see the top of this file). */
export function connectAgents(world: SignalingWorld, a: IceAgentActor, b: IceAgentActor, options: ConnectOptions = {}): AgentLink {
  const delay = options.signalingDelayMs ?? 100;
  const jitter = options.jitterMs ?? 0;
  const trickle = options.trickle ?? 'full';
  const random = options.random ?? world.random?.fork('signaling') ?? { float: () => randomUnit(cryptoRandom) };
  const startedAt = world.clock.now();
  let stopped = false;
  let connectedAt: number | null = null;
  const label = (x: IceAgentActor) => x.getSnapshot().context.options.agent;
  // Describing a message writes its candidate line out again: skipped when no one reads the trace.
  const traced = () => (tracing(world.trace) ? world.trace : undefined);

  const channel = (from: IceAgentActor, to: IceAgentActor, batched: boolean) => {
    let lastDue = 0;
    let batch: Message[] = [];
    const deliver = (message: Message) => {
      if (stopped || to.getSnapshot().status !== 'active') return;
      traced()?.record('ice.signal', { from: label(from), to: label(to), event: 'delivered', ...describe(message) });
      if (message.kind === 'credentials') to.send({ type: 'remote.credentials', ufrag: message.ufrag, pwd: message.pwd });
      else if (message.kind === 'candidate') to.send({ type: 'remote.candidate', candidate: message.candidate, ufrag: message.ufrag });
      else to.send({ type: 'remote.end-of-candidates', ufrag: message.ufrag });
    };
    const post = (message: Message) => {
      if (stopped) return;
      traced()?.record('ice.signal', { from: label(from), to: label(to), event: 'sent', ...describe(message) });
      const due = Math.max(lastDue, world.clock.now() + delay + jitter * random.float());
      lastDue = due;
      world.clock.setTimeout(() => deliver(message), due - world.clock.now());
    };
    const flush = (ufrag: string) => {
      const messages = options.shuffle ? shuffled(batch, random) : batch;
      batch = [];
      for (const m of messages) if (m.ufrag === ufrag) post(m);
      post({ kind: 'end-of-candidates', ufrag });
    };
    const send = (message: Message) => {
      if (message.kind === 'credentials') {
        batch = [];
        return post(message);
      }
      if (!batched) return post(message);
      if (message.kind === 'candidate') batch.push(message);
      else flush(message.ufrag);
    };
    // An agent begins after the task that started it (agent.ts), so one connected as soon as it
    // started has told nothing yet and every event reaches the listeners below. One connected
    // later has: what it told is in its snapshot, from which it is caught up first.
    const gen = from.getSnapshot().context.gen;
    if (gen.gathering !== 'new') {
      send({ kind: 'credentials', ufrag: gen.local.ufrag, pwd: gen.local.pwd });
      for (const candidate of gen.signalled) send({ kind: 'candidate', ufrag: gen.local.ufrag, candidate });
      if (gen.gathering === 'complete') send({ kind: 'end-of-candidates', ufrag: gen.local.ufrag });
    }
    const subscriptions = [
      from.on('local.credentials', (e) => send({ kind: 'credentials', ufrag: e.ufrag, pwd: e.pwd })),
      from.on('local.candidate', (e) => send({ kind: 'candidate', ufrag: e.ufrag, candidate: e.candidate })),
      from.on('local.end-of-candidates', (e) => send({ kind: 'end-of-candidates', ufrag: e.ufrag })),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  };

  const offA = channel(a, b, trickle !== 'full');
  const offB = channel(b, a, trickle === 'none');
  const watch = a.on('connection-state', (e) => {
    if (connectedAt === null && (e.state === 'connected' || e.state === 'completed')) connectedAt = world.clock.now();
  });

  return {
    a,
    b,
    startedAt,
    get settled() {
      return [a, b].every((x) => {
        const state = x.getSnapshot().context.connectionState;
        return isConnected(state) || state === 'failed' || state === 'closed';
      });
    },
    get result() {
      return resultOf(a, b, connectedAt === null ? null : connectedAt - startedAt);
    },
    stop() {
      stopped = true;
      offA();
      offB();
      watch.unsubscribe();
    },
  };
}

/**
 * Runs the world until the call settles or `timeoutMs` of virtual time has
 * passed, and returns the result (the world keeps everything scheduled after).
 */
export function runCall(world: { readonly clock: { now(): number; peek(): number | undefined; step(): boolean } }, link: AgentLink, options: { readonly timeoutMs?: number } = {}): CallResult {
  const deadline = world.clock.now() + (options.timeoutMs ?? 90_000);
  while (!link.settled) {
    const next = world.clock.peek();
    if (next === undefined || next > deadline) break;
    world.clock.step();
  }
  return link.result;
}

/**
 * Resolves once the call settles, or with where it stands after `timeoutMs`
 * of the agents' time (real time on real sockets). On the simulator's clock
 * the world runs while the program awaits it (src/stun/actor.ts).
 */
export function awaitCall(link: AgentLink, options: { readonly timeoutMs?: number } = {}): Promise<CallResult> {
  const clock = link.a.clock;
  const what = `awaitCall (${link.a.getSnapshot().context.options.agent} and ${link.b.getSnapshot().context.options.agent})`;
  return waitOnClock<CallResult>(clock, what, (resolve) => {
    const check = () => {
      if (link.settled) resolve(link.result);
    };
    const subscriptions = [link.a, link.b].map((x) => x.on('connection-state', check));
    const timer = clock.setTimeout(() => resolve(link.result), options.timeoutMs ?? 30_000);
    check();
    return () => {
      clock.clearTimeout(timer);
      subscriptions.forEach((s) => s.unsubscribe());
    };
  });
}

function resultOf(a: IceAgentActor, b: IceAgentActor, msToConnected: number | null): CallResult {
  const ca = a.getSnapshot().context;
  const cb = b.getSnapshot().context;
  const pair = ca.selected?.pair ?? null;
  const connected = isConnected(ca.connectionState) && isConnected(cb.connectionState);
  return {
    connected,
    states: { a: ca.connectionState, b: cb.connectionState },
    local: connected ? (pair?.localType ?? null) : null,
    remote: connected ? (pair?.remoteType ?? null) : null,
    protocol: connected && pair !== null ? (pair.relayProtocol === 'tcp' ? 'tcp' : pair.protocol) : null,
    relayProtocol: connected ? (pair?.relayProtocol ?? null) : null,
    msToConnected: connected ? msToConnected : null,
    selected: { a: pair, b: cb.selected?.pair ?? null },
  };
}

function isConnected(state: IceConnectionState): boolean {
  return state === 'connected' || state === 'completed';
}

function describe(message: Message): { message: Message['kind']; ufrag: string; candidate?: string } {
  return message.kind === 'candidate' ? { message: 'candidate', ufrag: message.ufrag, candidate: serializeCandidate(message.candidate) } : { message: message.kind, ufrag: message.ufrag };
}

function shuffled<T>(items: readonly T[], random: { float(): number }): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.float() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
