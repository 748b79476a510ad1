/**
 * Connectivity checks (RFC 8445 §6.1.4, §7.2, §8.1) on the sans-IO check
 * list of checklist.ts: which check goes on each tick of Ta, the STUN
 * transaction that carries it, what its outcome means, nomination by the
 * controlling agent, and the selected pair.
 *
 * One data stream with one component: WebRTC bundles everything on one
 * transport and multiplexes RTCP (RFC 8843, RFC 8035), so libwebrtc's agent
 * runs one check list of component 1; so does this one.
 *
 * Choices where the RFC leaves one:
 * - RTO of a check (§14.3): MAX(500 ms, Ta × (waiting + in-progress pairs)),
 *   doubling as STUN's (RFC 8489 §6.2.1), given up after `checkTimeoutMs`
 *   (15 s, libwebrtc's CONNECTION_WRITE_TIMEOUT; see agent-types.ts).
 * - Nomination (§8.1.1): regular nomination of the best valid pair, as soon
 *   as no pair of higher priority can still succeed, or `nominationDelayMs`
 *   after the first valid pair (libwebrtc selects at once and may switch a
 *   second later, its receiving_switching_delay; without renomination, RFC
 *   8445 allows one nomination, so the agent waits that second before it
 *   commits). libwebrtc's own default is semi-aggressive nomination (IceConfig
 *   default_nomination_mode SEMI_AGGRESSIVE, with a note of its authors that
 *   the default should become regular nomination): USE-CANDIDATE on its pings to whatever it has
 *   selected. This agent does RFC 8445's regular nomination.
 */
import { mappedAddress } from '../stun/client.js';
import { datagramFlow } from '../stun/flow.js';
import { formatAddress } from '../io/address.js';
import type { StunTransactionOutcome } from '../stun/transaction.js';
import type { InFlightCheck, Step } from './agent-context.js';
import { baseById, baseOf, retireGenerationsBefore } from './bases.js';
import { findLocalCandidate, type LocalCandidate } from './candidate.js';
import { buildCheckRequest } from './check-request.js';
import {
  changeRole,
  checkFailed,
  checkSucceeded,
  hasNomination,
  nextCheck,
  nominate,
  retrigger,
  selectedPair,
  type CheckList,
  type ScheduledCheck,
} from './checklist.js';
import { startConsent } from './consent.js';
import { checkSymmetry } from './symmetry.js';
import { computeFoundation } from './foundation.js';
import { comparePairs, type CandidatePair } from './pairing.js';
import { peerReflexivePriority, type IceRole } from './priority.js';
import { addCandidates } from './trickle.js';

/** Both sides' candidates are all known: the check list may fail (RFC 8838 §8). */
export function candidatesComplete(step: Step): boolean {
  const gen = step.gen;
  return gen.gathering === 'complete' && gen.remoteEnd && gen.resolving === 0;
}

/** Local candidates that form pairs: not prflx ones (they come from checks), only relayed ones under the relay policy. */
export function pairableLocals(step: Step): LocalCandidate[] {
  return step.gen.locals.filter((c) => c.type !== 'prflx' && (!step.options.relayOnly || c.type === 'relay'));
}

/** The candidates changed: the pairs are formed again once the step's rules have run (`formPairsNow`). */
export function refreshCheckList(step: Step): void {
  step.candidatesChanged = true;
}

/** Pairs formed again from all candidates (trickle.ts): new ones waiting or frozen, the list failing only once both sides are complete. */
export function formPairsNow(step: Step): void {
  step.candidatesChanged = false;
  const [next] = addCandidates([step.gen.checkList], 0, { locals: pairableLocals(step), remotes: step.gen.remotes, candidatesComplete: candidatesComplete(step) }, { role: step.ctx.role });
  setCheckList(step, next as CheckList, []);
}

