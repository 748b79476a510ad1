import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { addCandidates, endOfCandidates } from '../../src/ice/trickle.js';
import {
  changeRole,
  checkFailed,
  checkSucceeded,
  formCheckListSet,
  iceState,
  nextCheck,
  nominate,
  requestReceived,
  selectedPair,
  setInitialStates,
  type CheckList,
  type DataStream,
} from '../../src/ice/checklist.js';
import { remotePeerReflexiveFoundation } from '../../src/ice/foundation.js';
import { comparePairs, formPairs, pairId, type CandidatePair } from '../../src/ice/pairing.js';
import { pairPriorityFor, type IceRole } from '../../src/ice/priority.js';
import { host, localCandidates, prflxFor, remote, remoteCandidates, srflx } from './support.js';

/** A check list of the given pairs, as formCheckListSet would start it. */
function list(pairs: CandidatePair[], components = [1]): CheckList {
  return { state: 'running', components, pairs: [...pairs].sort(comparePairs), triggered: [], valid: [], candidatesComplete: true, final: false };
}

/** A pair whose foundation is `foundation`, on local port `port`. */
function pairWith(foundation: string, port: number, component = 1, priority = 1000): CandidatePair {
  const local = { ...host('10.0.0.1', port, { component }), foundation };
  const r = remote('192.0.2.1', 7000, priority, 'x', { component });
  return { id: pairId(local, r), local, remote: r, component, foundation, priority: BigInt(priority + port), localPriority: local.priority, state: 'frozen', nominate: false };
}

const stateOf = (l: CheckList) => Object.fromEntries(l.pairs.map((p) => [p.foundation, p.state]));

describe('initial states (RFC 8445 §6.1.2.6)', () => {
  it('reproduces Table 1: one waiting pair per foundation, in the first check list that has it', () => {
    const m1 = list([pairWith('f1', 1), pairWith('f2', 2), pairWith('f3', 3)]);
    const m2 = list([pairWith('f1', 1), pairWith('f2', 2), pairWith('f3', 3), pairWith('f4', 4)]);
    const m3 = list([pairWith('f1', 1), pairWith('f5', 5)]);
    const [a, b, c] = setInitialStates([m1, m2, m3]);
    expect(stateOf(a!)).toEqual({ f1: 'waiting', f2: 'waiting', f3: 'waiting' });
    expect(stateOf(b!)).toEqual({ f1: 'frozen', f2: 'frozen', f3: 'frozen', f4: 'waiting' });
    expect(stateOf(c!)).toEqual({ f1: 'frozen', f5: 'waiting' });
  });

  it('within a foundation, unfreezes the lowest component first, then the highest priority', () => {
    const rtcp = pairWith('f', 1, 2, 9000);
    const rtpLow = pairWith('f', 2, 1, 10);
    const rtpHigh = pairWith('f', 3, 1, 20);
    const [l] = setInitialStates([list([rtcp, rtpLow, rtpHigh], [1, 2])]);
    expect(l!.pairs.filter((p) => p.state === 'waiting').map((p) => p.id)).toEqual([rtpHigh.id]);
  });

  const streams = fc.array(fc.record({ locals: localCandidates, remotes: remoteCandidates }), { minLength: 1, maxLength: 3 });

  test.prop([streams, fc.constantFrom<IceRole>('controlling', 'controlled')], { numRuns: 300 })(
    'exactly one waiting pair per foundation over the set: the first by component and priority in the first list that has it',
    (ss, role) => {
      const set = formCheckListSet(ss, { role });
      const foundations = new Set(set.flatMap((l) => l.pairs.map((p) => p.foundation)));
      for (const f of foundations) {
        const waiting = set.flatMap((l, i) => l.pairs.filter((p) => p.foundation === f && p.state === 'waiting').map((p) => [i, p] as const));
        expect(waiting).toHaveLength(1);
        const first = set.findIndex((l) => l.pairs.some((p) => p.foundation === f));
        const [index, pair] = waiting[0]!;
        expect(index).toBe(first);
        const rivals = set[first]!.pairs.filter((p) => p.foundation === f);
        for (const r of rivals) expect(r.component > pair.component || (r.component === pair.component && r.priority <= pair.priority)).toBe(true);
      }
      for (const l of set) expect(l.pairs.every((p) => p.state === 'waiting' || p.state === 'frozen')).toBe(true);
      const first = set[0]!;
      expect(first.pairs.filter((p) => p.state === 'waiting').length).toBe(new Set(first.pairs.map((p) => p.foundation)).size);
    },
  );
});

