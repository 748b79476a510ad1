import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { addressPrecedence, canonicalAddress, isIPv6LinkLocal, transportAddressKey } from '../../src/ice/address.js';
import { addressFamily } from '../../src/io/address.js';

describe('addresses for ICE', () => {
  it.each([
    ['192.0.2.1', 'IPv4'],
    ['2001:db8::1', 'IPv6'],
    ['::ffff:192.0.2.1', 'IPv6'],
    ['7ed80530-036e-4e54-966d-aad7a3aa3bf6.local', undefined],
    ['10.0.0', undefined],
  ] as const)('%s is %s', (address, family) => expect(addressFamily(address)).toBe(family));

  it('writes one text per address, so that keys compare addresses', () => {
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('ABC.local')).toBe('abc.local');
    expect(transportAddressKey('udp', '2001:DB8::1', 9)).toBe(transportAddressKey('udp', '2001:db8:0::1', 9));
    expect(transportAddressKey('udp', '2001:db8::1', 9)).toBe('udp:[2001:db8::1]:9');
    expect(transportAddressKey('udp', '10.0.0.1', 9)).not.toBe(transportAddressKey('tcp', '10.0.0.1', 9));
  });

  it('knows IPv6 link-local (fe80::/10) and nothing else', () => {
    expect(isIPv6LinkLocal('fe80::1')).toBe(true);
    expect(isIPv6LinkLocal('febf::1')).toBe(true);
    expect(isIPv6LinkLocal('fec0::1')).toBe(false);
    expect(isIPv6LinkLocal('169.254.1.1')).toBe(false);
  });

  // libwebrtc rtc_base/ip_address.cc IPAddressPrecedence, case by case.
  it.each([
    ['192.0.2.1', 30],
    ['127.0.0.1', 30],
    ['::1', 60],
    ['::ffff:127.0.0.1', 60],
    ['fd12:3456::1', 50],
    ['fc00::1', 50],
    ['::ffff:192.0.2.1', 30],
    ['2002:c000:201::1', 20],
    ['2001:0:4136:e378::1', 10],
    ['::192.0.2.1', 1],
    ['fec0::1', 1],
    ['3ffe::1', 1],
    ['::', 40],
    ['2001:db8::1', 40],
    ['fe80::1', 40],
    ['x.local', 0],
  ] as const)('address precedence of %s is %i', (address, precedence) => expect(addressPrecedence(address)).toBe(precedence));

  test.prop([fc.ipV6()])('every IPv6 address has one of the precedences and keys like its canonical form', (address) => {
    expect([1, 10, 20, 30, 40, 50, 60]).toContain(addressPrecedence(address));
    expect(transportAddressKey('udp', address, 1)).toBe(transportAddressKey('udp', canonicalAddress(address), 1));
  });
});
