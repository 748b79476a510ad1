/**
 * Fuzz inputs, each a pure function of (seed, index), so that any input the
 * fuzzer reports can be produced again with `npm run fuzz -- --seed S --replay I`.
 *
 * Inputs are of six kinds: random bytes; random bytes that start like
 * ChannelData; a valid STUN header over a soup of attributes; valid STUN
 * messages (from a seeded corpus of random messages) mutated; valid
 * ChannelData mutated; the RFC 5769 vectors mutated. Mutations are bit flips,
 * byte sets, truncations, extensions, edits of the header length and of
 * attribute lengths and types, and splices of two messages.
 */

import type { TransportAddress } from '../src/io/address.js';
import {
  AttributeType,
  StunMethod,
  encodeChannelData,
  encodeStunMessage,
  type StunAttribute,
  type StunClass,
  type StunMessage,
} from '../src/wire/index.js';
import { formatIPv4, formatIPv6 } from '../src/io/ip.js';
import * as V from '../test/wire/stun/vectors.js';

/** mulberry32: small, fast, seeded; plenty for choosing fuzz inputs (not for anything secret). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** Mostly small lengths, sometimes large ones. */
  length(max: number): number {
    return this.bool(0.8) ? this.int(Math.min(max, 64) + 1) : this.int(max + 1);
  }
}

/** A generator for input `index`, independent of every other index. */
export function rngFor(seed: number, index: number): Rng {
  return new Rng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
}

const KNOWN_TYPES = Object.values(AttributeType);
const METHODS = Object.values(StunMethod);
const CLASSES: StunClass[] = ['request', 'indication', 'success-response', 'error-response'];
export const FUZZ_KEY = new Uint8Array([0x66, 0x75, 0x7a, 0x7a]);

function address(rng: Rng): TransportAddress {
  return rng.bool()
    ? { address: formatIPv4(rng.bytes(4)), port: rng.int(65536) }
    : { address: formatIPv6(rng.bytes(16)), port: rng.int(65536) };
}

function text(rng: Rng, max: number): string {
  const alphabet = ['a', 'Z', '0', ':', ' ', 'é', 'マ', '\u00AD', '😀'];
  let s = '';
  for (let n = rng.int(max); n > 0; n--) s += rng.pick(alphabet);
  return s;
}

function bodyAttribute(rng: Rng): StunAttribute {
  switch (rng.int(20)) {
    case 0: return { type: 'XOR-MAPPED-ADDRESS', value: address(rng) };
    case 1: return { type: 'MAPPED-ADDRESS', value: address(rng) };
    case 2: return { type: 'XOR-PEER-ADDRESS', value: address(rng) };
    case 3: return { type: 'XOR-RELAYED-ADDRESS', value: address(rng) };
    case 4: return { type: 'USERNAME', value: text(rng, 30) };
    case 5: return { type: 'REALM', value: text(rng, 20) };
    case 6: return { type: 'NONCE', value: text(rng, 30) };
    case 7: return { type: 'SOFTWARE', value: text(rng, 20) };
    case 8: return { type: 'ERROR-CODE', value: { code: rng.range(300, 699), reason: text(rng, 20) } };
    case 9: return { type: 'UNKNOWN-ATTRIBUTES', value: Array.from({ length: rng.int(5) }, () => rng.int(65536)) };
    case 10: return { type: 'PRIORITY', value: rng.int(2 ** 32) };
    case 11: return { type: rng.bool() ? 'ICE-CONTROLLED' : 'ICE-CONTROLLING', value: BigInt(rng.int(2 ** 32)) << 32n | BigInt(rng.int(2 ** 32)) };
    case 12: return { type: 'CHANNEL-NUMBER', value: rng.range(0x4000, 0x4fff) };
    case 13: return { type: 'LIFETIME', value: rng.int(3601) };
    case 14: return { type: 'DATA', value: rng.bytes(rng.length(300)) };
    case 15: return { type: 'REQUESTED-TRANSPORT', value: 17 };
    case 16: return rng.pick<StunAttribute>([{ type: 'USE-CANDIDATE' }, { type: 'DONT-FRAGMENT' }, { type: 'EVEN-PORT', value: rng.bool() }]);
    case 17: return { type: 'PASSWORD-ALGORITHMS', value: [{ algorithm: 2, parameters: new Uint8Array() }, { algorithm: 1, parameters: rng.bytes(rng.int(6)) }] };
    case 18: return rng.bool() ? { type: 'USERHASH', value: rng.bytes(32) } : { type: 'RESERVATION-TOKEN', value: rng.bytes(8) };
    default: return { type: 'unknown', code: rng.bool() ? rng.range(0x8030, 0xffff) : rng.range(0x0040, 0x7fff), value: rng.bytes(rng.int(24)) };
  }
}

