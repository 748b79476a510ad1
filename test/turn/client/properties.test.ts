/**
 * Properties: for random server behaviours, the client ends where RFC 8656
 * and RFC 8489 say, and at the moment they say.
 *
 * A model (a few lines per rule, written from the RFCs, not from the
 * machine) predicts the outcome of a script of answers; the scripted server
 * (fake-server.ts) plays the script on virtual time; the client must
 * agree with the model: its final state, its output, how many requests it
 * sent, and when it gave up. Failing properties print their seed (FC_SEED
 * replays one).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { allocationRefreshDelayMs } from '../../../src/turn/client/timing.js';
import { fakeScene, type Behaviour } from './fake-server.js';
import { prop, runs } from './support.js';

/** RFC 8489 §6.2.1 with the defaults: the last of 7 transmissions, then 16 RTOs: 39.5 s. */
const GIVE_UP_MS = 39_500;
const ERROR_CODES = [400, 403, 420, 437, 440, 441, 442, 486, 500, 508] as const;

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Behaviour>({ kind: 'success' }) },
  { weight: 3, arbitrary: fc.constant<Behaviour>({ kind: 'challenge' }) },
  { weight: 3, arbitrary: fc.constant<Behaviour>({ kind: 'stale' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'bare-401' }) },
  { weight: 2, arbitrary: fc.constantFrom(...ERROR_CODES).map((code): Behaviour => ({ kind: 'error', code })) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'silence' }) },
);

type Expected = { readonly allocated: true; readonly requests: number } | { readonly allocated: false; readonly requests: number; readonly code?: number; readonly outcome: 'error' | 'timeout' };

/**
 * The Allocate rules (RFC 8489 §9.2.3, §9.2.5; RFC 8656 §7.3, §7.4): a 401 to
 * a request without credentials is the challenge, answered once; a 401 to a
 * signed request means wrong credentials; a 438 is answered with the new
 * nonce once; silence is a timeout; any other error is final.
 */
function expectAllocate(script: readonly Behaviour[]): Expected {
  let signed = false;
  let staleRetried = false;
  for (let i = 0; ; i++) {
    const b = script[i] ?? { kind: 'success' };
    const requests = i + 1;
    switch (b.kind) {
      case 'success':
        return { allocated: true, requests };
      case 'silence':
        return { allocated: false, requests, outcome: 'timeout' };
      case 'bare-401':
        return { allocated: false, requests, code: 401, outcome: 'error' };
      case 'challenge':
        if (signed) return { allocated: false, requests, code: 401, outcome: 'error' };
        signed = true;
        break;
      case 'stale':
        if (staleRetried) return { allocated: false, requests, code: 438, outcome: 'error' };
        staleRetried = true;
        signed = true;
        break;
      case 'error':
        return { allocated: false, requests, code: b.code, outcome: 'error' };
    }
  }
}

describe('Allocate against random server behaviours', () => {
  prop([fc.array(behaviour, { maxLength: 5 }), fc.integer({ min: 1, max: 1_000_000 })], runs(150))(
    'allocated or failed as the RFCs say, after as many requests as they say',
    (script, seed) => {
      const s = fakeScene({ script: { Allocate: [...script] } }, {}, seed);
      s.world.runFor(5 * 60_000);
      const expected = expectAllocate(script);
      const snapshot = s.actor.getSnapshot();
      expect(s.server.seen.filter((r) => r.method === 'Allocate')).toHaveLength(expected.requests);
      if (expected.allocated) {
        expect(snapshot.value).toMatchObject({ allocated: {} });
        expect(s.told[0]).toMatchObject({ type: 'turn.allocated' });
        return;
      }
      expect(snapshot.value).toBe('failed');
      expect(snapshot.output).toMatchObject({ kind: 'allocate-failed', outcome: expected.outcome, ...(expected.code !== undefined ? { code: expected.code } : {}) });
      if (expected.outcome === 'timeout') {
        const ended = s.world.trace.ofKind('turn.client.allocation').at(-1)!;
        const asked = s.world.trace.ofKind('stun.request').filter((r) => r.method === 'Allocate').at(-1)!;
        expect(ended.t - asked.t).toBe(GIVE_UP_MS);
      }
      // Nothing is left running: no timers, no children.
      expect(s.world.clock.pending).toBe(0);
    },
  );
});

