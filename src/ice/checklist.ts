/**
 * Check lists, RFC 8445 §6.1.2 to §8.1.2, as plain data and pure functions
 * (sans-IO, in the manner of str0m): no clock, no sockets, no randomness.
 * The agent machine owns time. On each tick of Ta it asks {@link nextCheck}
 * which pair to check, sends the Binding request, and reports what came back
 * with {@link checkSucceeded} or {@link checkFailed}; it reports requests it
 * answered with {@link requestReceived}; the controlling agent nominates with
 * {@link nominate}. Every function returns a new check list set and leaves
 * its argument untouched; where a transaction must be cancelled (§7.3.1.4,
 * §8.1.2) it returns the pair ids, and the agent stops retransmitting them.
 *
 * There is one check list per data stream, in the usage's order (for WebRTC
 * with BUNDLE: one). Each holds its pairs (sorted by priority), its
 * triggered-check queue (FIFO of pair ids, §6.1.4.1) and its valid list
 * (§7.2.5.3.2). Pairs move frozen → waiting → in-progress → succeeded | failed.
 */

import type { IceCandidate } from '../wire/ice-candidate.js';
import type { LocalCandidate } from './candidate.js';
import { comparePairs, DEFAULT_MAX_PAIRS, formPairs, limitPairs, makePair, pairId, withRole, type CandidatePair } from './pairing.js';
import type { IceRole } from './priority.js';

/** RFC 8445 §6.1.2.1. */
export type CheckListState = 'running' | 'completed' | 'failed';

/** RFC 8445 §7.2.5.3.2: a pair a check proved, with its nominated flag. */
export interface ValidPair {
  /** Its local candidate is the one whose address the response mapped: a srflx or prflx candidate behind a NAT. */
  readonly pair: CandidatePair;
  /** The id of the check-list pair whose check produced it; nominating repeats that check (§8.1.1). */
  readonly generatedBy: string;
  readonly nominated: boolean;
}

export interface CheckList {
  readonly state: CheckListState;
  /** The data stream's components: §6.1.2.2's minimum over both agents of the highest component each provides. */
  readonly components: readonly number[];
  /** Decreasing priority ({@link comparePairs}). */
  readonly pairs: readonly CandidatePair[];
  /** §6.1.4.1: pair ids to check at the next opportunity, first in first out. */
  readonly triggered: readonly string[];
  readonly valid: readonly ValidPair[];
  /** False while trickle ICE may still bring candidates: until then a check list cannot fail (RFC 8838). */
  readonly candidatesComplete: boolean;
  /** The state no longer changes: completed, or failed by a failed nomination (§7.2.5.3.4). */
  readonly final: boolean;
}

export type CheckListSet = readonly CheckList[];

/** One data stream's candidates, as the check list is formed from them. */
export interface DataStream {
  readonly locals: readonly LocalCandidate[];
  readonly remotes: readonly IceCandidate[];
  /** Default true. False for trickle ICE until both end-of-candidates are known. */
  readonly candidatesComplete?: boolean;
}

export interface CheckListOptions {
  readonly role: IceRole;
  /** §6.1.2.5: default {@link DEFAULT_MAX_PAIRS}. */
  readonly maxPairs?: number;
}

/** A check chosen by {@link nextCheck}. */
export interface ScheduledCheck {
  readonly set: CheckList[];
  readonly list: number;
  /** Now in progress. Its `nominate` goes back with the answer, as `nominating` of checkSucceeded or checkFailed. */
  readonly pair: CandidatePair;
  /** From the triggered-check queue (§6.1.4.2 step 1) or an ordinary check. */
  readonly triggered: boolean;
  /** Send USE-CANDIDATE: the controlling agent is nominating this pair (§8.1.1). */
  readonly useCandidate: boolean;
}

/** What the agent must do after an update: transactions to cancel (§7.3.1.4, §8.1.2). */
export interface CheckListUpdate {
  readonly set: CheckList[];
  readonly cancel: readonly string[];
}

/** §6.1.2.2: components 1..min(highest local component, highest remote component); none if a side has no candidates. */
export function streamComponents(locals: readonly IceCandidate[], remotes: readonly IceCandidate[]): number[] {
  return Array.from({ length: Math.min(highestComponent(locals), highestComponent(remotes)) }, (_, i) => i + 1);
}