export function randomMessage(rng: Rng): StunMessage {
  const attributes: StunAttribute[] = Array.from({ length: rng.int(7) }, () => bodyAttribute(rng));
  if (rng.bool(0.6)) attributes.push({ type: 'MESSAGE-INTEGRITY' });
  if (rng.bool(0.2)) attributes.push({ type: 'MESSAGE-INTEGRITY-SHA256' });
  if (rng.bool(0.6)) attributes.push({ type: 'FINGERPRINT' });
  return { method: rng.bool(0.9) ? rng.pick(METHODS) : rng.int(0x1000), class: rng.pick(CLASSES), transactionId: rng.bytes(12), attributes };
}

export interface Corpus {
  readonly stun: Uint8Array[];
  readonly channelData: Uint8Array[];
  readonly vectors: Uint8Array[];
}

export function buildCorpus(seed: number, size = 2000): Corpus {
  const rng = new Rng(seed ^ 0x5eed);
  const stun = Array.from({ length: size }, () => encodeStunMessage(randomMessage(rng), { key: FUZZ_KEY }));
  const channelData = Array.from({ length: size / 4 }, () =>
    encodeChannelData({ channelNumber: rng.range(0x4000, 0x4fff), data: rng.bytes(rng.length(200)) }, { pad: rng.bool() }),
  );
  const vectors = [V.RFC5769_REQUEST, V.RFC5769_IPV4_RESPONSE, V.RFC5769_IPV6_RESPONSE, V.RFC5769_LONG_TERM_REQUEST, V.RFC8489_SHA256_REQUEST];
  return { stun, channelData, vectors };
}

/** A valid header (cookie, length matching) over a soup of attribute TLVs, some coherent, some not. */
function headerOverSoup(rng: Rng): Uint8Array {
  const parts: number[] = [];
  for (let n = rng.int(6); n > 0; n--) {
    const type = rng.bool(0.8) ? rng.pick(KNOWN_TYPES) : rng.int(65536);
    const valueLength = rng.bool(0.7) ? rng.pick([0, 1, 2, 4, 8, 12, 16, 20, 32]) : rng.int(40);
    const claimed = rng.bool(0.85) ? valueLength : rng.int(65536);
    parts.push(type >> 8, type & 0xff, claimed >> 8, claimed & 0xff);
    for (let i = 0; i < ((valueLength + 3) & ~3); i++) parts.push(rng.bool(0.3) ? 0 : rng.int(256));
  }
  const out = new Uint8Array(20 + parts.length);
  out[0] = rng.int(4);
  out[1] = rng.int(256);
  out[2] = parts.length >> 8;
  out[3] = parts.length & 0xff;
  out.set([0x21, 0x12, 0xa4, 0x42], 4);
  out.set(rng.bytes(12), 8);
  out.set(parts, 20);
  return out;
}

