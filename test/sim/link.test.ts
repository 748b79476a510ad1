/** A link's samples: delay within [latency, latency + jitter] to the microsecond, loss at its rate; link validation. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_LAN_LINK, Link, SeededRandom } from '../../src/sim/index.js';
import { linkProblem, resolveLink } from '../../src/sim/link.js';
import { prop, runs } from './support.js';

describe('Link', () => {
  prop([fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000), fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000), fc.integer()], runs(100))(
    'delays lie in [latency, latency + jitter], rounded to the microsecond',
    (latencyMs, jitterMs, seed) => {
      const link = new Link({ latencyMs, jitterMs, loss: 0, mtu: 1500 }, new SeededRandom(seed));
      for (let i = 0; i < 50; i++) {
        const d = link.sampleDelay();
        expect(d).toBeGreaterThanOrEqual(latencyMs - 1e-9);
        expect(d).toBeLessThanOrEqual(latencyMs + jitterMs + 1e-9);
        expect(Math.abs(d * 1000 - Math.round(d * 1000))).toBeLessThan(1e-6);
        if (jitterMs === 0) expect(d).toBe(latencyMs);
      }
    },
  );

  test('validation names the bad field; resolveLink fills in defaults', () => {
    expect(linkProblem({})).toBeUndefined();
    expect(linkProblem({ latencyMs: 0, jitterMs: 0, loss: 0, mtu: 68 })).toBeUndefined();
    expect(linkProblem({ latencyMs: -1 })).toMatch(/latencyMs/);
    expect(linkProblem({ latencyMs: Number.POSITIVE_INFINITY })).toMatch(/latencyMs/);
    expect(linkProblem({ jitterMs: -0.5 })).toMatch(/jitterMs/);
    expect(linkProblem({ loss: -0.1 })).toMatch(/loss/);
    expect(linkProblem({ mtu: 67 })).toMatch(/mtu/);
    expect(linkProblem({ mtu: 1500.5 })).toMatch(/mtu/);
    expect(resolveLink({ latencyMs: 3 }, DEFAULT_LAN_LINK)).toEqual({ ...DEFAULT_LAN_LINK, latencyMs: 3 });
  });
});