function highestComponent(candidates: readonly IceCandidate[]): number {
  return candidates.reduce((top, c) => Math.max(top, c.component), 0);
}

/**
 * Forms the check list set (§6.1.2): pairs per stream (pairing.ts), the pair
 * limit over the set, then the initial states of §6.1.2.6. A check list with
 * nothing to check and no more candidates to come is failed at once.
 */
export function formCheckListSet(streams: readonly DataStream[], { role, maxPairs = DEFAULT_MAX_PAIRS }: CheckListOptions): CheckList[] {
  const pairs = limitPairs(streams.map((s) => formPairs(s.locals, s.remotes, role)), maxPairs);
  const lists = streams.map(
    (s, i): CheckList => ({
      state: 'running',
      components: streamComponents(s.locals, s.remotes),
      pairs: pairs[i] ?? [],
      triggered: [],
      valid: [],
      candidatesComplete: s.candidatesComplete ?? true,
      final: false,
    }),
  );
  return setInitialStates(lists).map(evaluate);
}

/**
 * RFC 8445 §6.1.2.6: every pair frozen, every check list running, then for
 * each foundation exactly one pair waiting: the first, by lowest component
 * and then highest priority, in the first check list that has the foundation.
 */
export function setInitialStates(set: CheckListSet): CheckList[] {
  const seen = new Set<string>();
  return set.map((list) => {
    const wake = new Set<string>();
    for (const p of [...list.pairs].sort(byComponentThenPriority)) {
      if (!seen.has(p.foundation)) {
        seen.add(p.foundation);
        wake.add(p.id);
      }
    }
    const pairs = list.pairs.map((p) => ({ ...p, state: wake.has(p.id) ? ('waiting' as const) : ('frozen' as const) }));
    return { ...list, state: 'running' as const, final: false, pairs };
  });
}

/**
 * RFC 8445 §6.1.4.2, one tick of Ta: starting at check list `start` (the
 * agent passes the one after the last it used), the first running check list
 * that has something to check gives (1) the head of its triggered-check
 * queue, else (2, if it has no waiting pair) unfreezes one frozen pair per
 * foundation that has no waiting or in-progress pair anywhere in the set, and
 * (3) its highest-priority waiting pair. The pair goes in-progress. Undefined
 * when no check list has anything to check (step 4).
 */
export function nextCheck(set: CheckListSet, start: number, role: IceRole): ScheduledCheck | undefined {
  const n = set.length;
  for (let k = 0; k < n; k++) {
    const index = (((start + k) % n) + n) % n;
    let list = set[index] as CheckList;
    if (list.state !== 'running') continue;

    const [head, ...rest] = list.triggered;
    if (head !== undefined) {
      const pair = findPair(set, index, head);
      const next = replace(set, index, setPairState({ ...list, triggered: rest }, head, 'in-progress'));
      return { set: next, list: index, pair: { ...pair, state: 'in-progress' }, triggered: true, useCandidate: pair.nominate && role === 'controlling' };
    }

    if (!list.pairs.some((p) => p.state === 'waiting')) list = unfreezeIdleFoundations(set, list);
    const waiting = list.pairs.find((p) => p.state === 'waiting');
    if (waiting !== undefined) {
      const next = replace(set, index, setPairState(list, waiting.id, 'in-progress'));
      return { set: next, list: index, pair: { ...waiting, state: 'in-progress' }, triggered: false, useCandidate: waiting.nominate && role === 'controlling' };
    }
  }
  return undefined;
}

/**
 * A check on pair `id` of check list `index` succeeded (§7.2.5.3). `mapped`
 * is the local candidate whose transport address the response's
 * XOR-MAPPED-ADDRESS names: the pair's own local candidate, a known srflx
 * one, or a new prflx one the agent made per §7.2.5.3.1. The valid pair
 * (mapped, the pair's remote) joins a valid list (§7.2.5.3.2); it and the
 * checked pair succeed, and frozen pairs of the same foundation in every
 * check list wait (§7.2.5.3.3). If the check nominated, the valid pair is
 * nominated (§7.2.5.3.4) and its component concludes (§8.1.2).
 * `nominating` says whether the answered transaction was a nomination: the
 * agent passes the `pair.nominate` of the {@link ScheduledCheck} that sent
 * it, so that a late answer to an older, cancelled transaction does not
 * count as one; by default, the pair's flag now. An answer for a pair no
 * longer on the list (its component concluded) changes nothing.
 */
