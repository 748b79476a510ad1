/**
 * Which peers a TURN server may relay to and from.
 *
 * A TURN server is an open relay for anyone who holds credentials, so it
 * must not let a client reach what the client could not reach itself: the
 * server's own addresses and ports, the operator's private network, multicast
 * (RFC 8656 §21.3, "Unauthorized Access to the Network"; RFC 8656 §9.1:
 * a server MAY refuse a permission for policy reasons, with 403 Forbidden).
 *
 * The policy is two lists of CIDR prefixes, IPv4 or IPv6: a peer is allowed
 * when it is in `allow` (or `allow` is empty) and not in `deny`. A bare
 * address is a prefix of its full length.
 */
import { parseIPv4, parseIPv6 } from '../../io/ip.js';

/**
 * Which peers a TURN server may relay to and from (RFC 8656 §21.3; §9.1 lets
 * it refuse the others with 403): CIDR prefixes, IPv4 or IPv6, to allow and
 * to deny. A peer is allowed when it is in `allow` (or `allow` is empty) and
 * not in `deny`.
 */
export interface PeerPolicySpec {
  /** When non-empty, only peers inside one of these prefixes are allowed. */
  readonly allow?: readonly string[];
  /**
   * Peers inside one of these prefixes are refused, even when `allow` has them.
   * Default `DEFAULT_DENIED_PEERS`; a list given here replaces it (spread it in to keep it).
   */
  readonly deny?: readonly string[];
}

/**
 * Refused by default: addresses that are never a peer. "This network"
 * (0.0.0.0/8), multicast and reserved IPv4 (224.0.0.0/3, which includes the
 * broadcast address), the IPv6 unspecified address and IPv6 multicast.
 * Loopback and private ranges are not in the default, so a server on
 * 127.0.0.1 can serve the tests; a deployment should deny them.
 */
export const DEFAULT_DENIED_PEERS: readonly string[] = ['0.0.0.0/8', '224.0.0.0/3', '::/128', 'ff00::/8'];

export type PeerVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

interface Prefix {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly length: number;
}

export interface PeerPolicy {
  /** Whether relaying to or from `ip` is allowed, and if not, which rule says so. */
  verdict(ip: string): PeerVerdict;
}

/** Thrown for a policy that is not a list of CIDR prefixes (a programming error, not untrusted input). */
export class PeerPolicyError extends Error {
  override readonly name = 'PeerPolicyError';
}

/** @throws PeerPolicyError naming the first entry that is not an IPv4 or IPv6 prefix. */
export function compilePeerPolicy(spec: PeerPolicySpec = {}): PeerPolicy {
  const allow = (spec.allow ?? []).map(parsePrefix);
  const deny = (spec.deny ?? DEFAULT_DENIED_PEERS).map(parsePrefix);
  return {
    verdict(ip) {
      const parsed = parseIPv4(ip) ?? parseIPv6(ip);
      if (parsed === null) return { allowed: false, reason: `${ip} is not an IP address` };
      // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) reaches the IPv4 host from a
      // dual-stack socket: judge it as that IPv4 address, or it would slip past every IPv4 prefix.
      const bytes = isIPv4Mapped(parsed) ? parsed.subarray(12) : parsed;
      const denied = deny.find((p) => contains(p, bytes));
      if (denied !== undefined) return { allowed: false, reason: `${ip} is in the denied prefix ${denied.text}` };
      if (allow.length > 0 && !allow.some((p) => contains(p, bytes))) {
        return { allowed: false, reason: `${ip} is in none of the allowed prefixes (${allow.map((p) => p.text).join(', ')})` };
      }
      return { allowed: true };
    },
  };
}

function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIPv4(ip) ?? parseIPv6(ip);
  if (bytes === null) throw new PeerPolicyError(`peer policy entry ${JSON.stringify(text)}: ${JSON.stringify(ip)} is not an IP address`);
  const bits = bytes.length * 8;
  const length = slash < 0 ? bits : Number(text.slice(slash + 1));
  if (!/^\d+$/.test(slash < 0 ? String(bits) : text.slice(slash + 1)) || length > bits) {
    throw new PeerPolicyError(`peer policy entry ${JSON.stringify(text)}: the prefix length must be 0-${bits}`);
  }
  return { text, bytes, length };
}

function isIPv4Mapped(ip: Uint8Array): boolean {
  return ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
}

/** True when `ip` (4 or 16 bytes) lies inside `prefix`; an IPv4 prefix never holds an IPv6 address or the reverse. */
function contains(prefix: Prefix, ip: Uint8Array): boolean {
  if (prefix.bytes.length !== ip.length) return false;
  let bits = prefix.length;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((prefix.bytes[i] as number) & mask) !== ((ip[i] as number) & mask)) return false;
  }
  return true;
}
