/**
 * Gathering (RFC 8445 §5.1.1), trickled as it goes (RFC 8838 §4):
 *
 * - host: a UDP socket per interface address (§5.1.1.1), signalled as an
 *   mDNS `<uuid>.local` name when the agent has a responder and
 *   `mdnsHostCandidates` is on, as browsers do (draft-ietf-mmusic-mdns-ice-
 *   candidates §3.1.1: the name replaces the address, never both);
 * - server-reflexive: a Binding request from each host socket to each STUN
 *   server (§5.1.1.2). libwebrtc also asks its UDP TURN servers
 *   (PortConfiguration::StunServers adds them), and so does this agent;
 * - relayed: an allocation on each TURN server over UDP from each host socket
 *   (libwebrtc's shared socket: the TURN client and the host candidate share
 *   it) and over TCP (one connection per TCP server, RFC 8656 §3.1);
 * - redundant candidates are dropped as they come (§5.1.3, RFC 8838 §4: a
 *   candidate already trickled cannot be taken back, so the newcomer goes);
 * - gathering is complete when every bind, Binding transaction and Allocate
 *   has ended, in success or not (bounded by their STUN timeouts).
 *
 * Under `iceTransportPolicy: 'relay'` host sockets are still bound (the TURN
 * clients run over them) but no host or srflx candidate is made.
 *
 * With host addresses hidden behind mDNS names, libwebrtc hides them in the
 * srflx candidate's related address too (raddr 0.0.0.0 rport 0), and gives a
 * relayed candidate the srflx address as its related address: so Chromium
 * 156 writes them in the SDP corpus (test/fixtures/sdp-corpus/chromium156-*-gathered.sdp),
 * and so does this agent, with the extensions Chrome trickles
 * (`generation N ufrag U network-cost 999`; 999 is libwebrtc's cost of an
 * unknown network, what the "any address" networks get).
 */
import { fromCallback, type EventObject } from 'xstate';
import type { DatagramTransport, StreamTransport } from '../io/transport.js';
import { bindingRequest, mappedAddress } from '../stun/client.js';
import { datagramFlow, streamFlow } from '../stun/flow.js';
import { formatAddress } from '../io/address.js';
import type { StunTransactionOutcome } from '../stun/transaction.js';
import type { TurnAllocation } from '../turn/client/types.js';
import { serializeCandidate, type IceCandidate } from '../wire/ice-candidate.js';
import { transportAddressKey } from './address.js';
import type { Base, GathererInput, Step } from './agent-context.js';
import { ioId, permit } from './bases.js';
import { isRedundantWith, type LocalCandidate } from './candidate.js';
import { refreshCheckList } from './checks.js';
import { computeFoundation } from './foundation.js';
import { libwebrtcPriority, type RelayProtocol } from './priority.js';

export type GathererEvent =
  | { readonly type: 'gather.socket'; readonly generation: number; readonly address: string; readonly socket: DatagramTransport; readonly mdnsName?: string }
  | { readonly type: 'gather.socket-failed'; readonly generation: number; readonly address: string; readonly reason: string }
  | { readonly type: 'gather.stream'; readonly generation: number; readonly index: number; readonly stream: StreamTransport };

/** Binds the host sockets, registers their mDNS names, opens the TCP connections to TURN servers. */
export const gatherer = fromCallback<EventObject, GathererInput>(({ input, sendBack }) => {
  const { environment: env, generation } = input;
  let live = true;
  const back = (event: GathererEvent) => {
    if (live) sendBack(event);
  };
  for (const address of env.interfaces) {
    const settle = (socket: DatagramTransport) => {
      if (!live) return socket.close();
      const mdnsName = input.mdns && env.mdns !== undefined ? env.mdns.register(address) : undefined;
      back({ type: 'gather.socket', generation, address, socket, ...(mdnsName !== undefined ? { mdnsName } : {}) });
    };
    const fail = (error: unknown) => back({ type: 'gather.socket-failed', generation, address, reason: error instanceof Error ? error.message : String(error) });
    try {
      const bound = env.bindUdp(address);
      if (bound instanceof Promise) bound.then(settle, fail);
      else settle(bound);
    } catch (error) {
      fail(error);
    }
  }
  for (const { index, server } of input.tcpTurn) back({ type: 'gather.stream', generation, index, stream: env.connectTcp(server.address) });
  return () => {
    live = false;
  };
});

