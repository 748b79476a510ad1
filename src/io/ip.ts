/**
 * IP addresses as text and as bytes.
 *
 * The codecs speak text (`'192.0.2.1'`, `'2001:db8::1'`) to the rest of the
 * library, because that is what people, traces and SDP use, and bytes to the
 * wire. IPv6 text is written in the canonical form of RFC 5952 (lower case,
 * no leading zeros, the longest run of two or more zero groups as `::`), so
 * that the same address always prints the same way in a trace.
 */

/**
 * 4 bytes from dotted-quad text, or `null` if `text` is not one: four decimal
 * parts of 0 to 255, without leading zeros (they read as octal in some
 * parsers), so that text <-> bytes is one-to-one. One pass over the text, no
 * split or regular expression: every address the simulator and the codecs
 * handle comes through here.
 */
export function parseIPv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part === 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || (digits > 0 && value === 0)) return null;
    value = value * 10 + (c - 0x30);
    digits++;
    if (value > 255) return null;
  }
  if (digits === 0 || part !== 3) return null;
  out[3] = value;
  return out;
}

/**
 * Dotted-quad text for the 4 bytes at `offset` (the inverse of `parseIPv4`),
 * for reading an IPv4 address out of a packet or an attribute in place. It
 * does not check the length: the caller has already checked that 4 bytes are there.
 */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * 16 bytes from IPv6 text (RFC 4291 §2.2: full, `::`-compressed, or with a
 * trailing dotted quad), or `null`. Zone ids (`%eth0`) are not addresses on
 * the wire and are refused.
 */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return null;
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const tailWords: number[] = [];
  if (!pushGroups(headGroups, words, dbl < 0)) return null;
  if (!pushGroups(tailGroups, tailWords, true)) return null;
  // A dotted quad may only end the address (handled by pushGroups); it may
  // not sit in the head when a tail follows.
  const total = words.length + tailWords.length;
  if (dbl >= 0 ? total > 7 : total !== 8) return null;
  const all = [...words, ...new Array<number>(8 - total).fill(0), ...tailWords];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const w = all[i] as number;
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  }
  return out;
}

function pushGroups(groups: string[], words: number[], mayEndWithIPv4: boolean): boolean {
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    if (i === groups.length - 1 && mayEndWithIPv4 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (v4 === null) return false;
      words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    words.push(parseInt(g, 16));
  }
  return true;
}

/** RFC 5952 text of the 16 bytes at `offset`. IPv4-mapped addresses print as `::ffff:a.b.c.d` (RFC 5952 §5). */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + 2 * i] as number) << 8) | (bytes[offset + 2 * i + 1] as number));
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  }
  // The longest run of zero words, at least two long; the first one on a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}
