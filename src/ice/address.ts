/**
 * Addresses as ICE needs them: the IP family (RFC 8445 §6.1.2.2 pairs only
 * candidates of the same family), IPv6 link-local (which pairs only with
 * link-local), a canonical text so that `2001:DB8::1` and `2001:db8:0::1` are
 * the same transport address, and the address precedence libwebrtc folds
 * into a candidate's local preference.
 *
 * FQDN connection addresses (mDNS `<uuid>.local` names, RFC 8839 §5.1) have
 * no family until resolved: the agent resolves them and hands the check list
 * IP addresses. Until then they are not paired (see pairing.ts).
 */

import { formatIPv6, parseIPv4, parseIPv6 } from '../io/ip.js';
import type { CandidateTransport } from '../wire/ice-candidate.js';

/** One text per address: RFC 5952 for IPv6, host names in lower case (DNS names are case-insensitive). */
export function canonicalAddress(address: string): string {
  const v6 = address.includes(':') ? parseIPv6(address) : null;
  if (v6 !== null) return formatIPv6(v6);
  return address.toLowerCase();
}

/** A key naming a transport address with its protocol: equal keys, same transport address. */
export function transportAddressKey(transport: CandidateTransport, address: string, port: number): string {
  const a = canonicalAddress(address);
  return `${transport}:${a.includes(':') ? `[${a}]` : a}:${port}`;
}

/** IPv6 fe80::/10. RFC 8445 §6.1.2.2: "IPv6 link-local addresses MUST NOT be paired with other than link-local addresses." */
export function isIPv6LinkLocal(address: string): boolean {
  const b = address.includes(':') ? parseIPv6(address) : null;
  return b !== null && b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
}

/**
 * The "Addr Pref" half of libwebrtc's local preference: its
 * `IPAddressPrecedence` (rtc_base/ip_address.cc), a table after the RFC
 * 3484-bis draft (RFC 6724 §2.1 has the same rows with other numbers) that
 * prefers native IPv4 over 6to4 and Teredo:
 *
 *   IPv4 30 · IPv6 loopback 60 · ULA fc00::/7 50 · IPv4-mapped ::ffff:0:0/96 30
 *   6to4 2002::/16 20 · Teredo 2001::/32 10 · IPv4-compatible ::/96, site-local
 *   fec0::/10, 6bone 3ffe::/16 1 · any other IPv6 40.
 *
 * As in libwebrtc, `::` and `::1` are not "IPv4-compatible", an IPv4-mapped
 * loopback counts as loopback, and IPv4 loopback gets no precedence of its own
 * (the corpus's 127.0.0.1 srflx and relay candidates carry 30). A host name
 * gets 0, as an address of unknown family does there.
 */
export function addressPrecedence(address: string): number {
  if (!address.includes(':')) return parseIPv4(address) === null ? 0 : 30;
  const b = parseIPv6(address);
  if (b === null) return 0;
  const zeros = (n: number) => b.subarray(0, n).every((x) => x === 0);
  const mapped = zeros(10) && b[10] === 0xff && b[11] === 0xff;
  const tail = (((b[12] as number) << 24) | ((b[13] as number) << 16) | ((b[14] as number) << 8) | (b[15] as number)) >>> 0;
  if ((zeros(15) && b[15] === 1) || (mapped && b[12] === 127)) return 60;
  if (((b[0] as number) & 0xfe) === 0xfc) return 50;
  if (mapped) return 30;
  if (b[0] === 0x20 && b[1] === 0x02) return 20;
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return 10;
  if (zeros(12) && tail > 1) return 1;
  if (b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0xc0) return 1;
  if (b[0] === 0x3f && b[1] === 0xfe) return 1;
  return 40;
}