export function checkSucceeded(
  set: CheckListSet,
  index: number,
  id: string,
  mapped: LocalCandidate,
  role: IceRole,
  nominating?: boolean,
): CheckListUpdate {
  const found = set[index]?.pairs.find((p) => p.id === id);
  if (found === undefined) return { set: [...set], cancel: [] };
  const checked = { ...found, nominate: nominating ?? found.nominate };
  const validId = pairId(mapped, checked.remote);
  const has = (l: CheckList | undefined) => l?.pairs.some((p) => p.id === validId) ?? false;
  const home = has(set[index]) ? index : set.findIndex(has);
  const target = home >= 0 ? home : index;
  const listed = set[target]?.pairs.find((p) => p.id === validId);
  const validPair = listed ?? makePair(mapped, checked.remote, role);

  let next = set.map((list, i): CheckList => {
    let l = i === index ? setPairState(list, id, 'succeeded', checked.nominate ? false : found.nominate) : list;
    if (i === target && listed !== undefined) l = setPairState(l, validId, 'succeeded');
    const pairs = l.pairs.map((p) => (p.state === 'frozen' && p.foundation === checked.foundation ? { ...p, state: 'waiting' as const } : p));
    return { ...l, pairs };
  });

  const list = next[target] as CheckList;
  const known = list.valid.find((v) => v.pair.id === validId);
  const entry: ValidPair = { pair: { ...validPair, state: 'succeeded', nominate: false }, generatedBy: known?.generatedBy ?? id, nominated: checked.nominate || (known?.nominated ?? false) };
  const valid = known === undefined ? [...list.valid, entry] : list.valid.map((v) => (v === known ? entry : v));
  next = replace(next, target, { ...list, valid });
  return checked.nominate ? concludeComponent(next, target, checked.component) : { set: next.map(evaluate), cancel: [] };
}

/**
 * A check on pair `id` failed (§7.2.5.2: timeout, error response,
 * non-symmetric addresses). A failed nomination also removes the valid pairs
 * the pair produced and fails the check list for good (§7.2.5.3.4);
 * `nominating` as for {@link checkSucceeded}. A pair no longer on the list
 * changes nothing.
 */
export function checkFailed(set: CheckListSet, index: number, id: string, nominating?: boolean): CheckList[] {
  const pair = set[index]?.pairs.find((p) => p.id === id);
  if (pair === undefined) return [...set];
  const nomination = nominating ?? pair.nominate;
  const list = setPairState(set[index] as CheckList, id, 'failed', nomination ? false : pair.nominate);
  if (!nomination) return replace(set, index, list).map(evaluate);
  const valid = list.valid.filter((v) => v.generatedBy !== id);
  return replace(set, index, { ...list, valid, state: 'failed', final: true }).map(evaluate);
}

/**
 * The agent answered a Binding request (§7.3.1.4) received on `local` (a
 * host or relayed candidate) from `remote` (known, or the prflx candidate the
 * agent made per §7.3.1.3). The pair (local, remote) gets a triggered check:
 * succeeded pairs are left alone, an in-progress pair's transaction is
 * cancelled and the pair queued again, waiting, frozen and failed pairs are
 * queued, and a pair not on the list is inserted by priority and queued. A
 * controlled agent told USE-CANDIDATE nominates the pair's valid pair if it
 * succeeded, or when its triggered check succeeds (§7.3.1.5). Once a
 * component has a nominated pair, requests still get answered but trigger
 * nothing (§8.1.2). A pair inserted here does not count against the pair
 * limit: only the authenticated peer can make the agent insert pairs.
 */
