/**
 * Candidate pairs and how a check list's pairs are formed, RFC 8445 §6.1.2.2
 * to §6.1.2.5, with ICE-TCP's rule from RFC 6544 §6.2:
 *
 *   pair every local with every remote candidate that can reach it (§6.1.2.2)
 *   → compute pair priorities and sort (§6.1.2.3)
 *   → replace reflexive local candidates by their base, drop redundant pairs (§6.1.2.4)
 *   → keep at most the configured number of pairs over the check list set (§6.1.2.5).
 *
 * Pure functions over plain data; check-list states are in checklist.ts.
 */

import type { IceCandidate } from '../wire/ice-candidate.js';
import { isIPv6LinkLocal } from './address.js';
import { addressFamily } from '../io/address.js';
import { baseKey, candidateAddressKey, isOwnBase, type LocalCandidate } from './candidate.js';
import { pairPriorityFor, type IceRole } from './priority.js';

export type PairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

export interface CandidatePair {
  /** Names the pair by its local and remote transport addresses and component: see {@link pairId}. */
  readonly id: string;
  readonly local: LocalCandidate;
  readonly remote: IceCandidate;
  readonly component: number;
  /** RFC 8445 §6.1.2.6: "the combination of the foundations of the local and remote candidates". */
  readonly foundation: string;
  /** RFC 8445 §6.1.2.3, as the agent's role sees it. */
  readonly priority: bigint;
  /**
   * The local priority `priority` was computed from: the local candidate's,
   * or, where §6.1.2.4 replaced a reflexive candidate by its base, the
   * reflexive candidate's (the pair keeps the rank it was pruned with).
   */
  readonly localPriority: number;
  readonly state: PairState;
  /**
   * The next check on this pair nominates it: the controlling agent sends it
   * with USE-CANDIDATE (§8.1.1), or the controlled agent received a request
   * with USE-CANDIDATE and its triggered check is pending (§7.3.1.5).
   */
  readonly nominate: boolean;
}

/** RFC 8445 §6.1.2.5: the default limit on pairs over the check list set (it "MUST be configurable"). */
export const DEFAULT_MAX_PAIRS = 100;

/** A pair's identity: component, local transport address, remote transport address. */
export function pairId(local: IceCandidate, remote: IceCandidate): string {
  return `${candidateAddressKey(local)} -> ${candidateAddressKey(remote)}`;
}

/** The pair, frozen and not nominating, with its priority for `role`. */
export function makePair(local: LocalCandidate, remote: IceCandidate, role: IceRole): CandidatePair {
  return {
    id: pairId(local, remote),
    local,
    remote,
    component: local.component,
    foundation: `${local.foundation}:${remote.foundation}`,
    priority: pairPriorityFor(role, local.priority, remote.priority),
    localPriority: local.priority,
    state: 'frozen',
    nominate: false,
  };
}

/**
 * Whether ICE may pair these two (RFC 8445 §6.1.2.2, RFC 6544 §6.2): same
 * component, same transport, same IP family (a host name that is not yet
 * resolved has none), link-local IPv6 only with link-local, and for TCP an
 * active end with a passive one or simultaneous-open with simultaneous-open.
 * A TCP candidate without tcptype counts as passive, as in libwebrtc.
 */
export function canPair(local: IceCandidate, remote: IceCandidate): boolean {
  if (local.component !== remote.component || local.transport !== remote.transport) return false;
  const family = addressFamily(local.address);
  if (family === undefined || family !== addressFamily(remote.address)) return false;
  if (isIPv6LinkLocal(local.address) !== isIPv6LinkLocal(remote.address)) return false;
  if (local.transport === 'tcp') {
    const l = local.tcpType ?? 'passive';
    const r = remote.tcpType ?? 'passive';
    return (l === 'active' && r === 'passive') || (l === 'passive' && r === 'active') || (l === 'so' && r === 'so');
  }
  return true;
}

/** Decreasing pair priority (§6.1.2.3); equal priorities by lower component, then by id, so that the order is total. */
export function comparePairs(a: CandidatePair, b: CandidatePair): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  if (a.component !== b.component) return a.component - b.component;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The pairs of one check list, frozen, sorted and pruned (§6.1.2.2-§6.1.2.4).
 *
 * Pruning, literally: pairs are formed and ordered with their own local
 * candidates; then each reflexive local candidate is replaced by its base
 * (the local candidate whose transport address is that base: checks are sent
 * from the base); then a pair is dropped if a higher-priority pair has the
 * same local base and the same remote candidate. The pair kept carries the
 * highest priority of its group. A reflexive candidate whose base (with the
 * same tcptype, for ICE-TCP) is not among `locals` cannot be sent from and
 * forms no pair.
 */
export function formPairs(locals: readonly LocalCandidate[], remotes: readonly IceCandidate[], role: IceRole): CandidatePair[] {
  const bases = new Map(locals.filter(isOwnBase).map((c) => [`${candidateAddressKey(c)} ${c.tcpType ?? ''}`, c] as const));
  const formed: CandidatePair[] = [];
  for (const local of locals) {
    const base = isOwnBase(local) ? local : bases.get(`${baseKey(local)} ${local.tcpType ?? ''}`);
    if (base === undefined) continue;
    for (const remote of remotes) {
      if (!canPair(local, remote) || !canPair(base, remote)) continue;
      const ranked = makePair(local, remote, role);
      formed.push(base === local ? ranked : { ...makePair(base, remote, role), priority: ranked.priority, localPriority: local.priority });
    }
  }
  formed.sort(comparePairs);
  const seen = new Set<string>();
  return formed.filter((p) => !seen.has(p.id) && seen.add(p.id));
}

/**
 * RFC 8445 §6.1.2.5: at most `maxPairs` over the whole check list set,
 * discarding lowest-priority pairs "evenly so that the number of candidate
 * pairs in each checklist is reduced the same amount": one pair from each
 * check list that still has pairs in turn, from the last check list to the
 * first (the first is the most important in the usage's order), until the
 * total fits. (The RFC says "until the total … is smaller than the limit";
 * read with its "limit of candidate pairs … is 100", at most the limit is kept.)
 * Each list must be sorted; its order is kept.
 */
export function limitPairs<P extends CandidatePair>(lists: readonly (readonly P[])[], maxPairs: number = DEFAULT_MAX_PAIRS): P[][] {
  if (!Number.isInteger(maxPairs) || maxPairs < 0) throw new RangeError(`the pair limit must be a whole number, not ${maxPairs}`);
  const kept = lists.map((l) => l.length);
  let total = kept.reduce((a, b) => a + b, 0);
  while (total > maxPairs) {
    for (let i = kept.length - 1; i >= 0 && total > maxPairs; i--) {
      if ((kept[i] as number) > 0) {
        kept[i] = (kept[i] as number) - 1;
        total--;
      }
    }
  }
  return lists.map((l, i) => l.slice(0, kept[i]));
}

/** The pair with its priority recomputed for `role` (after a role change, §7.3.1.1). */
export function withRole(pair: CandidatePair, role: IceRole): CandidatePair {
  return { ...pair, priority: pairPriorityFor(role, pair.localPriority, pair.remote.priority) };
}
