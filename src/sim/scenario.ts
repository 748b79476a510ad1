/**
 * Scenarios as data: a topology and a script of network-level steps.
 *
 * A script binds sockets, sends datagrams, takes links down and writes notes,
 * each step at a virtual time. It holds no protocol logic: an "answer" is a
 * send addressed to where an earlier, labelled datagram was *seen* to come
 * from (`{ "sourceOf": "label" }`), which is exactly what a server learns from
 * the packets it receives and nothing more.
 *
 * Parsing is strict: a broken scenario file is refused with a `ScenarioError`
 * that lists every problem and where it is, never half-run.
 */
import { formatAddress, parseTransportAddress, type TransportAddress } from '../io/address.js';
import { isObject } from './plain-data.js';
import { TopologyError, type TopologyIssue } from './errors.js';
import { TransportError } from '../io/errors.js';
import { resolveTopology, type TopologyPlan } from './topology.js';
import { type TopologySpec } from './topology-spec.js';
import type { TraceRecordOf } from './trace.js';
import { World, type WorldOptions } from './world.js';
import type { SimUdpSocket } from './udp.js';

/**
 * Where a script's datagram goes: an `"ip:port"`, or `{ sourceOf: label }`,
 * the address an earlier labelled datagram was seen to come from on arrival
 * (after every NAT on its way), which is how a server answers.
 */
export type Destination = string | { readonly sourceOf: string };

/**
 * One step of a scenario's script, at a virtual time `at` (ms from the
 * start): bind a UDP socket, send a labelled datagram, listen on or connect
 * to a TCP port, take a link down or up, or write a note into the trace.
 * Network-level steps only: a script holds no protocol logic.
 */
export type ScriptStep =
  | { readonly at: number; readonly bind: { readonly host: string; readonly socket: string; readonly port?: number; readonly address?: string } }
  | { readonly at: number; readonly send: { readonly socket: string; readonly to: Destination; readonly label: string; readonly data?: string } }
  | { readonly at: number; readonly listen: { readonly host: string; readonly port: number } }
  | { readonly at: number; readonly connect: { readonly host: string; readonly to: string; readonly label: string } }
  | { readonly at: number; readonly link: { readonly attachment: string; readonly up: boolean } }
  | { readonly at: number; readonly note: string };

/**
 * A scenario as data (what a file in `simulations/` holds): a topology, a
 * script of network steps on virtual time, and words for people. Read one
 * with `parseScenario` and play it with `runScenario`.
 */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** What the scenario shows, in a sentence or two. */
  readonly description: string;
  /** Hosts to summarise, in order; default: every host that sent a labelled datagram. */
  readonly focus?: readonly string[];
  readonly topology: TopologySpec;
  readonly script: readonly ScriptStep[];
  /** Virtual time to run after the last step, ms (default 5000). */
  readonly settleMs?: number;
}

/**
 * A scenario file that cannot be run: `issues` lists every problem and where
 * it is (topology problems under `topology.`), and `source` names the file.
 * Thrown by `parseScenario` before anything runs: a broken scenario is never
 * half-run.
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly issues: readonly TopologyIssue[],
  ) {
    super(`${source}: invalid scenario (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
  }
}

/** One labelled datagram and what became of it. */
export interface SendOutcome {
  readonly label: string;
  readonly host: string;
  readonly socket: string;
  readonly to: string;
  /** The packet id, or undefined when the send could not be made (its `sourceOf` never arrived). */
  readonly packet: number | undefined;
  readonly delivered: TraceRecordOf<'packet.deliver'> | undefined;
  readonly dropped: TraceRecordOf<'packet.drop'> | undefined;
  /** For a send to `{ sourceOf }`: the host that sent that earlier datagram, whom this one is aimed at. */
  readonly toward?: string;
  /** A reply: sent by the host that received the earlier datagram (a server answering), not by a third party. */
  readonly reply: boolean;
  /** Why no packet was sent, when none was. */
  readonly skipped?: string;
}

/** One labelled TCP connection attempt and how it ended up. */
export interface ConnectOutcome {
  readonly label: string;
  readonly host: string;
  readonly to: string;
  /** 'open' once the handshake completed (even if closed later); else why it failed: refused, timeout, ... */
  readonly result: string;
}

/** What `runScenario` returns: the world after the run (its trace holds every packet), the seed it ran with, and what became of each labelled datagram and connection. */
export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly world: World;
  readonly outcomes: readonly SendOutcome[];
  readonly connections: readonly ConnectOutcome[];
}

