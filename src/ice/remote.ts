/**
 * What the peer signals: its credentials, its candidates as they trickle in
 * (RFC 8838), its end-of-candidates; and the ICE restart (RFC 8445 §9) that
 * new credentials from either side start.
 *
 * - A candidate line is untrusted input: one that does not parse, or that
 *   names a generation we are past, is refused with a reason, never thrown.
 * - A `.local` candidate is resolved with mDNS before it is paired, and
 *   dropped if nobody answers (only a host on our LAN can; that is the point
 *   of the names, draft-ietf-mmusic-mdns-ice-candidates §3.2).
 * - A signalled candidate whose address a peer-reflexive one already has
 *   replaces it (RFC 8445 §7.3.1.3: "the agent updates ... the type,
 *   priority and foundation").
 * - New remote candidates get TURN permissions on every relayed base (RFC
 *   8656 §9), as libwebrtc's TurnPort creates one per remote address.
 */
import { formatAddress } from '../io/address.js';
import { parseCandidate, type IceCandidate } from '../wire/ice-candidate.js';
import { addressFamily } from '../io/address.js';
import type { Step } from './agent-context.js';
import { newGeneration } from './agent-context.js';
import type { RemoteCandidateInput } from './agent-types.js';
import { candidateAddressKey } from './candidate.js';
import { permit, retireGenerationsBefore } from './bases.js';
import { refreshCheckList } from './checks.js';
import { stopConsent } from './consent.js';
import { credentialsProblem, type IceCredentials } from './credentials.js';
import { startGathering } from './gathering.js';

export function remoteCredentials(step: Step, credentials: IceCredentials): void {
  const problem = credentialsProblem(credentials);
  if (problem !== undefined) return step.emit({ type: 'refused', command: 'remote.credentials', reason: problem });
  const known = step.gen.remote;
  if (known !== undefined && known.ufrag === credentials.ufrag && known.pwd === credentials.pwd) return;
  // The peer restarted (its ufrag changed): so do we, unless we just did and are waiting for exactly this (§9).
  if (known !== undefined) restart(step, 'the peer signalled new credentials (RFC 8445 §9)');
  step.updateGen({ remote: { ufrag: credentials.ufrag, pwd: credentials.pwd } });
  // RFC 8863 §4: the PAC timer runs from when checks can start.
  step.timer('pac', { type: 'timer.pac', generation: step.gen.generation }, step.options.timing.pacTimeoutMs);
  step.wake = true;
}

export function remoteCandidate(step: Step, input: RemoteCandidateInput, ufrag: string | undefined): void {
  const refuse = (reason: string) => step.emit({ type: 'refused', command: 'remote.candidate', reason });
  let candidate: IceCandidate;
  if (typeof input === 'string') {
    const parsed = parseCandidate(input);
    if (!parsed.ok) return refuse(`not a candidate line: ${parsed.error.message}`);
    candidate = parsed.candidate;
  } else candidate = input;
  if (ufrag !== undefined && !isCurrentRemote(step, ufrag)) return refuse(`the candidate belongs to the peer's generation ${JSON.stringify(ufrag)}, not the current one`);
  if (candidate.component !== 1) return drop(step, candidate, `component ${candidate.component}: this agent runs component 1 only (bundle, rtcp-mux)`);
  if (addressFamily(candidate.address) === undefined) {
    const mdns = step.options.environment.mdns;
    if (!candidate.address.toLowerCase().endsWith('.local') || mdns === undefined) return drop(step, candidate, 'a host name this agent cannot resolve');
    step.updateGen({ resolving: step.gen.resolving + 1 });
    step.spawn({ src: 'resolver', id: step.id('mdns'), input: { name: candidate.address, generation: step.gen.generation, candidate, environment: step.options.environment } });
    return;
  }
  addRemote(step, candidate, 'added');
}

