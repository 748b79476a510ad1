/** IPv4 addresses, subnets, transport addresses. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { isIPv4, parseSubnet, scopeOf, subnetContains } from '../../src/sim/index.js';
import { broadcastAddress, ipv4ToNumber, nthAddress, numberToIPv4, subnetSize } from '../../src/sim/address.js';
import { AddressError, formatAddress, parseTransportAddress } from '../../src/io/index.js';
import { prop, runs } from './support.js';

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('addresses', () => {
  prop([u32], runs(200))('number ↔ dotted quad round-trips', (n) => {
    const text = numberToIPv4(n);
    expect(isIPv4(text)).toBe(true);
    expect(ipv4ToNumber(text)).toBe(n);
  });

  prop([fc.ipV4(), fc.integer({ min: 0, max: 65535 })], runs(200))('ip:port round-trips', (address, port) => {
    expect(parseTransportAddress(formatAddress({ address, port }))).toEqual({ address, port });
  });

  test('not addresses', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', ' 1.2.3.4']) expect(isIPv4(bad), bad).toBe(false);
    expect(() => ipv4ToNumber('1.2.3')).toThrow(AddressError);
    for (const bad of ['1.2.3.4', '1.2.3.4:', '1.2.3.4:70000', ':80', '1.2.3.4:8a']) expect(() => parseTransportAddress(bad), bad).toThrow(AddressError);
    for (const bad of ['1.2.3.4', '1.2.3.4/33', '1.2.3.4/x', '1.2.3/8', '1.2.3.4/8/9']) expect(() => parseSubnet(bad), bad).toThrow(AddressError);
  });

  prop([u32, fc.integer({ min: 0, max: 32 }), u32], runs(200))('a subnet contains exactly the addresses that share its prefix', (base, prefix, other) => {
    const subnet = parseSubnet(`${numberToIPv4(base)}/${prefix}`);
    expect(subnetContains(subnet, numberToIPv4(base))).toBe(true);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    expect(subnetContains(subnet, numberToIPv4(other))).toBe(((other & mask) >>> 0) === ((base & mask) >>> 0));
    expect(subnetSize(subnet)).toBe(2 ** (32 - prefix));
    expect(subnetContains(subnet, broadcastAddress(subnet))).toBe(true);
  });

  test('nth addresses, and scopes', () => {
    const lan = parseSubnet('192.168.1.77/24');
    expect(lan.cidr).toBe('192.168.1.0/24');
    expect(nthAddress(lan, 1)).toBe('192.168.1.1');
    expect(nthAddress(lan, 254)).toBe('192.168.1.254');
    expect(() => nthAddress(lan, 255)).toThrow(AddressError);
    expect(() => nthAddress(lan, 0)).toThrow(AddressError);
    expect(scopeOf('10.1.2.3')).toBe('private');
    expect(scopeOf('172.31.0.1')).toBe('private');
    expect(scopeOf('172.32.0.1')).toBe('public');
    expect(scopeOf('100.64.0.1')).toBe('shared');
    expect(scopeOf('100.128.0.1')).toBe('public');
    expect(scopeOf('127.0.0.1')).toBe('special');
    expect(scopeOf('224.0.0.1')).toBe('special');
    expect(scopeOf('203.0.113.5')).toBe('public');
  });
});