/** Starts gathering the current generation: the gatherer child, and what it leaves pending. */
export function startGathering(step: Step): void {
  const { environment, turnServers, mdns } = step.options;
  const generation = step.gen.generation;
  const tcpTurn = turnServers.flatMap((server, index) => (server.transport === 'tcp' ? [{ index, server }] : []));
  step.updateGen({ gathering: 'gathering', pending: [...environment.interfaces.map((a) => `bind:${a}`), ...tcpTurn.map((t) => `tcp:${t.index}`)] });
  step.record('ice.gathering', { state: 'gathering', generation });
  step.emit({ type: 'gathering-state', state: 'gathering' });
  // Under the relay policy no host candidate is signalled: no name to register.
  step.spawn({ src: 'gatherer', id: `gatherer.${generation}`, input: { generation, environment, mdns: mdns && !step.options.relayOnly, tcpTurn } });
  finishGathering(step);
}

export function socketBound(step: Step, event: Extract<GathererEvent, { type: 'gather.socket' }>): void {
  if (event.generation !== step.gen.generation || step.ctx.closed) {
    step.closeSocket({ transport: event.socket });
    return;
  }
  const { address, port } = event.socket.local;
  const interfaceIndex = step.options.environment.interfaces.indexOf(event.address);
  const host = step.options.relayOnly ? undefined : hostCandidate(step, { address, port }, interfaceIndex);
  const base: Base = { id: step.id('base'), generation: step.gen.generation, kind: 'host', transport: event.socket, address: { address, port }, ...(host ? { candidate: host } : {}) };
  step.update({ bases: [...step.ctx.bases, base] });
  step.spawn({ src: 'baseIo', id: ioId(base), input: { base: base.id, transport: base.transport } });
  if (host !== undefined) addLocal(step, host, signalled(step, host, event.mdnsName));

  const { random, trace, agent, timing } = step.options;
  if (!step.options.relayOnly) {
    for (const server of stunServersOf(step)) {
      const id = step.id('srflx');
      step.spawn({ src: 'transaction', id, input: { flow: datagramFlow(event.socket, server), request: bindingRequest(), random, timing: timing.gathering, agent, ...(trace ? { trace } : {}) } });
      step.updateGen({ pending: [...step.gen.pending, id], queries: { ...step.gen.queries, [id]: { base: base.id, server } } });
    }
  }
  step.options.turnServers.forEach((server, index) => {
    if (server.transport !== 'udp') return;
    startTurnClient(step, index, { hostBase: base.id }, datagramFlow(event.socket, server.address));
  });
  settlePending(step, `bind:${event.address}`);
}

export function socketFailed(step: Step, event: Extract<GathererEvent, { type: 'gather.socket-failed' }>): void {
  if (event.generation !== step.gen.generation) return;
  step.record('note', { text: `${step.options.agent}: no UDP socket on ${event.address}: ${event.reason}` });
  settlePending(step, `bind:${event.address}`);
}

export function streamOpened(step: Step, event: Extract<GathererEvent, { type: 'gather.stream' }>): void {
  if (event.generation !== step.gen.generation || step.ctx.closed) {
    step.closeStream(event.stream);
    return;
  }
  startTurnClient(step, event.index, { stream: event.stream }, streamFlow(event.stream));
  settlePending(step, `tcp:${event.index}`);
}

/** A Binding transaction of gathering ended: a srflx candidate, unless redundant or unanswered. */
export function srflxDone(step: Step, id: string, outcome: StunTransactionOutcome): void {
  const query = step.gen.queries[id];
  if (query === undefined) return;
  const base = step.ctx.bases.find((b) => b.id === query.base);
  const mapped = outcome.kind === 'success' ? mappedAddress(outcome.response) : undefined;
  if (base?.candidate !== undefined && mapped !== undefined) {
    const host = base.candidate;
    const candidate: LocalCandidate = {
      foundation: computeFoundation({ type: 'srflx', transport: 'udp', baseAddress: host.address, server: query.server.address }, step.ctx.tieBreaker),
      component: 1,
      transport: 'udp',
      priority: libwebrtcPriority({ type: 'srflx', transport: 'udp', component: 1, address: host.address, networkPreference: networkPreference(host.priority) }),
      address: mapped.address,
      port: mapped.port,
      type: 'srflx',
      relatedAddress: host.address,
      relatedPort: host.port,
      extensions: [],
      base: host.base,
      server: query.server.address,
    };
    // libwebrtc (UDPPort::OnStunBindingRequestSucceeded) keeps a srflx equal to its host address when the host
    // went out under an mDNS name: a host with a public address is otherwise unreachable from outside its LAN.
    addLocal(step, candidate, signalled(step, candidate), step.options.mdns);
  }
  settlePending(step, id);
}

