import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { IceCandidate } from '../../src/wire/ice-candidate.js';
import { isOwnBase, type LocalCandidate } from '../../src/ice/candidate.js';
import { canPair, comparePairs, DEFAULT_MAX_PAIRS, formPairs, limitPairs, pairId, type CandidatePair } from '../../src/ice/pairing.js';
import { pairPriorityFor, type IceRole } from '../../src/ice/priority.js';
import { host, localCandidates, relay, remote, remoteCandidates, srflx } from './support.js';

const role = fc.constantFrom<IceRole>('controlling', 'controlled');

describe('which candidates pair (RFC 8445 §6.1.2.2, RFC 6544 §6.2)', () => {
  const r4 = remote('192.0.2.9', 7000, 100, 'r');
  it('pairs the same component, transport and IP family only', () => {
    expect(canPair(host('10.0.0.1', 5000), r4)).toBe(true);
    expect(canPair(host('10.0.0.1', 5000, { component: 2 }), r4)).toBe(false);
    expect(canPair(host('2001:db8::1', 5000), r4)).toBe(false);
    expect(canPair(host('10.0.0.1', 5000, { transport: 'tcp', tcpType: 'active' }), r4)).toBe(false);
  });

  it('pairs IPv6 link-local only with link-local', () => {
    expect(canPair(host('fe80::1', 5000), remote('fe80::2', 1, 1, 'r'))).toBe(true);
    expect(canPair(host('fe80::1', 5000), remote('2001:db8::2', 1, 1, 'r'))).toBe(false);
    expect(canPair(host('2001:db8::1', 5000), remote('fe80::2', 1, 1, 'r'))).toBe(false);
  });

  it('does not pair a host name before the agent resolves it (mDNS)', () => {
    expect(canPair(host('10.0.0.1', 5000), remote('7ed80530-036e-4e54-966d-aad7a3aa3bf6.local', 1, 1, 'r'))).toBe(false);
  });

  it.each([
    ['active', 'passive', true],
    ['passive', 'active', true],
    ['so', 'so', true],
    ['active', 'active', false],
    ['passive', 'passive', false],
    ['active', 'so', false],
    ['so', 'passive', false],
  ] as const)('ICE-TCP: local %s with remote %s: %s', (l, r, ok) => {
    expect(canPair(host('10.0.0.1', 9, { transport: 'tcp', tcpType: l }), remote('10.0.0.2', 9, 1, 'r', { transport: 'tcp', tcpType: r }))).toBe(ok);
  });

  it('reads a TCP candidate without tcptype as passive, as libwebrtc', () => {
    expect(canPair(host('10.0.0.1', 9, { transport: 'tcp', tcpType: 'active' }), remote('10.0.0.2', 0, 1, 'r', { transport: 'tcp' }))).toBe(true);
  });
});

