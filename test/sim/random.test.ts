/** The seeded generator: reproducible, in range, forked by label. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '../../src/sim/index.js';
import { prop, runs } from './support.js';

const seedArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
const draw = (r: SeededRandom, n = 20) => Array.from({ length: n }, () => r.int(0, 1_000_000));

describe('SeededRandom', () => {
  prop([seedArb], runs(100))('the same seed gives the same sequence', (seed) => {
    expect(draw(new SeededRandom(seed))).toEqual(draw(new SeededRandom(seed)));
  });

  prop([seedArb, fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 })], runs(100))('int(min, max) stays in [min, max]; float in [0, 1)', (seed, min, span) => {
    const r = new SeededRandom(seed);
    for (let i = 0; i < 50; i++) {
      const v = r.int(min, min + span);
      expect(Number.isInteger(v) && v >= min && v <= min + span).toBe(true);
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  prop([seedArb, fc.string(), fc.string()], runs(100))('forks are stable per label, and differ between labels and from the parent', (seed, a, b) => {
    fc.pre(a !== b);
    const parent = new SeededRandom(seed);
    expect(draw(parent.fork(a))).toEqual(draw(new SeededRandom(seed).fork(a)));
    expect(draw(parent.fork(a))).not.toEqual(draw(parent.fork(b)));
    // Forking does not consume the parent's stream.
    const p1 = new SeededRandom(seed);
    const p2 = new SeededRandom(seed);
    p1.fork(a);
    expect(draw(p1)).toEqual(draw(p2));
  });

  prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], runs(50))('forks of neighbouring seeds differ', (seed) => {
    expect(draw(new SeededRandom(seed).fork('x'))).not.toEqual(draw(new SeededRandom(seed + 1).fork('x')));
  });

  prop([seedArb], runs(20))('chance(p) is never true for p <= 0, always for p >= 1, and about p otherwise', (seed) => {
    const r = new SeededRandom(seed);
    let hits = 0;
    let wrong = 0;
    for (let i = 0; i < 4_000; i++) {
      if (r.chance(0) || r.chance(-1) || !r.chance(1) || !r.chance(2)) wrong++;
      if (r.chance(0.25)) hits++;
    }
    expect(wrong).toBe(0);
    // 4000 draws at p = 0.25: sd ≈ 27; 6 sd either way.
    expect(Math.abs(hits - 1_000)).toBeLessThan(165);
  });

  test('bytes, pick, and bad input', () => {
    const r = new SeededRandom(3);
    expect(r.bytes(16)).toHaveLength(16);
    expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']));
    expect(() => r.pick([])).toThrow(RangeError);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
    expect(() => new SeededRandom(Number.MAX_SAFE_INTEGER + 2)).toThrow(RangeError);
  });
});
