import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { IceCandidate } from '../../src/wire/ice-candidate.js';
import { isOwnBase } from '../../src/ice/candidate.js';
import {
  checkFailed,
  checkSucceeded,
  formCheckListSet,
  iceState,
  nextCheck,
  nominate,
  requestReceived,
  selectedPair,
  type CheckListSet,
} from '../../src/ice/checklist.js';
import { comparePairs, type CandidatePair } from '../../src/ice/pairing.js';
import type { IceRole } from '../../src/ice/priority.js';
import { localCandidates, prflxFor, remote, remoteCandidates } from './support.js';

function invariants(set: CheckListSet): void {
  for (const l of set) {
    for (let i = 1; i < l.pairs.length; i++) expect(comparePairs(l.pairs[i - 1]!, l.pairs[i]!)).toBeLessThan(0);
    for (const p of l.pairs) expect([p.local.component, p.remote.component]).toEqual([p.component, p.component]);
    for (const p of l.pairs) expect(isOwnBase(p.local)).toBe(true);
    expect(new Set(l.triggered).size).toBe(l.triggered.length);
    for (const id of l.triggered) expect(l.pairs.some((p) => p.id === id)).toBe(true);
    for (const v of l.valid) expect(v.pair.state).toBe('succeeded');
    for (const c of new Set(l.valid.map((v) => v.pair.component))) {
      const nominated = l.valid.filter((v) => v.nominated && v.pair.component === c).length;
      expect(nominated).toBeLessThanOrEqual(1);
      if (nominated === 1) expect(l.pairs.some((p) => p.component === c)).toBe(false);
    }
    if (l.state === 'completed') for (const c of l.components) expect(selectedPair(l, c)).toBeDefined();
  }
}

const world = fc.record({
  streams: fc.array(fc.record({ locals: localCandidates, remotes: remoteCandidates }), { minLength: 1, maxLength: 2 }),
  role: fc.constantFrom<IceRole>('controlling', 'controlled'),
  /** Which remote addresses answer, and which of our checks come back through a NAT. */
  reachable: fc.func(fc.boolean()),
  natted: fc.func(fc.boolean()),
});

describe('check list runs', () => {
  test.prop([world, fc.array(fc.tuple(fc.constantFrom('tick', 'succeed', 'fail', 'request', 'nominate'), fc.nat(), fc.boolean()), { maxLength: 60 })], { numRuns: 300 })(
    'any sequence of checks, answers, requests and nominations keeps the check lists consistent',
    ({ streams, role }, actions) => {
      let set: CheckListSet = formCheckListSet(streams, { role });
      const inFlight: [number, string][] = [];
      let start = 0;
      const drop = (ids: readonly string[]) => ids.forEach((id) => inFlight.splice(inFlight.findIndex((f) => f[1] === id), 1));
      for (const [action, n, flag] of actions) {
        invariants(set);
        if (action === 'tick') {
          const c = nextCheck(set, start, role);
          if (c === undefined) continue;
          expect(c.set[c.list]!.pairs.find((p) => p.id === c.pair.id)?.state).toBe('in-progress');
          expect(set[c.list]!.state).toBe('running');
          set = c.set;
          start = c.list + 1;
          if (!inFlight.some((f) => f[1] === c.pair.id)) inFlight.push([c.list, c.pair.id]);
        } else if ((action === 'succeed' || action === 'fail') && inFlight.length > 0) {
          const [index, id] = inFlight.splice(n % inFlight.length, 1)[0]!;
          const pair = set[index]!.pairs.find((p) => p.id === id);
          if (action === 'fail' || pair === undefined) set = checkFailed(set, index, id);
          else {
            const u = checkSucceeded(set, index, id, flag ? prflxFor(pair.local) : pair.local, role);
            set = u.set;
            drop(u.cancel);
          }
        } else if (action === 'request') {
          const index = n % set.length;
          const locals = streams[index]!.locals.filter(isOwnBase);
          const remotes: IceCandidate[] = [...streams[index]!.remotes, remote('198.51.100.77', 4242, 1_234_567, 'prflx-1', { type: 'prflx' })];
          const local = locals[n % Math.max(1, locals.length)];
          const from = remotes.filter((r) => local !== undefined && r.component === local.component && r.transport === local.transport)[n % 3];
          if (local === undefined || from === undefined) continue;
          const u = requestReceived(set, index, local, from, role, flag);
          set = u.set;
          drop(u.cancel);
        } else if (action === 'nominate' && role === 'controlling') {
          const index = n % set.length;
          const l = set[index]!;
          const v = l.valid.find((x) => !l.valid.some((y) => y.nominated && y.pair.component === x.pair.component));
          if (v !== undefined && l.pairs.some((p) => p.id === v.generatedBy)) set = nominate(set, index, v.pair.id);
        }
      }
      invariants(set);
    },
  );

  test.prop([world], { numRuns: 300 })(
    'checking every pair to the end: a check list completes exactly when each of its components has a pair that answers',
    ({ streams, reachable, natted }) => {
      let set: CheckListSet = formCheckListSet(streams, { role: 'controlling' });
      const answers = (p: CandidatePair) => reachable(`${p.remote.address}:${p.remote.port}/${p.local.address}`);
      const initial = set.map((l) => ({ components: l.components, pairs: l.pairs }));
      let start = 0;
      for (let steps = 0; steps < 10_000; steps++) {
        const c = nextCheck(set, start, 'controlling');
        if (c !== undefined) {
          start = c.list + 1;
          set = answers(c.pair) ? checkSucceeded(c.set, c.list, c.pair.id, natted(c.pair.id) ? prflxFor(c.pair.local) : c.pair.local, 'controlling').set : checkFailed(c.set, c.list, c.pair.id);
          invariants(set);
          continue;
        }
        // Nothing left to check: nominate the best valid pair of each component that has none (§8.1.1).
        let nominated = false;
        set.forEach((l, i) => {
          if (l.state !== 'running') return;
          for (const component of l.components) {
            if (selectedPair(l, component) !== undefined) continue;
            const best = l.valid.filter((v) => v.pair.component === component).sort((a, b) => comparePairs(a.pair, b.pair))[0];
            if (best !== undefined && !set[i]!.triggered.includes(best.generatedBy)) {
              set = nominate(set, i, best.pair.id);
              nominated = true;
            }
          }
        });
        if (!nominated) break;
      }
      set.forEach((l, i) => {
        const { components, pairs } = initial[i]!;
        const works = components.length > 0 && components.every((k) => pairs.some((p) => p.component === k && answers(p)));
        expect(l.state, `check list ${i}`).toBe(works ? 'completed' : 'failed');
      });
      expect(iceState(set)).toBe(set.every((l) => l.state === 'completed') ? 'completed' : set.every((l) => l.state === 'failed') ? 'failed' : 'running');
    },
  );
});