export function requestReceived(
  set: CheckListSet,
  index: number,
  local: LocalCandidate,
  remote: IceCandidate,
  role: IceRole,
  useCandidate = false,
): CheckListUpdate {
  const list = set[index] as CheckList;
  if (list.final || hasNomination(list, local.component)) return { set: [...set], cancel: [] };
  const nominating = useCandidate && role === 'controlled';
  const id = pairId(local, remote);
  const existing = list.pairs.find((p) => p.id === id);

  if (existing?.state === 'succeeded') {
    const produced = list.valid.find((v) => v.generatedBy === id) ?? list.valid.find((v) => v.pair.id === id);
    if (!nominating || produced === undefined) return { set: [...set], cancel: [] };
    const valid = list.valid.map((v) => (v === produced ? { ...v, nominated: true } : v));
    return concludeComponent(replace(set, index, { ...list, valid }), index, local.component);
  }

  const pair: CandidatePair = { ...(existing ?? makePair(local, remote, role)), state: 'waiting', nominate: (existing?.nominate ?? false) || nominating };
  const pairs = existing === undefined ? [...list.pairs, pair].sort(comparePairs) : list.pairs.map((p) => (p.id === id ? pair : p));
  const triggered = list.triggered.includes(id) ? list.triggered : [...list.triggered, id];
  const cancel = existing?.state === 'in-progress' ? [id] : [];
  return { set: replace(set, index, { ...list, pairs, triggered }).map(evaluate), cancel };
}

/**
 * The controlling agent nominates valid pair `validId` (§8.1.1): the check
 * that produced it is queued again, to be sent with USE-CANDIDATE. Throws if
 * the component already has a nominated pair (the RFC forbids a second
 * nomination without an ICE restart) or the pair is not valid.
 */
export function nominate(set: CheckListSet, index: number, validId: string): CheckList[] {
  const list = set[index] as CheckList;
  const valid = list.valid.find((v) => v.pair.id === validId);
  if (valid === undefined) throw new Error(`${validId} is not on the valid list`);
  if (hasNomination(list, valid.pair.component)) throw new Error(`component ${valid.pair.component} already has a nominated pair`);
  const owns = (l: CheckList | undefined) => l?.pairs.some((p) => p.id === valid.generatedBy) ?? false;
  const at = owns(list) ? index : set.findIndex(owns); // §7.2.5.3.2 case 2: the check may sit on another check list
  const home = set[at];
  if (home === undefined) throw new Error(`the check that produced ${validId} is no longer on a check list`);
  const pairs = home.pairs.map((p) => (p.id === valid.generatedBy ? { ...p, nominate: true } : p));
  const triggered = home.triggered.includes(valid.generatedBy) ? home.triggered : [...home.triggered, valid.generatedBy];
  return replace(set, at, { ...home, pairs, triggered });
}

/**
 * RFC 8445 §7.2.5.1: a check answered with 487 (Role Conflict) puts its pair
 * back into the triggered-check queue, waiting, once the agent has switched
 * role. A pair no longer on the list changes nothing.
 */
export function retrigger(set: CheckListSet, index: number, id: string): CheckList[] {
  const list = set[index];
  if (list === undefined || !list.pairs.some((p) => p.id === id)) return [...set];
  const pairs = list.pairs.map((p) => (p.id === id ? { ...p, state: 'waiting' as const } : p));
  const triggered = list.triggered.includes(id) ? list.triggered : [...list.triggered, id];
  return replace(set, index, { ...list, pairs, triggered }).map(evaluate);
}

/** After a role change (§7.3.1.1), pair priorities are recomputed and the lists sorted again. */
export function changeRole(set: CheckListSet, role: IceRole): CheckList[] {
  return set.map((l) => ({
    ...l,
    pairs: l.pairs.map((p) => withRole(p, role)).sort(comparePairs),
    valid: l.valid.map((v) => ({ ...v, pair: withRole(v.pair, role) })),
  }));
}

/** The selected pair of a component (§8.1.1): its nominated valid pair, the highest-priority one if a RFC 5245 peer nominated several. */
export function selectedPair(list: CheckList, component: number): ValidPair | undefined {
  const nominated = list.valid.filter((v) => v.nominated && v.pair.component === component);
  return nominated.sort((a, b) => comparePairs(a.pair, b.pair))[0];
}

/** RFC 8445 §6.1.3: completed if every check list is, failed if every one is, running otherwise. */
export function iceState(set: CheckListSet): CheckListState {
  if (set.length > 0 && set.every((l) => l.state === 'completed')) return 'completed';
  if (set.length > 0 && set.every((l) => l.state === 'failed')) return 'failed';
  return 'running';
}

