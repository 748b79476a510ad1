/**
 * Check lists that grow: Trickle ICE (RFC 8838) forms check lists before all
 * candidates are known, adds pairs as candidates arrive, and lets a check
 * list fail only once both agents have said end-of-candidates. The same
 * re-forming serves a remote peer-reflexive candidate that a later candidate
 * exchange names (RFC 8445 §7.3.1.3: it then takes the signalled foundation
 * and priority).
 *
 * The state of a new pair follows the rule RFC 8445 gives pairs formed at the
 * start: one pair of a foundation new to the set waits (§6.1.2.6), pairs of a
 * foundation that already succeeded somewhere wait (§7.2.5.3.3), the rest
 * are frozen until §6.1.4.2 step 2 wakes them. (RFC 8838's own text on
 * inserting trickled pairs was not at hand when this was written; this rule
 * is RFC 8445's applied to late pairs.)
 */

import { formPairs, comparePairs, DEFAULT_MAX_PAIRS, type CandidatePair } from './pairing.js';
import {
  byComponentThenPriority,
  evaluate,
  hasNomination,
  replace,
  streamComponents,
  type CheckList,
  type CheckListOptions,
  type CheckListSet,
  type DataStream,
} from './checklist.js';

/**
 * New candidates for check list `index` (trickle ICE, or a remote prflx
 * candidate learned to be a signalled one): the pairs are formed again from
 * all of `locals` and `remotes`. Pairs already on the list keep their state
 * (and take the fresh candidates' data); new pairs wait if their foundation
 * is new to the set or has succeeded somewhere, and are frozen otherwise,
 * the rule §6.1.2.6 and §7.2.5.3.3 give pairs formed at the start. New pairs
 * are added, highest priority first, only while the set holds fewer than
 * `maxPairs`; pairs on the list are never dropped. A component that has a
 * nominated pair gets no new pairs (§8.1.2).
 */
export function addCandidates(
  set: CheckListSet,
  index: number,
  stream: DataStream,
  { role, maxPairs = DEFAULT_MAX_PAIRS }: CheckListOptions,
): CheckList[] {
  const list = set[index] as CheckList;
  const old = new Map(list.pairs.map((p) => [p.id, p]));
  const fresh = formPairs(stream.locals, stream.remotes, role);
  const foundations = new Map<string, boolean>();
  for (const p of set.flatMap((l) => l.pairs)) foundations.set(p.foundation, (foundations.get(p.foundation) ?? false) || p.state === 'succeeded');
  const room = Math.max(0, maxPairs - set.reduce((n, l) => n + l.pairs.length, 0));
  const added: CandidatePair[] = [];
  const open = fresh.filter((f) => !old.has(f.id) && !hasNomination(list, f.component));
  for (const p of open.slice(0, room).sort(byComponentThenPriority)) {
    const wake = foundations.get(p.foundation) ?? true;
    foundations.set(p.foundation, foundations.get(p.foundation) ?? false);
    added.push({ ...p, state: wake ? 'waiting' : 'frozen' });
  }
  const refreshed = new Map(fresh.map((p) => [p.id, p]));
  const kept = list.pairs.map((p) => {
    const f = refreshed.get(p.id);
    return f === undefined ? p : { ...p, local: f.local, remote: f.remote, foundation: f.foundation, priority: f.priority, localPriority: f.localPriority };
  });
  const candidatesComplete = stream.candidatesComplete ?? list.candidatesComplete;
  const components = streamComponents(stream.locals, stream.remotes);
  const next: CheckList = { ...list, pairs: [...kept, ...added].sort(comparePairs), components, candidatesComplete };
  return replace(set, index, next).map(evaluate);
}

/** Trickle ICE: both sides' candidates are all known for check list `index`; it may now fail. */
export function endOfCandidates(set: CheckListSet, index: number): CheckList[] {
  return replace(set, index, { ...(set[index] as CheckList), candidatesComplete: true }).map(evaluate);
}