/** An mDNS query came back (resolver child). */
export function resolved(step: Step, generation: number, candidate: IceCandidate, address: string | undefined): void {
  if (generation !== step.gen.generation) return;
  step.updateGen({ resolving: Math.max(0, step.gen.resolving - 1) });
  if (address === undefined) drop(step, candidate, `nobody on our LANs answers for ${candidate.address} (mDNS, RFC 6762 §2)`);
  else addRemote(step, { ...candidate, address }, 'resolved', candidate.address);
  refreshCheckList(step);
}

export function remoteEndOfCandidates(step: Step, ufrag: string | undefined): void {
  if (ufrag !== undefined && !isCurrentRemote(step, ufrag)) return;
  if (step.gen.remoteEnd) return;
  step.updateGen({ remoteEnd: true });
  refreshCheckList(step);
}

function addRemote(step: Step, candidate: IceCandidate, event: 'added' | 'resolved', name?: string): void {
  const key = candidateAddressKey(candidate);
  const existing = step.gen.remotes.find((r) => candidateAddressKey(r) === key);
  if (existing !== undefined && existing.type !== 'prflx') return;
  const remotes = existing === undefined ? [...step.gen.remotes, candidate] : step.gen.remotes.map((r) => (r === existing ? candidate : r));
  step.updateGen({ remotes });
  step.record('ice.candidate', {
    side: 'remote',
    event,
    type: candidate.type,
    transport: candidate.transport,
    address: formatAddress(candidate),
    priority: candidate.priority,
    foundation: candidate.foundation,
    ...(name !== undefined ? { reason: `${name} resolved by mDNS` } : existing !== undefined ? { reason: 'replaces the peer-reflexive candidate of that address (RFC 8445 §7.3.1.3)' } : {}),
  });
  if (candidate.transport === 'udp') permit(step, [candidate]);
  refreshCheckList(step);
}

function drop(step: Step, candidate: IceCandidate, reason: string): void {
  step.record('ice.candidate', { side: 'remote', event: 'dropped', type: candidate.type, transport: candidate.transport, address: formatAddress(candidate), priority: candidate.priority, foundation: candidate.foundation, reason });
}

function isCurrentRemote(step: Step, ufrag: string): boolean {
  const remote = step.gen.remote;
  return remote !== undefined ? remote.ufrag === ufrag : ufrag !== step.ctx.previousRemoteUfrag;
}

/**
 * RFC 8445 §9: new ufrag and pwd, gathering and checks begin again; the
 * selected pair (and its sockets, and the credentials its consent checks
 * use) carries on until the new generation selects one (checks.ts).
 */
export function restart(step: Step, why: string): void {
  const old = step.gen;
  for (const [id, check] of Object.entries(step.ctx.checks)) if (check.generation === old.generation) step.stop(id);
  for (const id of Object.keys(old.queries)) step.stop(id);
  for (const id of ['pac', 'nominate']) step.cancel(id);
  step.stop(`gatherer.${old.generation}`);
  const gen = newGeneration(old.generation + 1, step.options.random, step.ctx.role);
  // A pair whose consent expired carries nothing: it goes now, with its sockets.
  const carrying = step.ctx.selected !== undefined && step.ctx.failed === undefined;
  if (!carrying) {
    stopConsent(step);
    step.update({ selected: undefined });
  }
  step.update({
    gen,
    checks: Object.fromEntries(Object.entries(step.ctx.checks).filter(([, c]) => c.generation !== old.generation)),
    previousLocal: carrying ? old.local : undefined,
    previousRemoteUfrag: old.remote?.ufrag,
    failed: undefined,
  });
  step.record('ice.restart', { generation: gen.generation, ufrag: gen.local.ufrag, why });
  step.emit({ type: 'local.credentials', ufrag: gen.local.ufrag, pwd: gen.local.pwd });
  if (!carrying) retireGenerationsBefore(step, gen.generation);
  startGathering(step);
}