describe('scheduling checks (§6.1.4.2)', () => {
  const h = host('10.0.0.1', 5000);
  const r1 = remote('192.0.2.1', 7000, 2_000_000_000, 'a');
  const r2 = remote('192.0.2.2', 7000, 1_000_000_000, 'a');
  const r3 = remote('192.0.2.3', 7000, 500, 'b');

  it('checks waiting pairs by priority, and unfreezes a foundation only when nothing of it is waiting or in progress', () => {
    const set = formCheckListSet([{ locals: [h], remotes: [r1, r2, r3] }], { role: 'controlling' });
    expect(set[0]!.pairs.map((p) => p.state)).toEqual(['waiting', 'frozen', 'waiting']);
    const c1 = nextCheck(set, 0, 'controlling')!;
    const c2 = nextCheck(c1.set, 0, 'controlling')!;
    expect([c1, c2].map((c) => [c.pair.remote.address, c.triggered])).toEqual([['192.0.2.1', false], ['192.0.2.3', false]]);
    expect(nextCheck(c2.set, 0, 'controlling')).toBeUndefined(); // r2 stays frozen: foundation "a" is in progress
    const c3 = nextCheck(checkFailed(c2.set, 0, c1.pair.id), 0, 'controlling')!;
    expect(c3.pair.remote.address).toBe('192.0.2.2');
    expect(c3.set[0]!.pairs.map((p) => p.state)).toEqual(['failed', 'in-progress', 'in-progress']);
  });

  it('sends the triggered-check queue first, and goes round the running check lists', () => {
    const set = formCheckListSet([{ locals: [h], remotes: [r1] }, { locals: [host('10.0.0.2', 5000)], remotes: [r3] }], { role: 'controlled' });
    const queued = requestReceived(set, 1, host('10.0.0.2', 5000), r2, 'controlled').set;
    const first = nextCheck(queued, 1, 'controlled')!;
    expect(first).toMatchObject({ list: 1, triggered: true, useCandidate: false });
    expect(first.pair.remote).toEqual(r2);
    const second = nextCheck(first.set, 0, 'controlled')!;
    expect(second.list).toBe(0);
  });
});

describe('results of checks (§7.2.5.3)', () => {
  const h = host('10.0.0.1', 5000);
  const s = srflx(h, '203.0.113.5', 6000);
  const r = remote('192.0.2.1', 7000, 2_000_000_000, 'a');

  it('no NAT: the checked pair is the valid pair', () => {
    const set = formCheckListSet([{ locals: [h, s], remotes: [r] }], { role: 'controlling' });
    const c = nextCheck(set, 0, 'controlling')!;
    const { set: after, cancel } = checkSucceeded(c.set, 0, c.pair.id, h, 'controlling');
    expect(cancel).toEqual([]);
    expect(after[0]!.valid).toEqual([{ pair: { ...c.pair, state: 'succeeded' }, generatedBy: c.pair.id, nominated: false }]);
    expect(after[0]!.pairs[0]!.state).toBe('succeeded');
    expect(after[0]!.state).toBe('running');
  });

  it('behind a NAT: the valid pair has the srflx (or a new prflx) local candidate and its own priority', () => {
    const set = formCheckListSet([{ locals: [h, s], remotes: [r] }], { role: 'controlled' });
    const c = nextCheck(set, 0, 'controlled')!;
    const viaSrflx = checkSucceeded(c.set, 0, c.pair.id, s, 'controlled').set[0]!.valid[0]!;
    expect(viaSrflx.pair.local).toBe(s);
    expect(viaSrflx.pair.priority).toBe(pairPriorityFor('controlled', s.priority, r.priority));
    const p = prflxFor(h);
    const viaPrflx = checkSucceeded(c.set, 0, c.pair.id, p, 'controlled').set[0]!.valid[0]!;
    expect(viaPrflx).toMatchObject({ generatedBy: c.pair.id, nominated: false });
    expect(viaPrflx.pair.local).toBe(p);
  });

  it('a success unfreezes the frozen pairs of its foundation in every check list (§7.2.5.3.3)', () => {
    const streams: DataStream[] = [{ locals: [h], remotes: [r] }, { locals: [host('10.0.0.1', 5002)], remotes: [{ ...r, port: 7002 }] }];
    const set = formCheckListSet(streams, { role: 'controlling' });
    expect(set[1]!.pairs[0]!.state).toBe('frozen');
    const c = nextCheck(set, 0, 'controlling')!;
    expect(checkSucceeded(c.set, 0, c.pair.id, h, 'controlling').set[1]!.pairs[0]!.state).toBe('waiting');
  });

  it('a failed check of the last pair fails the check list; a late answer for a pair no longer listed changes nothing', () => {
    const set = formCheckListSet([{ locals: [h], remotes: [r] }], { role: 'controlling' });
    const c = nextCheck(set, 0, 'controlling')!;
    const failed = checkFailed(c.set, 0, c.pair.id);
    expect(failed[0]!.state).toBe('failed');
    expect(iceState(failed)).toBe('failed');
    expect(checkFailed(failed, 0, 'nonsense')).toEqual(failed);
    expect(checkSucceeded(failed, 0, 'nonsense', h, 'controlling')).toEqual({ set: failed, cancel: [] });
  });

  it('a check list waits for trickled candidates before it fails', () => {
    const set = formCheckListSet([{ locals: [h], remotes: [r], candidatesComplete: false }], { role: 'controlling' });
    const c = nextCheck(set, 0, 'controlling')!;
    const failed = checkFailed(c.set, 0, c.pair.id);
    expect(failed[0]!.state).toBe('running');
    expect(endOfCandidates(failed, 0)[0]!.state).toBe('failed');
    const r2 = remote('192.0.2.2', 7000, 5, 'b');
    const more = addCandidates(failed, 0, { locals: [h], remotes: [r, r2] }, { role: 'controlling' });
    expect(more[0]!.pairs.map((p) => [p.remote.address, p.state])).toEqual([['192.0.2.1', 'failed'], ['192.0.2.2', 'waiting']]);
  });
});

