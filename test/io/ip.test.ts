import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../src/io/ip.js';

describe('IP text', () => {
  it.each([
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: first of equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // RFC 5952 §4.2.2: a single zero is not compressed
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s prints as %s', (input, canonical) => {
    const bytes = parseIPv6(input);
    expect(bytes).not.toBeNull();
    expect(formatIPv6(bytes!)).toBe(canonical);
  });

  it.each([':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '1:2:3:4:5:6:7', 'fe80::1%eth0', '::1.2.3', ''])(
    'refuses %j as IPv6',
    (text) => expect(parseIPv6(text)).toBeNull(),
  );

  it.each(['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d', ''])('refuses %j as IPv4', (text) => expect(parseIPv4(text)).toBeNull());

  test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 })])('IPv6 bytes -> text -> bytes', (bytes) => {
    expect(parseIPv6(formatIPv6(bytes))).toEqual(new Uint8Array(bytes));
  });

  test.prop([fc.ipV6()])('parses what fast-check calls IPv6 (RFC 3986 forms)', (text) => {
    const bytes = parseIPv6(text);
    expect(bytes).not.toBeNull();
    expect(parseIPv6(formatIPv6(bytes!))).toEqual(bytes);
  });

  test.prop([fc.uint8Array({ minLength: 4, maxLength: 4 })])('IPv4 bytes -> text -> bytes', (bytes) => {
    expect(parseIPv4(formatIPv4(bytes))).toEqual(new Uint8Array(bytes));
  });
});
