/**
 * Seeded randomness. One seed per world; every consumer (port choice, link
 * jitter and loss, transaction ids, tie-breakers) draws from a generator
 * *forked* from it by a stable label. Forking by label, rather than sharing one
 * stream, keeps runs comparable: adding a host to a topology does not change the
 * loss pattern on an unrelated link.
 *
 * The generator is pure-rand's xoroshiro128+ (the one fast-check uses).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * The world's one source of randomness (ARCHITECTURE.md principle 2): a
 * seeded generator, forked by label for each consumer, so the same seed
 * gives the same ports, ids, jitter and loss, and the same trace byte for
 * byte. Give a fork of it as the `RandomSource` of machines that run in the
 * world.
 *
 * @throws {RangeError} from the constructor for a seed that is not a safe integer.
 */
export class SeededRandom {
  private readonly rng: JumpableRandomGenerator;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    // xoroshiro128plus takes a 32-bit seed; fold the high bits of larger seeds in.
    this.rng = xoroshiro128plus((seed ^ Math.floor(seed / 0x1_0000_0000)) | 0);
  }

  /** An independent generator for one purpose, the same for the same seed and label. */
  fork(label: string): SeededRandom {
    return new SeededRandom(mixLabel(this.seed, label));
  }

  /** Integer uniform in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** Float uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}

/** FNV-1a over the label, folded into the seed: a stable, well-spread child seed (not cryptographic, need not be). */
function mixLabel(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= Math.floor(seed / 0x1_0000_0000) >>> 0;
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}