type RefreshExpected =
  | { readonly end: 'alive'; readonly refreshed: number }
  | { readonly end: 'refresh-failed'; readonly refreshed: number; readonly code?: number; readonly outcome: 'error' | 'timeout' }
  | { readonly end: 'expired'; readonly refreshed: number };

/**
 * The Refresh rules (RFC 8656 §8.3; RFC 8489 §9.2.5), on a schedule of
 * libwebrtc's: each Refresh chain starts `delay` after the previous answer; a
 * 438 is answered once per chain; a 401 to these signed requests is final;
 * silence is a timeout, unless the lifetime runs out first (RFC 8656 §7), which
 * happens when the chain's silent request starts less than 39.5 s before it.
 */
function expectRefresh(script: readonly Behaviour[], lifetime: number, chains: number): RefreshExpected {
  const delay = allocationRefreshDelayMs(lifetime);
  const rtt = 40; // two 10 ms links each way
  let i = 0;
  for (let chain = 0; chain < chains; chain++) {
    let startedAt = delay;
    let staleRetried = false;
    for (;;) {
      const b = script[i++] ?? { kind: 'success' };
      if (b.kind === 'success') break;
      if (b.kind === 'stale' && !staleRetried) {
        staleRetried = true;
        startedAt += rtt;
        continue;
      }
      if (b.kind === 'silence') return startedAt + GIVE_UP_MS > lifetime * 1000 ? { end: 'expired', refreshed: chain } : { end: 'refresh-failed', refreshed: chain, outcome: 'timeout' };
      const code = b.kind === 'error' ? b.code : b.kind === 'stale' ? 438 : 401;
      return { end: 'refresh-failed', refreshed: chain, code, outcome: 'error' };
    }
  }
  return { end: 'alive', refreshed: chains };
}

describe('Refresh against random server behaviours', () => {
  prop([fc.array(behaviour, { maxLength: 6 }), fc.constantFrom(60, 90, 300, 600, 7200), fc.integer({ min: 1, max: 1_000_000 })], runs(150))(
    'the allocation lives on, ends refresh-failed, or expires, as the RFCs say, at the moment they say',
    (script, lifetime, seed) => {
      const chains = script.length + 1;
      const s = fakeScene({ lifetime, script: { Allocate: [{ kind: 'challenge' }], Refresh: [...script] } }, {}, seed);
      const horizon = chains * allocationRefreshDelayMs(lifetime) + 5 * 60_000;
      s.world.runFor(horizon);
      const snapshot = s.actor.getSnapshot();
      const mine = s.world.trace.ofKind('turn.client.allocation');
      // Refreshes run past the script (success by default): count only those of the first `chains` chains.
      const refreshed = mine.filter((r) => r.event === 'refreshed');
      const expected = expectRefresh(script, lifetime, chains);
      if (expected.end === 'alive') {
        expect(snapshot.status).toBe('active');
        expect(refreshed.length).toBeGreaterThanOrEqual(chains);
        return;
      }
      expect(refreshed).toHaveLength(expected.refreshed);
      expect(snapshot.value).toBe('failed');
      const lastAnswer = (refreshed.at(-1) ?? mine.find((r) => r.event === 'allocated')!).t;
      const ended = mine.at(-1)!;
      if (expected.end === 'expired') {
        expect(snapshot.output).toEqual({ kind: 'expired', lifetime });
        expect(ended.t - lastAnswer).toBe(lifetime * 1000);
      } else {
        expect(snapshot.output).toMatchObject({ kind: 'refresh-failed', outcome: expected.outcome, ...(expected.code !== undefined ? { code: expected.code } : {}) });
        // Given up 39.5 s after the last request, or answered one round trip (40 ms) after it.
        const asked = s.world.trace.ofKind('stun.request').filter((r) => r.method === 'Refresh').at(-1)!;
        expect(ended.t - asked.t).toBe(expected.outcome === 'timeout' ? GIVE_UP_MS : 40);
        expect(ended.t - lastAnswer).toBeLessThan(lifetime * 1000);
      }
      expect(s.world.clock.pending).toBe(0);
    },
  );
});