// ---- internals (the exported ones are shared with trickle.ts, not part of the package API) ----

/** §6.1.2.6 and §6.1.4.2's order for choosing within a foundation: lowest component, then highest priority. */
export function byComponentThenPriority(a: CandidatePair, b: CandidatePair): number {
  return a.component !== b.component ? a.component - b.component : comparePairs(a, b);
}

function findPair(set: CheckListSet, index: number, id: string): CandidatePair {
  const pair = set[index]?.pairs.find((p) => p.id === id);
  if (pair === undefined) throw new Error(`no pair ${id} on check list ${index}`);
  return pair;
}

/** The set with check list `index` replaced. */
export function replace(set: CheckListSet, index: number, list: CheckList): CheckList[] {
  return set.map((l, i) => (i === index ? list : l));
}

function setPairState(list: CheckList, id: string, state: CandidatePair['state'], nominate?: boolean): CheckList {
  return { ...list, pairs: list.pairs.map((p) => (p.id === id ? { ...p, state, nominate: nominate ?? p.nominate } : p)) };
}

/** Whether `component` of the check list has a nominated valid pair. */
export function hasNomination(list: CheckList, component: number): boolean {
  return list.valid.some((v) => v.nominated && v.pair.component === component);
}

/** §6.1.4.2 step 2: one frozen pair per foundation with nothing waiting or in progress anywhere in the set. */
function unfreezeIdleFoundations(set: CheckListSet, list: CheckList): CheckList {
  const busy = new Set(set.flatMap((l) => l.pairs.filter((p) => p.state === 'waiting' || p.state === 'in-progress').map((p) => p.foundation)));
  const wake = new Set<string>();
  for (const p of [...list.pairs].sort(byComponentThenPriority)) {
    if (p.state === 'frozen' && !busy.has(p.foundation)) {
      busy.add(p.foundation);
      wake.add(p.id);
    }
  }
  return { ...list, pairs: list.pairs.map((p) => (wake.has(p.id) ? { ...p, state: 'waiting' as const } : p)) };
}

/**
 * §8.1.2: a nominated component's pairs leave the check list and the
 * triggered-check queue (in-progress ones are cancelled); the check list is
 * completed when every component has a nominated pair.
 */
function concludeComponent(set: CheckListSet, index: number, component: number): CheckListUpdate {
  const list = set[index] as CheckList;
  if (list.final) return { set: set.map(evaluate), cancel: [] };
  const gone = new Set(list.pairs.filter((p) => p.component === component).map((p) => p.id));
  const cancel = list.pairs.filter((p) => gone.has(p.id) && p.state === 'in-progress').map((p) => p.id);
  const next = { ...list, pairs: list.pairs.filter((p) => !gone.has(p.id)), triggered: list.triggered.filter((id) => !gone.has(id)) };
  return { set: replace(set, index, next).map(evaluate), cancel };
}

/**
 * The check list's state from its contents (§6.1.2.1, §7.2.5.4, §8.1.2):
 * completed when every component has a nominated pair; failed when nothing
 * is left to check, no more candidates can come, and some component has no
 * valid pair; running otherwise. (§7.2.5.4 calls the success case
 * "Succeeded", a state §6.1.2.1 does not define: the list runs on until the
 * nomination completes it.)
 */
export function evaluate(list: CheckList): CheckList {
  if (list.final) return list;
  const nominated = new Set(list.valid.filter((v) => v.nominated).map((v) => v.pair.component));
  if (list.components.length > 0 && list.components.every((c) => nominated.has(c))) return { ...list, state: 'completed', final: true };
  const pending = list.triggered.length > 0 || list.pairs.some((p) => p.state === 'frozen' || p.state === 'waiting' || p.state === 'in-progress');
  const validComponents = new Set(list.valid.map((v) => v.pair.component));
  const hopeless = list.components.length === 0 || list.components.some((c) => !validComponents.has(c));
  const state = !pending && list.candidatesComplete && hopeless ? 'failed' : 'running';
  return state === list.state ? list : { ...list, state };
}