/** An allocation: a relayed candidate (its own base, §5.1.1.2) and a base that sends through the TURN client. */
export function turnAllocated(step: Step, clientId: string, allocation: TurnAllocation, relayed: DatagramTransport): void {
  const entry = step.ctx.turns.find((t) => t.id === clientId);
  if (entry === undefined || entry.allocated) return;
  step.update({ turns: step.ctx.turns.map((t) => (t === entry ? { ...t, allocated: true } : t)) });
  if (entry.generation === step.gen.generation && !step.ctx.closed) {
    const relayProtocol: RelayProtocol = entry.server.transport;
    const { address, port } = allocation.relayed;
    const candidate: LocalCandidate = {
      foundation: computeFoundation({ type: 'relay', transport: 'udp', baseAddress: address, server: entry.server.address.address, relayProtocol }, step.ctx.tieBreaker),
      component: 1,
      transport: 'udp',
      priority: libwebrtcPriority({ type: 'relay', transport: 'udp', component: 1, address, relayProtocol, relayPreference: entry.relayPreference }),
      address,
      port,
      type: 'relay',
      ...(allocation.mapped !== undefined ? { relatedAddress: allocation.mapped.address, relatedPort: allocation.mapped.port } : {}),
      extensions: [],
      base: { address, port },
      server: entry.server.address.address,
      relayProtocol,
    };
    const base: Base = { id: step.id('base'), generation: entry.generation, kind: 'relay', transport: relayed, address: { address, port }, candidate, turn: clientId };
    step.update({ bases: [...step.ctx.bases, base] });
    step.spawn({ src: 'baseIo', id: ioId(base), input: { base: base.id, transport: relayed } });
    addLocal(step, candidate, signalled(step, candidate));
    // Permissions for the peer's candidates so far (RFC 8656 §9); later ones get theirs as they come (remote.ts).
    permit(step, step.gen.remotes, clientId);
  }
  settlePending(step, clientId);
}

/** A TURN client ended (failed, released, expired): its pending gathering, if any, is over. */
export function turnEnded(step: Step, clientId: string): void {
  step.update({ turns: step.ctx.turns.map((t) => (t.id === clientId ? { ...t, ended: true } : t)) });
  settlePending(step, clientId);
}

/** A new local candidate: trickled unless redundant (RFC 8838 §4), then paired. */
/** `keepRedundant`: redundant with its host candidate is no reason to drop it (only with another srflx is). */
export function addLocal(step: Step, candidate: LocalCandidate, toSignal: IceCandidate | undefined, keepRedundant = false): void {
  const described = { type: candidate.type, transport: candidate.transport, address: formatAddress(candidate), priority: candidate.priority, foundation: candidate.foundation, base: formatAddress(candidate.base) };
  const server = { ...(candidate.server !== undefined ? { server: candidate.server } : {}), ...(candidate.relayProtocol !== undefined ? { relayProtocol: candidate.relayProtocol } : {}) };
  const others = keepRedundant ? step.gen.locals.filter((l) => l.type !== 'host') : step.gen.locals;
  if (isRedundantWith(candidate, others)) {
    step.record('ice.candidate', { side: 'local', event: 'redundant', ...described, ...server, reason: 'same address and base as a candidate already gathered (RFC 8445 §5.1.3)' });
    return;
  }
  step.updateGen({ locals: [...step.gen.locals, candidate] });
  const line = toSignal === undefined ? undefined : serializeCandidate(toSignal);
  step.record('ice.candidate', { side: 'local', event: candidate.type === 'prflx' ? 'prflx' : 'gathered', ...described, ...server, ...(line !== undefined ? { signalled: line } : {}) });
  if (toSignal !== undefined) step.updateGen({ signalled: [...step.gen.signalled, toSignal] });
  if (toSignal !== undefined && line !== undefined) step.emit({ type: 'local.candidate', candidate: toSignal, line, ufrag: step.gen.local.ufrag });
  refreshCheckList(step);
}

