/**
 * Hex text for bytes, for people and for JSON: transaction ids, HMACs, the
 * `stun decode` command (hex on standard input).
 */

const HEX_DIGITS = '0123456789abcdef';

/** Lower-case hex, two digits a byte, no separators. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 0x0f]!;
  }
  return out;
}

/** What `hexToBytes` gives: the bytes, or the offending character and why. */
export type HexParseResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; error: { code: 'bad-hex-digit' | 'odd-digit-count'; message: string; offset: number } };

/**
 * Bytes from hex text. Whitespace anywhere is ignored, and so is an optional
 * `0x` before a group of digits, so that a dump such as `00 01 00 58` or
 * `0x0001 0x0058` pastes in as it is. Never throws: `offset` is the index in
 * `text` of the offending character.
 */
export function hexToBytes(text: string): HexParseResult {
  const digits: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    const atGroupStart = i === 0 || /\s/.test(text[i - 1]!);
    if (c === 0x30 && atGroupStart && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
      i++;
      continue;
    }
    const v = hexValue(c);
    if (v < 0) {
      return {
        ok: false,
        error: { code: 'bad-hex-digit', message: `'${text[i]}' at index ${i} is not a hex digit`, offset: i },
      };
    }
    digits.push(v);
  }
  if (digits.length % 2 !== 0) {
    return {
      ok: false,
      error: {
        code: 'odd-digit-count',
        message: `${digits.length} hex digits is an odd count; bytes take two digits each`,
        offset: text.length,
      },
    };
  }
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = ((digits[2 * i] as number) << 4) | (digits[2 * i + 1] as number);
  return { ok: true, bytes };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
