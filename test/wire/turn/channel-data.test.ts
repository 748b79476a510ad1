import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WireEncodeError } from '../../../src/wire/errors.js';
import { decodeChannelData, encodeChannelData, isValidChannelNumber } from '../../../src/wire/turn/channel-data.js';

const channelNumber = fc.integer({ min: 0x4000, max: 0x4fff });
const data = fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array(b));

describe('ChannelData (RFC 8656 §12.4)', () => {
  it('lays out channel number, length, data', () => {
    expect(encodeChannelData({ channelNumber: 0x4001, data: new Uint8Array([0xaa, 0xbb, 0xcc]) })).toEqual(
      new Uint8Array([0x40, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc]),
    );
    expect(encodeChannelData({ channelNumber: 0x4001, data: new Uint8Array([0xaa, 0xbb, 0xcc]) }, { pad: true })).toEqual(
      new Uint8Array([0x40, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00]),
    );
  });

  it('accepts only channel numbers 0x4000-0x4FFF', () => {
    expect(isValidChannelNumber(0x4000)).toBe(true);
    expect(isValidChannelNumber(0x4fff)).toBe(true);
    expect(isValidChannelNumber(0x3fff)).toBe(false);
    expect(isValidChannelNumber(0x5000)).toBe(false);
    expect(() => encodeChannelData({ channelNumber: 0x5000, data: new Uint8Array() })).toThrow(WireEncodeError);
    expect(() => encodeChannelData({ channelNumber: 0x3fff, data: new Uint8Array() })).toThrow(WireEncodeError);
  });

  it.each<[string, number[], { stream?: boolean }, string, number]>([
    ['too-short', [0x40, 0x00, 0x00], {}, 'too-short', 3],
    ['reserved channel 0x5000', [0x50, 0x00, 0x00, 0x00], {}, 'bad-channel-number', 0],
    ['reserved channel 0x7fff', [0x7f, 0xff, 0x00, 0x00], {}, 'bad-channel-number', 0],
    ['data shorter than Length (RFC 8656 §12.5: discard)', [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4], {}, 'truncated', 2],
    ['more than padding after the data', [0x40, 0x00, 0x00, 0x01, 1, 0, 0, 0, 0], {}, 'trailing-bytes', 8],
    ['unpadded over a stream', [0x40, 0x00, 0x00, 0x01, 1], { stream: true }, 'missing-padding', 5],
  ])('refuses %s', (_name, bytes, options, code, offset) => {
    const result = decodeChannelData(new Uint8Array(bytes), options);
    expect(result.ok ? null : { code: result.error.code, offset: result.error.offset }).toEqual({ code, offset });
  });

  it('accepts padding over UDP, and its absence', () => {
    expect(decodeChannelData(new Uint8Array([0x40, 0x00, 0x00, 0x01, 9, 0, 0, 0]))).toMatchObject({ ok: true, frame: { data: new Uint8Array([9]) } });
    expect(decodeChannelData(new Uint8Array([0x40, 0x00, 0x00, 0x01, 9]))).toMatchObject({ ok: true, frame: { data: new Uint8Array([9]) } });
  });

  test.prop([channelNumber, data, fc.boolean()], { numRuns: 500 })('round-trips, padded or not', (channel, payload, pad) => {
    const bytes = encodeChannelData({ channelNumber: channel, data: payload }, { pad });
    if (pad) expect(bytes.length % 4).toBe(0);
    const result = decodeChannelData(bytes, { stream: pad });
    expect(result).toEqual({ ok: true, frame: { channelNumber: channel, data: payload } });
  });

  test.prop([fc.uint8Array({ maxLength: 80 }), fc.boolean()], { numRuns: 1000 })('decode never throws', (bytes, stream) => {
    const result = decodeChannelData(bytes, { stream });
    if (!result.ok) expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
  });
});
