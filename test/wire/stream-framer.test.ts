import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { StreamFramer, type StreamFrame } from '../../src/wire/stream-framer.js';
import { decodeStunMessage, encodeStunMessage } from '../../src/wire/stun/index.js';
import { decodeChannelData, encodeChannelData } from '../../src/wire/turn/channel-data.js';
import { key, stunMessage } from './stun/arbitraries.js';

const frame: fc.Arbitrary<StreamFrame> = fc.oneof(
  fc.tuple(stunMessage, key).map(([m, k]): StreamFrame => ({ kind: 'stun', bytes: encodeStunMessage(m, { key: k }) })),
  fc
    .record({ channelNumber: fc.integer({ min: 0x4000, max: 0x4fff }), data: fc.uint8Array({ maxLength: 120 }) })
    .map((cd): StreamFrame => ({ kind: 'channel-data', bytes: encodeChannelData(cd, { pad: true }) })),
);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(from, p));
    from = p;
  }
  return chunks;
}

describe('StreamFramer (RFC 8656 §3.1 framing over TCP)', () => {
  test.prop([fc.array(frame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 })], { numRuns: 300 })(
    'yields the same frames however the stream is chunked',
    (frames, cuts) => {
      const stream = concat(frames.map((f) => f.bytes));
      const framer = new StreamFramer();
      const out: StreamFrame[] = [];
      for (const c of chunk(stream, cuts)) {
        const result = framer.push(c);
        expect(result.error).toBeUndefined();
        out.push(...result.frames);
      }
      expect(out.map((f) => ({ kind: f.kind, bytes: new Uint8Array(f.bytes) }))).toEqual(frames);
      expect(framer.buffered).toBe(0);
      for (const f of out) {
        const ok = f.kind === 'stun' ? decodeStunMessage(f.bytes).ok : decodeChannelData(f.bytes, { stream: true }).ok;
        expect(ok).toBe(true);
      }
    },
  );

  it('handles byte-at-a-time delivery of a large frame', () => {
    const bytes = encodeChannelData({ channelNumber: 0x4000, data: new Uint8Array(65535).fill(7) }, { pad: true });
    const framer = new StreamFramer();
    const out: StreamFrame[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)).frames);
    expect(out).toHaveLength(1);
    expect(out[0]!.bytes).toEqual(bytes);
  });

  it('several frames in one chunk, and a partial one kept for later', () => {
    const a = encodeChannelData({ channelNumber: 0x4000, data: new Uint8Array([1]) }, { pad: true });
    const b = encodeChannelData({ channelNumber: 0x4001, data: new Uint8Array([2, 3]) }, { pad: true });
    const framer = new StreamFramer();
    const first = framer.push(concat([a, b, b.subarray(0, 3)]));
    expect(first.frames.map((f) => f.bytes)).toEqual([a, b]);
    expect(framer.buffered).toBe(3);
    expect(framer.push(b.subarray(3)).frames.map((f) => f.bytes)).toEqual([b]);
  });

  it('stops at bytes that start neither STUN nor ChannelData, saying where', () => {
    const a = encodeChannelData({ channelNumber: 0x4000, data: new Uint8Array([1, 2, 3, 4]) }, { pad: true });
    const framer = new StreamFramer();
    const result = framer.push(concat([a, new Uint8Array([0x80, 0, 0, 0])]));
    expect(result.frames).toHaveLength(1);
    expect(result.error).toMatchObject({ code: 'bad-leading-bits', offset: 8 });
    expect(framer.push(a)).toEqual({ frames: [], error: result.error });
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 })])('never throws on arbitrary chunks', (chunks) => {
    const framer = new StreamFramer();
    for (const c of chunks) framer.push(c);
    expect(framer.buffered).toBeLessThanOrEqual(chunks.reduce((n, c) => n + c.length, 0));
  });
});