describe('forming pairs (§6.1.2.3, §6.1.2.4)', () => {
  it('replaces a srflx local candidate by its base and prunes the copy', () => {
    const h = host('10.0.0.1', 5000);
    const s = srflx(h, '203.0.113.5', 6000);
    const rel = relay('198.51.100.2', 50000);
    const r = remote('192.0.2.9', 7000, 1_000_000, 'r');
    const pairs = formPairs([s, h, rel], [r], 'controlling');
    expect(pairs.map((p) => p.local)).toEqual([h, rel]);
    expect(pairs[0]).toMatchObject({ id: pairId(h, r), component: 1, foundation: `${h.foundation}:r`, state: 'frozen', nominate: false });
    expect(pairs[0]!.priority).toBe(pairPriorityFor('controlling', h.priority, r.priority));
  });

  it('drops a reflexive candidate whose base is not among the local candidates', () => {
    const s = srflx(host('10.0.0.1', 5000), '203.0.113.5', 6000);
    expect(formPairs([s], [remote('192.0.2.9', 1, 1, 'r')], 'controlled')).toEqual([]);
  });

  /** The pairs §6.1.2.2-§6.1.2.4 call for, computed naively: every pairable (local, remote), keyed by (base, remote). */
  function expected(locals: readonly LocalCandidate[], remotes: readonly IceCandidate[], r: IceRole): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const l of locals) {
      const base = isOwnBase(l)
        ? l
        : locals.find((b) => isOwnBase(b) && b.component === l.component && b.transport === l.transport && b.tcpType === l.tcpType && b.address === l.base.address && b.port === l.base.port);
      if (base === undefined) continue;
      for (const rc of remotes) {
        if (!canPair(l, rc) || !canPair(base, rc)) continue;
        const id = pairId(base, rc);
        const p = pairPriorityFor(r, l.priority, rc.priority);
        if ((out.get(id) ?? -1n) < p) out.set(id, p);
      }
    }
    return out;
  }

  test.prop([localCandidates, remoteCandidates, role], { numRuns: 500 })(
    'sorted by bigint priority, components matching, sent from bases, each redundant group kept once at its highest priority',
    (locals, remotes, r) => {
      const pairs = formPairs(locals, remotes, r);
      for (let i = 1; i < pairs.length; i++) expect(comparePairs(pairs[i - 1]!, pairs[i]!)).toBeLessThan(0);
      for (let i = 1; i < pairs.length; i++) expect(pairs[i - 1]!.priority >= pairs[i]!.priority).toBe(true);
      for (const p of pairs) {
        expect(p.local.component).toBe(p.component);
        expect(p.remote.component).toBe(p.component);
        expect(canPair(p.local, p.remote)).toBe(true);
        expect(isOwnBase(p.local)).toBe(true);
        expect(p.foundation).toBe(`${p.local.foundation}:${p.remote.foundation}`);
      }
      const want = expected(locals, remotes, r);
      expect(new Map(pairs.map((p) => [p.id, p.priority]))).toEqual(want);
    },
  );

  test.prop([fc.array(fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::1'), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::9'), { minLength: 1, maxLength: 3 })])(
    'two agents list the same pairs in the same order, each from its own side',
    (mine, theirs) => {
      const a = [...new Set(mine)].map((ip, i) => host(ip, 5000 + i, { networkPreference: 127 - i }));
      const b = [...new Set(theirs)].map((ip, i) => host(ip, 6000 + i, { networkPreference: 100 - i }));
      const atA = formPairs(a, b, 'controlling');
      const atB = formPairs(b, a, 'controlled');
      expect(atB.map((p) => `${p.remote.address} ${p.local.address} ${p.priority}`)).toEqual(atA.map((p) => `${p.local.address} ${p.remote.address} ${p.priority}`));
    },
  );
});

describe('the pair limit (§6.1.2.5)', () => {
  it('keeps the 100 highest-priority pairs by default', () => {
    const locals = Array.from({ length: 11 }, (_, i) => host(`10.0.0.${i + 1}`, 5000, { networkPreference: 127 - i }));
    const remotes = Array.from({ length: 10 }, (_, i) => remote(`192.0.2.${i + 1}`, 7000, 2 ** 30 + i, `r${i}`));
    const all = formPairs(locals, remotes, 'controlling');
    expect(all).toHaveLength(110);
    const [kept] = limitPairs([all]);
    expect(DEFAULT_MAX_PAIRS).toBe(100);
    expect(kept).toEqual(all.slice(0, 100));
    expect(limitPairs([all], 7)[0]).toHaveLength(7);
    expect(() => limitPairs([all], -1)).toThrow(RangeError);
  });

  const lists = fc.array(fc.nat({ max: 12 }), { maxLength: 5 }).map((sizes) =>
    sizes.map((n, li) => Array.from({ length: n }, (_, i) => ({ id: `${li}/${i}`, priority: BigInt(1000 - i) }) as unknown as CandidatePair)),
  );

  test.prop([lists, fc.nat({ max: 40 })])('at most the limit over the set, each list a prefix, reduced evenly', (set, max) => {
    const kept = limitPairs(set, max);
    const total = (l: readonly unknown[][]) => l.reduce((n, x) => n + x.length, 0);
    expect(total(kept)).toBe(Math.min(max, total(set)));
    kept.forEach((l, i) => expect(l).toEqual(set[i]!.slice(0, l.length)));
    const removed = kept.map((l, i) => set[i]!.length - l.length);
    const stillHave = removed.filter((_, i) => kept[i]!.length > 0);
    if (stillHave.length > 0) expect(Math.max(...removed)).toBeLessThanOrEqual(Math.min(...stillHave) + 1);
  });
});