/** One tick of Ta (§6.1.4.2): the next check, if any. False when there is nothing to check. */
export function tick(step: Step): boolean {
  const ctx = step.ctx;
  if (step.gen.remote === undefined || ctx.closed || ctx.failed !== undefined) return false;
  const scheduled = nextCheck([step.gen.checkList], 0, ctx.role);
  if (scheduled === undefined) return false;
  setCheckList(step, scheduled.set[0] as CheckList, []);
  sendCheck(step, scheduled);
  return true;
}

function sendCheck(step: Step, scheduled: ScheduledCheck): void {
  const { pair } = scheduled;
  const gen = step.gen;
  const base = baseOf(step, pair.local);
  if (base === undefined || gen.remote === undefined) {
    setCheckList(step, checkFailed([gen.checkList], 0, pair.id, pair.nominate)[0] as CheckList, []);
    return;
  }
  const { random, trace, agent, timing } = step.options;
  const busy = gen.checkList.pairs.filter((p) => p.state === 'waiting' || p.state === 'in-progress').length;
  const rtoMs = Math.max(500, timing.taMs * busy);
  const priority = peerReflexivePriority(pair.local.priority, pair.local.transport);
  const check = buildCheckRequest({ local: gen.local, remote: gen.remote, priority, role: step.ctx.role, tieBreaker: step.ctx.tieBreaker, useCandidate: scheduled.useCandidate, random });
  const id = step.id('check');
  const remote = { address: pair.remote.address, port: pair.remote.port };
  step.spawn({
    src: 'transaction',
    id,
    input: { flow: datagramFlow(base.transport, remote), request: check.request, key: check.key, random, timing: { rtoMs, timeoutMs: timing.checkTimeoutMs }, agent, ...(trace ? { trace } : {}) },
  });
  step.update({ checks: { ...step.ctx.checks, [id]: { pair: pair.id, generation: gen.generation, base: base.id, remote, role: step.ctx.role, priority, nominating: pair.nominate, transaction: check.transaction } } });
  step.updateGen({ checking: true });
  step.record('ice.check', { pair: pair.id, event: 'sent', transaction: check.transaction, triggered: scheduled.triggered, useCandidate: scheduled.useCandidate, rtoMs });
  if (scheduled.useCandidate) step.record('ice.nomination', { pair: pair.id, event: 'nominating' });
}

/** A check's transaction ended (§7.2.5). */
export function checkDone(step: Step, id: string, outcome: StunTransactionOutcome): void {
  const check = step.ctx.checks[id];
  if (check === undefined) return;
  const { [id]: _done, ...rest } = step.ctx.checks;
  step.update({ checks: rest });
  if (check.generation !== step.gen.generation) return;
  const list = step.gen.checkList;
  const pair = list.pairs.find((p) => p.id === check.pair);
  if (pair === undefined) return;

  // §7.3.1.4: a cancelled check's answer still counts; its silence does not fail the pair.
  if (check.cancelled && outcome.kind !== 'success') return;
  if (outcome.kind === 'error' && outcome.code === 487) {
    // §7.2.5.1: switch role unless a request already did, and check the pair again.
    step.record('ice.check', { pair: pair.id, event: 'role-conflict', transaction: check.transaction, reason: '487 Role Conflict' });
    if (check.role === step.ctx.role) switchRole(step, other(check.role), 'the peer answered a check with 487 (RFC 8445 §7.2.5.1)');
    setCheckList(step, retrigger([step.gen.checkList], 0, pair.id)[0] as CheckList, []);
    return;
  }
  if (outcome.kind !== 'success') return checkFailedFor(step, check, list, pair, outcome.kind === 'error' ? `${outcome.code} ${outcome.reason}` : outcome.kind);
  // §7.2.5.2.1: the response must come from where the request went, and arrive where it left from. The
  // transaction hears only its base's socket (datagramFlow), so it arrived at the base's address.
  const base = baseById(step, check.base)?.address;
  if (base === undefined) return checkFailedFor(step, check, list, pair, 'its base is closed');
  const symmetry = checkSymmetry({ source: base, destination: check.remote }, { source: outcome.from, destination: base });
  if (!symmetry.symmetric) return checkFailedFor(step, check, list, pair, symmetry.reason);
  const mapped = mappedAddress(outcome.response);
  if (mapped === undefined) return checkFailedFor(step, check, list, pair, 'the response has no XOR-MAPPED-ADDRESS');

  let local = findLocalCandidate(step.gen.locals, pair.component, pair.local.transport, mapped);
  if (local === undefined) local = learnLocalPrflx(step, pair.local, { address: mapped.address, port: mapped.port }, check.priority);
  step.record('ice.check', { pair: pair.id, event: 'succeeded', transaction: check.transaction, mapped: formatAddress(mapped) });
  const update = checkSucceeded([step.gen.checkList], 0, pair.id, local, step.ctx.role, check.nominating);
  setCheckList(step, update.set[0] as CheckList, update.cancel);
}

