import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { baseKey, candidateAddressKey, eliminateRedundantCandidates, findLocalCandidate, isOwnBase, isRedundantWith } from '../../src/ice/candidate.js';
import { host, localCandidates, relay, srflx } from './support.js';

describe('redundant candidates (RFC 8445 §5.1.3)', () => {
  it('drops a srflx candidate equal to its host (no NAT), keeps one behind a NAT', () => {
    const h = host('192.0.2.10', 5000);
    const same = srflx(h, '192.0.2.10', 5000);
    const natted = srflx(h, '203.0.113.5', 6000);
    expect(eliminateRedundantCandidates([same, h, natted])).toEqual([h, natted]);
    expect(isRedundantWith(same, [h])).toBe(true);
    expect(isRedundantWith(natted, [h])).toBe(false);
  });

  it('keeps equal transport addresses with different bases, and different components or transports', () => {
    const a = host('10.0.0.1', 5000);
    const viaA = srflx(a, '203.0.113.5', 6000);
    const viaB = srflx(host('10.0.0.2', 5000), '203.0.113.5', 6000);
    expect(eliminateRedundantCandidates([viaA, viaB])).toHaveLength(2);
    expect(eliminateRedundantCandidates([a, host('10.0.0.1', 5000, { component: 2 }), host('10.0.0.1', 5000, { transport: 'tcp', tcpType: 'passive' })])).toHaveLength(3);
  });

  test.prop([localCandidates])('survivors: no two redundant, each the highest priority of its group, order kept', (cs) => {
    const kept = eliminateRedundantCandidates(cs);
    const group = (c: (typeof cs)[number]) => `${candidateAddressKey(c)} ${baseKey(c)}`;
    expect(new Set(kept.map(group)).size).toBe(kept.length);
    for (const c of cs) {
      const survivor = kept.find((k) => group(k) === group(c));
      expect(survivor).toBeDefined();
      expect(survivor!.priority).toBeGreaterThanOrEqual(c.priority);
    }
    expect(cs.filter((c) => kept.includes(c))).toEqual(kept);
  });

  it('knows which candidates are their own base, and finds a local candidate by its address', () => {
    const h = host('2001:db8::1', 5000);
    const s = srflx(h, '2001:db8::99', 7000);
    const r = relay('198.51.100.2', 50000);
    expect([h, s, r].map(isOwnBase)).toEqual([true, false, true]);
    expect(findLocalCandidate([h, s, r], 1, 'udp', { address: '2001:DB8::99', port: 7000 })).toBe(s);
    expect(findLocalCandidate([h, s, r], 2, 'udp', { address: '2001:db8::99', port: 7000 })).toBeUndefined();
  });
});