/** Gathering work done; gathering completes when none is left. */
export function settlePending(step: Step, id: string): void {
  if (!step.gen.pending.includes(id)) return;
  step.updateGen({ pending: step.gen.pending.filter((p) => p !== id) });
  finishGathering(step);
}

function finishGathering(step: Step): void {
  if (step.gen.gathering !== 'gathering' || step.gen.pending.length > 0) return;
  step.updateGen({ gathering: 'complete' });
  step.record('ice.gathering', { state: 'complete', generation: step.gen.generation });
  step.emit({ type: 'gathering-state', state: 'complete' });
  step.emit({ type: 'local.end-of-candidates', ufrag: step.gen.local.ufrag });
  refreshCheckList(step);
}

function startTurnClient(step: Step, index: number, via: { hostBase?: string; stream?: StreamTransport }, flow: ReturnType<typeof datagramFlow>): void {
  const server = step.options.turnServers[index];
  if (server === undefined) return;
  const { random, trace, agent, timing } = step.options;
  const id = step.id('turn');
  const relayPreference = Math.max(0, Math.min(32, step.options.turnServers.length - index));
  step.update({ turns: [...step.ctx.turns, { id, generation: step.gen.generation, server, relayPreference, allocated: false, ended: false, permitted: [], ...via }] });
  step.updateGen({ pending: [...step.gen.pending, id] });
  step.spawn({ src: 'turnClient', id, input: { flow, credentials: server.credentials, random, agent, timing: timing.gathering, ...(trace ? { trace } : {}) } });
}

/** STUN servers, then UDP TURN servers (libwebrtc queries those as STUN servers too), each once. */
function stunServersOf(step: Step) {
  const all = [...step.options.stunServers, ...step.options.turnServers.filter((t) => t.transport === 'udp').map((t) => t.address)];
  const seen = new Set<string>();
  return all.filter((s) => {
    const key = transportAddressKey('udp', s.address, s.port);
    return !seen.has(key) && seen.add(key);
  });
}

/**
 * libwebrtc's network preference: with mDNS on, Chromium gathers on the
 * "any address" networks, preference 0; otherwise it numbers the networks it
 * enumerates from 127 down (rtc_base/network.cc). The srflx candidate shares
 * its host's.
 */
function hostCandidate(step: Step, address: { address: string; port: number }, interfaceIndex: number): LocalCandidate {
  const networkPreference = step.options.mdns ? 0 : Math.max(0, 127 - Math.max(0, interfaceIndex));
  return {
    foundation: computeFoundation({ type: 'host', transport: 'udp', baseAddress: address.address }, step.ctx.tieBreaker),
    component: 1,
    transport: 'udp',
    priority: libwebrtcPriority({ type: 'host', transport: 'udp', component: 1, address: address.address, networkPreference }),
    address: address.address,
    port: address.port,
    type: 'host',
    extensions: [],
    base: address,
  };
}

/** The NIC preference inside a host candidate's priority: the high byte of its local preference (priority.ts). */
function networkPreference(hostPriority: number): number {
  return (Math.floor(hostPriority / 2 ** 8) % 2 ** 16) >> 8;
}

/** The candidate as the agent signals it: a `.local` name for an mDNS host, a srflx's raddr hidden, the extensions Chrome trickles. */
function signalled(step: Step, c: LocalCandidate, mdnsName?: string): IceCandidate {
  const hide = step.options.mdns && c.type === 'srflx';
  const related =
    c.type === 'host' || c.relatedAddress === undefined ? {} : hide ? { relatedAddress: '0.0.0.0', relatedPort: 0 } : { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort };
  return {
    foundation: c.foundation,
    component: c.component,
    transport: c.transport,
    priority: c.priority,
    address: mdnsName ?? c.address,
    port: c.port,
    type: c.type,
    ...related,
    extensions: [
      { name: 'generation', value: String(step.gen.generation) },
      { name: 'ufrag', value: step.gen.local.ufrag },
      { name: 'network-cost', value: '999' },
    ],
  };
}
