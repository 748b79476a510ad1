import { describe, expect, it } from 'vitest';
import { demultiplex } from '../../src/wire/demux.js';
import { encodeChannelData } from '../../src/wire/turn/channel-data.js';
import { RFC5769_REQUEST } from './stun/vectors.js';

describe('demultiplex (RFC 7983 §7)', () => {
  it.each([
    [0, 'stun'],
    [3, 'stun'],
    [4, 'unknown'],
    [15, 'unknown'],
    [16, 'zrtp'],
    [19, 'zrtp'],
    [20, 'dtls'],
    [63, 'dtls'],
    [64, 'turn-channel'],
    [79, 'turn-channel'],
    [80, 'unknown'],
    [127, 'unknown'],
    [128, 'rtp-rtcp'],
    [191, 'rtp-rtcp'],
    [192, 'unknown'],
    [255, 'unknown'],
  ] as const)('first byte %i is %s', (first, kind) => {
    expect(demultiplex(new Uint8Array([first, 0, 0, 0]))).toBe(kind);
  });

  it('classifies real packets, and the empty one', () => {
    expect(demultiplex(RFC5769_REQUEST)).toBe('stun');
    expect(demultiplex(encodeChannelData({ channelNumber: 0x4fff, data: new Uint8Array(3) }))).toBe('turn-channel');
    expect(demultiplex(new Uint8Array([22, 0xfe, 0xfd]))).toBe('dtls'); // a DTLS 1.2 handshake record
    expect(demultiplex(new Uint8Array())).toBe('unknown');
  });

  it('every first byte maps to exactly one kind', () => {
    const counts = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      const k = demultiplex(new Uint8Array([b]));
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ stun: 4, unknown: 12 + 48 + 64, zrtp: 4, dtls: 44, 'turn-channel': 16, 'rtp-rtcp': 64 });
  });
});
