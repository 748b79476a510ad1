/**
 * IPv4 addresses and subnets, as the simulated world lays out its realms.
 * Transport addresses (ip:port) are the IO contract's (src/io/address.ts).
 *
 * Addresses travel as dotted-quad strings (what a trace reader wants to see)
 * and are turned into 32-bit numbers only for subnet arithmetic.
 */

import { AddressError } from '../io/address.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Whether `text` is an IPv4 address in dotted-quad form (four decimal parts
 * 0-255, no leading zeros), the only address form a simulated realm uses.
 * Never throws: anything that is not such a string is `false`.
 */
export function isIPv4(text: string): boolean {
  return typeof text === 'string' && parseIPv4(text) !== undefined;
}

// A world uses few distinct addresses and asks about them on every hop: remember the answers.
const parsed = new Map<string, number | undefined>();
const PARSE_CACHE_LIMIT = 1 << 16;

function parseIPv4(text: string): number | undefined {
  let n = parsed.get(text);
  if (n !== undefined || parsed.has(text)) return n;
  const m = IPV4.exec(text);
  if (m !== null && m.slice(1).every((part) => Number(part) <= 255 && String(Number(part)) === part)) {
    n = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  }
  if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
  parsed.set(text, n);
  return n;
}

export function ipv4ToNumber(text: string): number {
  const n = typeof text === 'string' ? parseIPv4(text) : undefined;
  if (n === undefined) throw new AddressError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return n;
}

export function numberToIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** An IPv4 subnet (RFC 4632 CIDR notation), normalised to its network address: the address space of a simulated LAN. Made by `parseSubnet`. */
export interface Subnet {
  /** The network address, e.g. 192.168.1.0 */
  readonly network: string;
  readonly prefixLength: number;
  /** e.g. "192.168.1.0/24" */
  readonly cidr: string;
}

/**
 * Reads a subnet in CIDR form (`'192.168.1.0/24'`). Host bits are cleared, so
 * `'192.168.1.7/24'` gives the subnet `192.168.1.0/24`.
 *
 * @throws {AddressError} when `cidr` is not an IPv4 address, a slash and a prefix length 0-32.
 */
export function parseSubnet(cidr: string): Subnet {
  const [ip, bits, ...rest] = cidr.split('/');
  const prefixLength = Number(bits);
  if (ip === undefined || rest.length > 0 || !isIPv4(ip) || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new AddressError(`not an IPv4 subnet in CIDR form (a.b.c.d/n): ${JSON.stringify(cidr)}`);
  }
  const network = numberToIPv4((ipv4ToNumber(ip) & maskOf(prefixLength)) >>> 0);
  return { network, prefixLength, cidr: `${network}/${prefixLength}` };
}

/**
 * Whether `ip` lies inside `subnet` (the network and broadcast addresses included).
 *
 * @throws {AddressError} when `ip` is not an IPv4 address.
 */
export function subnetContains(subnet: Subnet, ip: string): boolean {
  const mask = maskOf(subnet.prefixLength);
  return ((ipv4ToNumber(ip) & mask) >>> 0) === ipv4ToNumber(subnet.network);
}

/** The n-th address of a subnet (n = 1 is the usual gateway, .1). */
export function nthAddress(subnet: Subnet, n: number): string {
  const size = 2 ** (32 - subnet.prefixLength);
  if (n <= 0 || n >= size - 1) throw new AddressError(`${subnet.cidr} has no usable address number ${n}`);
  return numberToIPv4((ipv4ToNumber(subnet.network) + n) >>> 0);
}

export function broadcastAddress(subnet: Subnet): string {
  return numberToIPv4((ipv4ToNumber(subnet.network) + subnetSize(subnet) - 1) >>> 0);
}

export function subnetSize(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefixLength);
}

function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The RFC 1918 private ranges (10/8, 172.16/12, 192.168/16), where LANs live; the RFC 6598 shared range is `SHARED_ADDRESS_SPACE`. */
export const PRIVATE_RANGES: readonly Subnet[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseSubnet);
/** RFC 6598 shared address space, 100.64.0.0/10: the addresses a carrier-grade NAT gives its subscribers, between their home NAT and the internet. */
export const SHARED_ADDRESS_SPACE: Subnet = parseSubnet('100.64.0.0/10');
const NOT_ROUTABLE: readonly Subnet[] = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].map(parseSubnet);

/**
 * Where an address may live in a topology (`scopeOf`): `private` (RFC 1918)
 * and `shared` (RFC 6598, behind a carrier-grade NAT) on a LAN, `public` on
 * the internet, `special` (this-network, loopback, link-local, multicast,
 * reserved) nowhere.
 */
export type AddressScope = 'private' | 'shared' | 'public' | 'special';

/** Where an address may live: on a LAN (private, shared), on the internet (public), or nowhere in a topology (special). */
export function scopeOf(ip: string): AddressScope {
  if (PRIVATE_RANGES.some((s) => subnetContains(s, ip))) return 'private';
  if (subnetContains(SHARED_ADDRESS_SPACE, ip)) return 'shared';
  if (NOT_ROUTABLE.some((s) => subnetContains(s, ip))) return 'special';
  return 'public';
}