/** The check failed (§7.2.5.2, §7.2.5.4): its pair fails, with the reason in the trace. */
function checkFailedFor(step: Step, check: InFlightCheck, list: CheckList, pair: CandidatePair, reason: string): void {
  step.record('ice.check', { pair: pair.id, event: 'failed', transaction: check.transaction, reason });
  setCheckList(step, checkFailed([list], 0, pair.id, check.nominating)[0] as CheckList, []);
}

/** §7.2.5.3.1: the mapped address is no candidate of ours: a peer-reflexive one, with the PRIORITY the check carried. Not signalled. */
function learnLocalPrflx(step: Step, from: LocalCandidate, address: { address: string; port: number }, priority: number): LocalCandidate {
  const candidate: LocalCandidate = {
    foundation: computeFoundation({ type: 'prflx', transport: from.transport, baseAddress: from.base.address }, step.ctx.tieBreaker),
    component: from.component,
    transport: from.transport,
    priority,
    address: address.address,
    port: address.port,
    type: 'prflx',
    relatedAddress: from.base.address,
    relatedPort: from.base.port,
    extensions: [],
    base: from.base,
  };
  step.updateGen({ locals: [...step.gen.locals, candidate] });
  step.record('ice.candidate', { side: 'local', event: 'prflx', type: 'prflx', transport: candidate.transport, address: formatAddress(candidate), priority, foundation: candidate.foundation, base: formatAddress(candidate.base) });
  return candidate;
}

/** Replaces the check list: traces what changed, cancels transactions it says to (§7.3.1.4, §8.1.2), then nominates and selects. */
export function setCheckList(step: Step, next: CheckList, cancel: readonly string[]): void {
  tracePairs(step, step.gen.checkList, next);
  for (const [id, check] of Object.entries(step.ctx.checks)) {
    if (check.generation !== step.gen.generation || !cancel.includes(check.pair) || check.cancelled) continue;
    step.update({ checks: { ...step.ctx.checks, [id]: { ...check, cancelled: true } } });
    step.record('ice.check', { pair: check.pair, event: 'cancelled', transaction: check.transaction });
  }
  step.updateGen({ checkList: next });
  if (next.triggered.length > 0 || next.pairs.some((p) => p.state === 'waiting' || p.state === 'frozen')) step.wake = true;
  noteSelection(step);
  maybeNominate(step);
}