/** Checks an unknown value (parsed JSON) against the scenario format; `source` names it in errors. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const issues: TopologyIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ path, code: 'malformed', message });
  if (!isObject(input)) throw new ScenarioError(source, [{ path: '(top)', code: 'malformed', message: 'a scenario is a JSON object { name, title, description, topology, script }' }]);
  for (const key of Object.keys(input)) {
    if (!['name', 'title', 'description', 'focus', 'topology', 'script', 'settleMs', '$comment'].includes(key)) bad(key, `unknown field ${JSON.stringify(key)}`);
  }
  for (const key of ['name', 'title', 'description'] as const) if (typeof input[key] !== 'string' || input[key] === '') bad(key, 'must be a non-empty string');
  if (input.settleMs !== undefined && !(typeof input.settleMs === 'number' && input.settleMs >= 0 && Number.isFinite(input.settleMs))) bad('settleMs', 'must be a number of ms >= 0');
  if (input.focus !== undefined && !(Array.isArray(input.focus) && input.focus.every((f) => typeof f === 'string'))) bad('focus', 'must be a list of host ids');
  let plan: TopologyPlan | undefined;
  try {
    plan = resolveTopology(input.topology);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    issues.push(...e.issues.map((i) => ({ ...i, path: `topology.${i.path}` })));
  }
  if (!Array.isArray(input.script)) bad('script', 'must be a list of steps');
  else checkScript(input.script, plan, bad);
  if (issues.length > 0) throw new ScenarioError(source, issues);
  return input as unknown as Scenario;
}

const STEP_ACTIONS = ['bind', 'send', 'listen', 'connect', 'link', 'note'];

function checkScript(script: unknown[], plan: TopologyPlan | undefined, bad: (path: string, message: string) => void): void {
  const sockets = new Set<string>();
  const labels = new Set<string>();
  const hosts = plan && new Set(plan.hosts.map((h) => h.id));
  const attachments = plan && new Set([...plan.hosts.flatMap((h) => h.interfaces.map((i) => `${h.id}@${i.realm}`)), ...plan.nats.flatMap((n) => [`${n.id}@${n.inside.realm}`, `${n.id}@${n.outside.realm}`])]);
  const checkHost = (host: unknown, path: string) => {
    if (hosts && typeof host === 'string' && !hosts.has(host)) bad(path, `no host ${JSON.stringify(host)} in the topology (hosts: ${[...hosts].join(', ')})`);
  };
  const checkLabel = (label: string, path: string) => {
    if (labels.has(label)) bad(path, `label ${JSON.stringify(label)} is used twice`);
    labels.add(label);
  };
  const checkAddress = (to: string, path: string) => {
    try {
      parseTransportAddress(to);
    } catch (e) {
      bad(path, (e as Error).message);
    }
  };
  let previousAt = 0;
  script.forEach((step, i) => {
    const path = `script[${i}]`;
    if (!isObject(step)) return bad(path, `a step is an object { at, ${STEP_ACTIONS.join(' | ')} }`);
    if (typeof step.at !== 'number' || !Number.isFinite(step.at) || step.at < 0) return bad(`${path}.at`, 'must be a virtual time in ms >= 0');
    if (step.at < previousAt) bad(`${path}.at`, `steps must be in time order (${step.at} comes after ${previousAt})`);
    previousAt = step.at;
    const actions = Object.keys(step).filter((k) => k !== 'at');
    if (actions.length !== 1 || !STEP_ACTIONS.includes(actions[0]!)) return bad(path, `a step has exactly one of ${STEP_ACTIONS.join(', ')} (got ${actions.join(', ') || 'none'})`);
    if (step.bind !== undefined) {
      const b = step.bind;
      if (!isObject(b) || typeof b.host !== 'string' || typeof b.socket !== 'string') return bad(`${path}.bind`, 'needs { host, socket, port? }');
      if (sockets.has(b.socket)) bad(`${path}.bind.socket`, `socket name ${JSON.stringify(b.socket)} is used twice`);
      checkHost(b.host, `${path}.bind.host`);
      sockets.add(b.socket);
    } else if (step.listen !== undefined) {
      const l = step.listen;
      if (!isObject(l) || typeof l.host !== 'string' || !Number.isInteger(l.port) || (l.port as number) < 1 || (l.port as number) > 65535) return bad(`${path}.listen`, 'needs { host, port (1-65535) }');
      checkHost(l.host, `${path}.listen.host`);
    } else if (step.connect !== undefined) {
      const c = step.connect;
      if (!isObject(c) || typeof c.host !== 'string' || typeof c.to !== 'string' || typeof c.label !== 'string') return bad(`${path}.connect`, 'needs { host, to: "ip:port", label }');
      checkHost(c.host, `${path}.connect.host`);
      checkAddress(c.to, `${path}.connect.to`);
      checkLabel(c.label, `${path}.connect.label`);
    } else if (step.send !== undefined) {
      const s = step.send;
      if (!isObject(s) || typeof s.socket !== 'string' || typeof s.label !== 'string') return bad(`${path}.send`, 'needs { socket, to, label, data? }');
      if (!sockets.has(s.socket)) bad(`${path}.send.socket`, `no socket ${JSON.stringify(s.socket)} was bound before this step`);
      if (typeof s.to === 'string') checkAddress(s.to, `${path}.send.to`);
      else if (!isObject(s.to) || typeof s.to.sourceOf !== 'string') bad(`${path}.send.to`, 'must be "ip:port" or { "sourceOf": "<label of an earlier send>" }');
      else if (!labels.has(s.to.sourceOf)) bad(`${path}.send.to.sourceOf`, `no earlier send is labelled ${JSON.stringify(s.to.sourceOf)}`);
      checkLabel(s.label, `${path}.send.label`);
    } else if (step.link !== undefined) {
      if (!isObject(step.link) || typeof step.link.attachment !== 'string' || typeof step.link.up !== 'boolean') return bad(`${path}.link`, 'needs { attachment: "<node>@<realm>", up: boolean }');
      if (attachments && !attachments.has(step.link.attachment)) bad(`${path}.link.attachment`, `no attachment ${JSON.stringify(step.link.attachment)} (there are: ${[...attachments].join(', ')})`);
    } else if (typeof step.note !== 'string') bad(`${path}.note`, 'must be a string');
  });
}

/** Builds the world, plays the script on virtual time, and runs until the network settles. */
export function runScenario(scenario: Scenario, options: WorldOptions = {}): ScenarioRun {
  const world = new World(scenario.topology, options);
  const sockets = new Map<string, SimUdpSocket>();
  const sent = new Map<string, Omit<SendOutcome, 'label' | 'delivered' | 'dropped'>>();
  const deliveries = new Map<number, TraceRecordOf<'packet.deliver'>>();
  const drops = new Map<number, TraceRecordOf<'packet.drop'>>();
  let lastSent: number | undefined;
  world.trace.subscribe((r) => {
    if (r.kind === 'packet.send') lastSent = r.packet;
    else if (r.kind === 'packet.deliver') deliveries.set(r.packet, r);
    else if (r.kind === 'packet.drop') drops.set(r.packet, r);
  });

  const resolve = (to: Destination): TransportAddress | string => {
    if (typeof to === 'string') return parseTransportAddress(to);
    const earlier = sent.get(to.sourceOf);
    const delivery = earlier?.packet !== undefined ? deliveries.get(earlier.packet) : undefined;
    return delivery ? parseTransportAddress(delivery.src) : `"${to.sourceOf}" never arrived, so nobody knows where it came from`;
  };

  const connections = new Map<string, { host: string; to: string; result: string }>();
  const play = (step: ScriptStep): void => {
    if ('bind' in step) {
      const { host, socket, port, address } = step.bind;
      sockets.set(socket, world.host(host).bindUdp({ ...(port !== undefined ? { port } : {}), ...(address !== undefined ? { address } : {}) }));
    } else if ('send' in step) {
      const socket = sockets.get(step.send.socket)!;
      const to = resolve(step.send.to);
      const earlier = typeof step.send.to === 'string' ? undefined : sent.get(step.send.to.sourceOf);
      const earlierDelivery = earlier?.packet !== undefined ? deliveries.get(earlier.packet) : undefined;
      const base = { host: socket.host, socket: step.send.socket, reply: earlierDelivery?.host === socket.host, ...(earlier ? { toward: earlier.host } : {}) };
      if (typeof to === 'string') {
        world.trace.record('note', { text: `${step.send.label}: not sent: ${to}`, by: 'script' });
        sent.set(step.send.label, { ...base, to: '?', packet: undefined, skipped: to });
        return;
      }
      lastSent = undefined;
      socket.send(new TextEncoder().encode(step.send.data ?? step.send.label), to);
      sent.set(step.send.label, { ...base, to: formatAddress(to), packet: lastSent });
    } else if ('listen' in step) {
      // A listener that accepts and keeps connections open: enough to show whether a handshake gets through.
      world.host(step.listen.host).listenTcp({ port: step.listen.port }, () => {});
    } else if ('connect' in step) {
      const { host, to, label } = step.connect;
      const outcome = { host, to, result: 'pending' };
      connections.set(label, outcome);
      const connection = world.host(host).connectTcp(parseTransportAddress(to));
      connection.onOpen(() => (outcome.result = 'open'));
      connection.onClose((reason) => {
        if (outcome.result === 'pending') outcome.result = reason;
      });
    } else if ('link' in step) {
      world.setLinkUp(step.link.attachment, step.link.up);
    } else {
      world.trace.record('note', { text: step.note, by: 'script' });
    }
  };
  scenario.script.forEach((step, i) => {
    world.clock.scheduleAt(step.at, () => {
      try {
        play(step);
      } catch (e) {
        // A step the world refuses (a port already bound, say) ends the run with the step named.
        if (e instanceof TransportError || e instanceof RangeError) throw new ScenarioError(scenario.name, [{ path: `script[${i}]`, code: 'malformed', message: e.message }]);
        throw e;
      }
    });
  });
  const lastAt = scenario.script.at(-1)?.at ?? 0;
  // Bounded: a scenario's world must settle; the cap turns a runaway into a finished, inspectable run.
  world.run({ until: lastAt + (scenario.settleMs ?? 5_000), maxEvents: 5_000_000 });

  const outcomes = [...sent.entries()].map(([label, s]): SendOutcome => ({
    label,
    ...s,
    delivered: s.packet !== undefined ? deliveries.get(s.packet) : undefined,
    dropped: s.packet !== undefined ? drops.get(s.packet) : undefined,
  }));
  return { scenario, seed: options.seed ?? 1, world, outcomes, connections: [...connections.entries()].map(([label, c]) => ({ label, ...c })) };
}