describe('triggered checks (§7.3.1.4)', () => {
  const h = host('10.0.0.1', 5000);
  const r1 = remote('192.0.2.1', 7000, 2_000_000_000, 'a');
  const r2 = remote('192.0.2.2', 7000, 1_000_000_000, 'a');
  const start = () => formCheckListSet([{ locals: [h], remotes: [r1, r2] }], { role: 'controlled' });

  it('queues a frozen pair and makes it wait', () => {
    const { set, cancel } = requestReceived(start(), 0, h, r2, 'controlled');
    expect(cancel).toEqual([]);
    expect(set[0]!.triggered).toEqual([pairId(h, r2)]);
    expect(set[0]!.pairs[1]!.state).toBe('waiting');
    expect(requestReceived(set, 0, h, r2, 'controlled').set[0]!.triggered).toHaveLength(1);
  });

  it('cancels an in-progress check and queues it again', () => {
    const c = nextCheck(start(), 0, 'controlled')!;
    const { set, cancel } = requestReceived(c.set, 0, h, r1, 'controlled');
    expect(cancel).toEqual([c.pair.id]);
    expect(set[0]!.pairs[0]!.state).toBe('waiting');
    expect(set[0]!.triggered).toEqual([c.pair.id]);
  });

  it('leaves a succeeded pair alone', () => {
    const c = nextCheck(start(), 0, 'controlled')!;
    const done = checkSucceeded(c.set, 0, c.pair.id, h, 'controlled').set;
    expect(requestReceived(done, 0, h, r1, 'controlled')).toEqual({ set: done, cancel: [] });
  });

  it('brings a failed check list back: a failed pair waits again', () => {
    let set = start();
    for (let c = nextCheck(set, 0, 'controlled'); c; c = nextCheck(set, 0, 'controlled')) set = checkFailed(c.set, 0, c.pair.id);
    expect(set[0]!.state).toBe('failed');
    const again = requestReceived(set, 0, h, r1, 'controlled').set;
    expect(again[0]!.state).toBe('running');
    expect(again[0]!.pairs[0]!.state).toBe('waiting');
  });

  it('inserts a pair with a new peer-reflexive remote candidate by priority (§7.3.1.3)', () => {
    const peer = remote('198.51.100.7', 9999, 1_500_000_000, remotePeerReflexiveFoundation(['a']), { type: 'prflx' });
    const set = requestReceived(start(), 0, h, peer, 'controlled').set[0]!;
    expect(set.pairs.map((p) => p.remote.address)).toEqual(['192.0.2.1', '198.51.100.7', '192.0.2.2']);
    expect(set.pairs[1]).toMatchObject({ state: 'waiting', foundation: `${h.foundation}:prflx-1` });
  });
});