/** The controlling agent's regular nomination (§8.1.1). */
export function maybeNominate(step: Step): void {
  const list = step.gen.checkList;
  if (step.ctx.role !== 'controlling' || list.final || hasNomination(list, 1) || list.pairs.some((p) => p.nominate)) return;
  const best = [...list.valid].sort((a, b) => comparePairs(a.pair, b.pair))[0];
  if (best === undefined) return;
  const better = list.pairs.some((p) => comparePairs(p, best.pair) < 0 && (p.state === 'frozen' || p.state === 'waiting' || p.state === 'in-progress'));
  if (better && !step.gen.nominationDue) {
    if (!step.gen.nominationArmed) {
      step.updateGen({ nominationArmed: true });
      step.timer('nominate', { type: 'timer.nominate', generation: step.gen.generation }, step.options.timing.nominationDelayMs);
    }
    return;
  }
  let next: CheckList;
  try {
    next = nominate([list], 0, best.pair.id)[0] as CheckList;
  } catch {
    return; // the check that produced it is gone: a later valid pair will do
  }
  step.cancel('nominate');
  setCheckList(step, next, []);
}

/** The component has a nominated pair: it is the selected pair (§8.1.1); consent starts on it (RFC 7675). */
function noteSelection(step: Step): void {
  const valid = selectedPair(step.gen.checkList, 1);
  const remote = step.gen.remote;
  if (valid === undefined || remote === undefined) return;
  const current = step.ctx.selected;
  if (current !== undefined && current.generation === step.gen.generation && current.pair.id === valid.pair.id) return;
  const { local, remote: peer } = valid.pair;
  const base = baseOf(step, local);
  if (base === undefined) return;
  const pair = {
    id: valid.pair.id,
    local,
    remote: peer,
    localType: local.type,
    remoteType: peer.type,
    protocol: local.transport,
    ...(base.candidate?.relayProtocol !== undefined ? { relayProtocol: base.candidate.relayProtocol } : {}),
  };
  step.update({ selected: { pair, generation: step.gen.generation, base: base.id, local: step.gen.local, remote } });
  step.record('ice.nomination', { pair: pair.id, event: 'nominated' });
  step.record('ice.selected', {
    pair: pair.id,
    local: formatAddress(local),
    remote: formatAddress(peer),
    localType: pair.localType,
    remoteType: pair.remoteType,
    protocol: pair.protocol,
    ...(pair.relayProtocol !== undefined ? { relayProtocol: pair.relayProtocol } : {}),
  });
  step.emit({ type: 'selected-pair', pair });
  startConsent(step);
  // §9: the previous generation's pair carried the media until now; its sockets can go.
  retireGenerationsBefore(step, step.gen.generation);
  step.update({ previousLocal: undefined });
}

/** §7.3.1.1, §7.2.5.1: the agent takes the other role; pair priorities follow (§6.1.2.3). */
export function switchRole(step: Step, role: IceRole, why: string): void {
  const previous = step.ctx.role;
  if (previous === role) return;
  step.update({ role });
  step.updateGen({ checkList: changeRole([step.gen.checkList], role)[0] as CheckList, nominationArmed: false, nominationDue: false });
  step.cancel('nominate');
  step.record('ice.role', { role, previous, why });
  step.emit({ type: 'role', role });
}

export function other(role: IceRole): IceRole {
  return role === 'controlling' ? 'controlled' : 'controlling';
}

function tracePairs(step: Step, before: CheckList, after: CheckList): void {
  if (!step.tracing) return;
  const old = new Map(before.pairs.map((p) => [p.id, p]));
  for (const p of after.pairs) {
    const o = old.get(p.id);
    if (o !== undefined && o.state === p.state) continue;
    step.record('ice.pair', { pair: p.id, state: p.state, local: p.local.type, remote: p.remote.type, priority: String(p.priority) });
  }
  const kept = new Set(after.pairs.map((p) => p.id));
  for (const p of before.pairs) {
    if (!kept.has(p.id)) step.record('ice.pair', { pair: p.id, state: 'removed', local: p.local.type, remote: p.remote.type, priority: String(p.priority) });
  }
  const wasValid = new Set(before.valid.map((v) => v.pair.id));
  for (const v of after.valid) {
    if (!wasValid.has(v.pair.id)) step.record('ice.pair', { pair: v.pair.id, state: 'valid', local: v.pair.local.type, remote: v.pair.remote.type, priority: String(v.pair.priority) });
  }
}
