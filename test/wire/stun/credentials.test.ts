import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/wire/hex.js';
import { longTermKey, saslPrep, shortTermKey, userHash } from '../../../src/wire/stun/index.js';

describe('saslPrep (the subset described in credentials.ts)', () => {
  it.each([
    ['ASCII is unchanged', 'VOkJxbRl1RmTxUk/WvJxBt', 'VOkJxbRl1RmTxUk/WvJxBt'],
    ['RFC 5769 §2.4: soft hyphen removed, ª and Ⅸ NFKC-mapped', 'The\u00ADM\u00AAtr\u2168', 'TheMatrIX'],
    ['RFC 4013 §3: SOFT HYPHEN mapped to nothing', 'I\u00ADX', 'IX'],
    ['RFC 4013 §3: <U+00AA> is NFKC-mapped to "a"', '\u00AA', 'a'],
    ['RFC 4013 §3: <U+2168> is NFKC-mapped to "IX"', '\u2168', 'IX'],
    ['non-ASCII space to U+0020', 'a\u00A0b\u3000c', 'a b c'],
    ['zero-width joiner removed', 'a\u200Db', 'ab'],
  ])('%s', (_name, input, output) => {
    expect(saslPrep(input)).toBe(output);
  });
});

describe('keys', () => {
  it('short-term key is the UTF-8 of the prepared password', () => {
    expect(shortTermKey('pass')).toEqual(new Uint8Array([0x70, 0x61, 0x73, 0x73]));
  });

  it('long-term key is MD5(username:realm:password), or SHA-256 of the same', () => {
    const md5 = createHash('md5').update('user:realm:pass').digest();
    const sha = createHash('sha256').update('user:realm:pass').digest();
    expect(bytesToHex(longTermKey('user', 'realm', 'pass'))).toBe(md5.toString('hex'));
    expect(bytesToHex(longTermKey('user', 'realm', 'pass', 'SHA-256'))).toBe(sha.toString('hex'));
    expect(longTermKey('user', 'realm', 'pass')).toHaveLength(16);
    expect(longTermKey('user', 'realm', 'pass', 'SHA-256')).toHaveLength(32);
  });

  it('userHash is SHA-256(username:realm), 32 bytes', () => {
    expect(bytesToHex(userHash('u', 'r'))).toBe(createHash('sha256').update('u:r').digest('hex'));
  });
});
