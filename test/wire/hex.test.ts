import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/wire/hex.js';

describe('hex', () => {
  it('reads RFC-style dumps with spaces, newlines and 0x prefixes', () => {
    expect(hexToBytes('00 01\n 0x0058\tFF')).toEqual({ ok: true, bytes: new Uint8Array([0, 1, 0, 0x58, 0xff]) });
  });

  it('says what is wrong and where', () => {
    expect(hexToBytes('00 0g')).toMatchObject({ ok: false, error: { code: 'bad-hex-digit', offset: 4 } });
    expect(hexToBytes('000')).toMatchObject({ ok: false, error: { code: 'odd-digit-count' } });
  });

  test.prop([fc.uint8Array({ maxLength: 64 })])('round-trips', (bytes) => {
    expect(hexToBytes(bytesToHex(bytes))).toEqual({ ok: true, bytes: new Uint8Array(bytes) });
  });
});
