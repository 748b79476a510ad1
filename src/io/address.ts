/**
 * The one transport address of the whole library: an IP address and a port,
 * RFC 8445's "transport address". The simulator, the real sockets, the STUN
 * and TURN codecs and ICE all pass this shape; the address family is not a
 * field but a property of the text (`addressFamily`), so two spellings of one
 * address can never disagree about it.
 */
import { parseIPv4, parseIPv6 } from './ip.js';

/** An IP address (or, for ICE before mDNS resolution, a host name) and a port. */
export interface TransportAddress {
  /** Dotted-quad IPv4 (`192.0.2.1`) or IPv6 text (`2001:db8::1`), without brackets. */
  readonly address: string;
  /** 0-65535. */
  readonly port: number;
}

/** The transport protocol beside a transport address. */
export type Protocol = 'udp' | 'tcp';

/** The address family, spelled as RFC 8489 §14.1 and RFC 8656 §18.8 spell it. */
export type AddressFamily = 'IPv4' | 'IPv6';

/** Thrown when text is not the address it should be. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

// Pairing and the codecs ask for the family of the same few addresses over and over: remember the answers.
const families = new Map<string, AddressFamily | undefined>();
const FAMILY_CACHE_LIMIT = 1 << 14;

/** `'IPv4'`, `'IPv6'`, or `undefined` for a host name or anything that is not an IP address. */
export function addressFamily(address: string): AddressFamily | undefined {
  let family = families.get(address);
  if (family !== undefined || families.has(address)) return family;
  family = address.includes(':') ? (parseIPv6(address) === null ? undefined : 'IPv6') : parseIPv4(address) === null ? undefined : 'IPv4';
  if (families.size >= FAMILY_CACHE_LIMIT) families.clear();
  families.set(address, family);
  return family;
}

/** Whether `port` is a port number a socket may bind: an integer 0-65535 (0 asks for an ephemeral port; a destination needs 1-65535). */
export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** `192.0.2.1:3478`, or `[2001:db8::1]:3478` for IPv6 (RFC 3986 §3.2.2). */
export function formatAddress(a: TransportAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Parses what {@link formatAddress} writes: `a.b.c.d:port` or `[v6]:port`.
 *
 * @throws AddressError naming the text, when it is not an IP address and a port.
 */
export function parseTransportAddress(text: string): TransportAddress {
  const i = text.lastIndexOf(':');
  const portText = text.slice(i + 1);
  let address = text.slice(0, i);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  else if (address.includes(':')) address = ''; // IPv6 needs its brackets: `::1:3478` is ambiguous
  const port = Number(portText);
  if (i < 0 || portText === '' || !/^\d+$/.test(portText) || !isValidPort(port) || addressFamily(address) === undefined) {
    throw new AddressError(`not an ip:port transport address (a.b.c.d:port or [v6]:port): ${JSON.stringify(text)}`);
  }
  return { address, port };
}

/** Same address text and port. Callers compare canonical text (what the codecs and sockets produce). */
export function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port;
}