function mutate(rng: Rng, input: Uint8Array, corpus: Corpus): Uint8Array {
  let b: Uint8Array = input.slice();
  for (let n = rng.range(1, 4); n > 0; n--) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(9)) {
      case 0: if (b.length) b[at] = (b[at] as number) ^ (1 << rng.int(8)); break;
      case 1: if (b.length) b[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x01, rng.int(256)]); break;
      case 2: b = b.slice(0, rng.int(b.length + 1)); break;
      case 3: b = concat(b, rng.bytes(rng.range(1, 8))); break;
      case 4: { // the header's Message Length
        if (b.length >= 4) {
          const v = rng.pick([rng.int(65536), ((b[2]! << 8) | b[3]!) + rng.pick([-4, -1, 1, 4]), b.length - 20]) & 0xffff;
          b[2] = v >> 8; b[3] = v & 0xff;
        }
        break;
      }
      case 5: // an attribute's length or type
      case 6: {
        const offsets: number[] = [];
        for (let o = 20; o + 4 <= b.length; o += 4 + ((((b[o + 2]! << 8) | b[o + 3]!) + 3) & ~3)) offsets.push(o);
        if (offsets.length === 0) break;
        const o = rng.pick(offsets);
        const field = rng.bool() ? o + 2 : o;
        const v = field === o ? rng.pick(KNOWN_TYPES) : rng.pick([0, 1, 3, 4, 7, 8, 20, 32, rng.int(65536)]);
        b[field] = v >> 8; b[field + 1] = v & 0xff;
        break;
      }
      case 7: { // splice: this message's head with another's tail
        const other = rng.pick(corpus.stun);
        b = concat(b.subarray(0, rng.int(b.length + 1)), other.subarray(rng.int(other.length + 1)));
        break;
      }
      default: { // duplicate a run of bytes in place
        const from = rng.int(b.length + 1);
        const len = rng.int(Math.min(16, b.length - from) + 1);
        b = concat(concat(b.subarray(0, from + len), b.subarray(from, from + len)), b.subarray(from + len));
      }
    }
  }
  return b;
}

/** Changes bytes inside attribute values only, keeping every length intact: reaches the value decoders and the re-encode check. */
function mutateValues(rng: Rng, input: Uint8Array): Uint8Array {
  const b = input.slice();
  const values: [number, number][] = [];
  for (let o = 20; o + 4 <= b.length; o += 4 + ((((b[o + 2]! << 8) | b[o + 3]!) + 3) & ~3)) {
    const length = (b[o + 2]! << 8) | b[o + 3]!;
    if (length > 0 && o + 4 + length <= b.length) values.push([o + 4, length]);
  }
  if (values.length === 0) return b;
  for (let n = rng.range(1, 3); n > 0; n--) {
    const [start, length] = rng.pick(values);
    const at = start + rng.int(length);
    b[at] = rng.bool() ? rng.int(256) : (b[at] as number) ^ (1 << rng.int(8));
  }
  return b;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export type InputKind =
  | 'random'
  | 'channel-data-like'
  | 'header-over-soup'
  | 'stun-mutated'
  | 'stun-values-mutated'
  | 'channel-data-mutated'
  | 'vector-mutated';

export function generateInput(seed: number, index: number, corpus: Corpus): { kind: InputKind; bytes: Uint8Array } {
  const rng = rngFor(seed, index);
  const roll = rng.int(100);
  if (roll < 15) return { kind: 'random', bytes: rng.bytes(rng.length(128)) };
  if (roll < 25) {
    const b = rng.bytes(rng.range(0, 48));
    if (b.length > 0) b[0] = rng.range(0x40, 0x4f);
    if (b.length >= 4 && rng.bool()) { b[2] = 0; b[3] = Math.max(0, b.length - 4 - rng.int(4)); }
    return { kind: 'channel-data-like', bytes: b };
  }
  if (roll < 40) return { kind: 'header-over-soup', bytes: headerOverSoup(rng) };
  if (roll < 70) return { kind: 'stun-mutated', bytes: mutate(rng, rng.pick(corpus.stun), corpus) };
  if (roll < 85) return { kind: 'stun-values-mutated', bytes: mutateValues(rng, rng.pick(corpus.stun)) };
  if (roll < 95) return { kind: 'channel-data-mutated', bytes: mutate(rng, rng.pick(corpus.channelData), corpus) };
  return { kind: 'vector-mutated', bytes: mutate(rng, rng.pick(corpus.vectors), corpus) };
}