describe('nomination (§7.2.5.3.4, §7.3.1.5, §8.1)', () => {
  const h = host('10.0.0.1', 5000);
  const r1 = remote('192.0.2.1', 7000, 2_000_000_000, 'a');
  const r2 = remote('192.0.2.2', 7000, 1_000_000_000, 'b');

  it('controlling: repeats the producing check with USE-CANDIDATE, then the check list completes and the rest is cancelled', () => {
    const set0 = formCheckListSet([{ locals: [h], remotes: [r1, r2] }], { role: 'controlling' });
    const c1 = nextCheck(set0, 0, 'controlling')!;
    const c2 = nextCheck(c1.set, 0, 'controlling')!;
    const behindNat = prflxFor(h);
    const ok = checkSucceeded(c2.set, 0, c1.pair.id, behindNat, 'controlling').set;
    const validId = ok[0]!.valid[0]!.pair.id;
    const nominating = nominate(ok, 0, validId);
    expect(() => nominate(ok, 0, 'nonsense')).toThrow();
    const again = nextCheck(nominating, 0, 'controlling')!;
    expect(again).toMatchObject({ triggered: true, useCandidate: true });
    expect(again.pair.id).toBe(c1.pair.id);
    const { set: done, cancel } = checkSucceeded(again.set, 0, again.pair.id, behindNat, 'controlling');
    expect(cancel).toEqual([c2.pair.id]);
    expect(done[0]!).toMatchObject({ state: 'completed', pairs: [], triggered: [] });
    expect(iceState(done)).toBe('completed');
    expect(selectedPair(done[0]!, 1)?.pair.local).toBe(behindNat);
    expect(() => nominate(done, 0, validId)).toThrow(/already/);
  });

  it('controlled: USE-CANDIDATE on a succeeded pair nominates its valid pair at once', () => {
    const set0 = formCheckListSet([{ locals: [h], remotes: [r1] }], { role: 'controlled' });
    const c = nextCheck(set0, 0, 'controlled')!;
    const ok = checkSucceeded(c.set, 0, c.pair.id, h, 'controlled').set;
    const { set } = requestReceived(ok, 0, h, r1, 'controlled', true);
    expect(set[0]!.state).toBe('completed');
    expect(selectedPair(set[0]!, 1)?.pair.id).toBe(c.pair.id);
  });

  it('controlled: USE-CANDIDATE on an unchecked pair nominates when its triggered check succeeds', () => {
    const set0 = formCheckListSet([{ locals: [h], remotes: [r1, r2] }], { role: 'controlled' });
    const { set } = requestReceived(set0, 0, h, r2, 'controlled', true);
    const c = nextCheck(set, 0, 'controlled')!;
    expect(c).toMatchObject({ triggered: true, useCandidate: false });
    expect(c.pair.nominate).toBe(true);
    const done = checkSucceeded(c.set, 0, c.pair.id, h, 'controlled').set;
    expect(done[0]!.state).toBe('completed');
    expect(selectedPair(done[0]!, 1)?.pair.remote).toEqual(r2);
  });

  it('a late answer to an older, ordinary transaction does not count as the nomination', () => {
    const set0 = formCheckListSet([{ locals: [h], remotes: [r1] }], { role: 'controlling' });
    const c = nextCheck(set0, 0, 'controlling')!;
    const ok = checkSucceeded(c.set, 0, c.pair.id, h, 'controlling').set;
    const queued = nominate(ok, 0, c.pair.id);
    const late = checkSucceeded(queued, 0, c.pair.id, h, 'controlling', false).set;
    expect(late[0]!.valid[0]!.nominated).toBe(false);
    expect(late[0]!.triggered).toEqual([c.pair.id]);
    const again = nextCheck(late, 0, 'controlling')!;
    expect(again.useCandidate).toBe(true);
    expect(checkSucceeded(again.set, 0, again.pair.id, h, 'controlling', again.pair.nominate).set[0]!.state).toBe('completed');
  });

  it('a failed nomination removes the valid pair and fails the check list for good', () => {
    const set0 = formCheckListSet([{ locals: [h], remotes: [r1, r2] }], { role: 'controlling' });
    const c = nextCheck(set0, 0, 'controlling')!;
    const ok = checkSucceeded(c.set, 0, c.pair.id, h, 'controlling').set;
    const again = nextCheck(nominate(ok, 0, c.pair.id), 0, 'controlling')!;
    const failed = checkFailed(again.set, 0, again.pair.id);
    expect(failed[0]).toMatchObject({ state: 'failed', final: true, valid: [] });
    expect(requestReceived(failed, 0, h, r2, 'controlling').set).toEqual(failed);
  });

  it('a role change recomputes pair priorities and the order', () => {
    const lo = host('10.0.0.1', 5000, { networkPreference: 0 });
    const hi = host('10.0.0.2', 5000, { networkPreference: 127 });
    const peerHigh = remote('192.0.2.1', 1, 2_130_000_000, 'p');
    const set = formCheckListSet([{ locals: [lo, hi], remotes: [peerHigh] }], { role: 'controlling' });
    const swapped = changeRole(set, 'controlled')[0]!;
    expect(swapped.pairs.map((p) => p.priority)).toEqual(formPairs([lo, hi], [peerHigh], 'controlled').map((p) => p.priority));
    expect(set[0]!.pairs.map((p) => p.priority)).not.toEqual(swapped.pairs.map((p) => p.priority));
  });
});
