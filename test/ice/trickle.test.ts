import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { IceCandidate } from '../../src/wire/ice-candidate.js';
import type { LocalCandidate } from '../../src/ice/candidate.js';
import { checkSucceeded, formCheckListSet, nextCheck, requestReceived, type CheckListSet } from '../../src/ice/checklist.js';
import { comparePairs, formPairs } from '../../src/ice/pairing.js';
import type { IceRole } from '../../src/ice/priority.js';
import { addCandidates, endOfCandidates } from '../../src/ice/trickle.js';
import { host, localCandidates, remote, remoteCandidates } from './support.js';

describe('check lists that grow (trickle ICE)', () => {
  const h = host('10.0.0.1', 5000);
  const r1 = remote('192.0.2.1', 7000, 2_000_000_000, 'a');

  it('starts empty and running, fails only after end-of-candidates', () => {
    const empty = formCheckListSet([{ locals: [h], remotes: [], candidatesComplete: false }], { role: 'controlled' });
    expect(empty[0]).toMatchObject({ state: 'running', pairs: [], components: [] });
    expect(endOfCandidates(empty, 0)[0]!.state).toBe('failed');
    const grown = addCandidates(empty, 0, { locals: [h], remotes: [r1] }, { role: 'controlled' });
    expect(grown[0]!.pairs.map((p) => p.state)).toEqual(['waiting']);
    expect(grown[0]!.components).toEqual([1]);
  });

  it('wakes a new pair whose foundation succeeded, freezes one whose foundation is already busy', () => {
    const r2 = remote('192.0.2.2', 7000, 1_000_000_000, 'a');
    const r3 = remote('192.0.2.3', 7000, 900_000_000, 'a');
    const set = formCheckListSet([{ locals: [h], remotes: [r1], candidatesComplete: false }], { role: 'controlling' });
    const busy = addCandidates(nextCheck(set, 0, 'controlling')!.set, 0, { locals: [h], remotes: [r1, r2] }, { role: 'controlling' });
    expect(busy[0]!.pairs.map((p) => p.state)).toEqual(['in-progress', 'frozen']);
    const done = checkSucceeded(busy, 0, busy[0]!.pairs[0]!.id, h, 'controlling').set;
    expect(done[0]!.pairs.map((p) => p.state)).toEqual(['succeeded', 'waiting']);
    const later = addCandidates(done, 0, { locals: [h], remotes: [r1, r2, r3] }, { role: 'controlling' });
    expect(later[0]!.pairs.map((p) => p.state)).toEqual(['succeeded', 'waiting', 'waiting']);
  });

  it('a remote peer-reflexive candidate later signalled keeps its pair and takes the signalled foundation', () => {
    const prflx = remote('198.51.100.7', 9999, 1_500_000_000, 'prflx-1', { type: 'prflx' });
    const learned = requestReceived(formCheckListSet([{ locals: [h], remotes: [r1], candidatesComplete: false }], { role: 'controlled' }), 0, h, prflx, 'controlled').set;
    const signalled = remote('198.51.100.7', 9999, 1_400_000_000, 'z', { type: 'srflx' });
    const after = addCandidates(learned, 0, { locals: [h], remotes: [r1, signalled] }, { role: 'controlled' })[0]!;
    const pair = after.pairs.find((p) => p.remote.address === '198.51.100.7')!;
    expect(pair).toMatchObject({ state: 'waiting', foundation: `${h.foundation}:z` });
    expect(pair.remote.type).toBe('srflx');
    expect(after.triggered).toEqual([pair.id]);
  });

  const batches = fc.array(fc.record({ locals: localCandidates, remotes: remoteCandidates }), { minLength: 1, maxLength: 4 });

  test.prop([batches, fc.constantFrom<IceRole>('controlling', 'controlled'), fc.integer({ min: 1, max: 12 })], { numRuns: 300 })(
    'candidates arriving in batches: no pair is lost or changes state, the order stays by priority, the limit holds',
    (steps, role, maxPairs) => {
      let locals: LocalCandidate[] = [];
      let remotes: IceCandidate[] = [];
      let set: CheckListSet = formCheckListSet([{ locals, remotes, candidatesComplete: false }], { role, maxPairs });
      for (const step of steps) {
        locals = [...locals, ...step.locals];
        remotes = [...remotes, ...step.remotes];
        const before = set[0]!.pairs;
        set = addCandidates(set, 0, { locals, remotes }, { role, maxPairs });
        const after = set[0]!.pairs;
        for (const p of before) expect(after.find((q) => q.id === p.id)?.state).toBe(p.state);
        for (let i = 1; i < after.length; i++) expect(comparePairs(after[i - 1]!, after[i]!)).toBeLessThan(0);
        expect(after.length).toBeLessThanOrEqual(Math.max(maxPairs, before.length));
        const possible = formPairs(locals, remotes, role).length;
        expect(after.length).toBe(Math.min(possible, Math.max(maxPairs, before.length)));
        const c = nextCheck(set, 0, role);
        if (c !== undefined) set = c.set;
      }
    },
  );
});
