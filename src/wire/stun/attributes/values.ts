/**
 * The plain values some attributes carry, and the registries that name their
 * numbers. The attribute table (table.ts) and its codecs build on these; they
 * import nothing, so every file of the codec can use them.
 */

/**
 * The Family octet of the address attributes and of REQUESTED-ADDRESS-FAMILY
 * (RFC 8489 §14.1, RFC 8656 §18.8). An address value itself is the one
 * `TransportAddress` (src/io/address.ts): its family follows from its text.
 */
export const FamilyOctet = { IPv4: 0x01, IPv6: 0x02 } as const;

/** IANA "STUN Password Algorithms" (RFC 8489 §18.5). */
export const PasswordAlgorithm = { MD5: 0x0001, 'SHA-256': 0x0002 } as const;

/** One entry of PASSWORD-ALGORITHMS, or the value of PASSWORD-ALGORITHM (RFC 8489 §14.11, §14.12). */
export interface PasswordAlgorithmEntry {
  readonly algorithm: number;
  readonly parameters: Uint8Array;
}

/** ERROR-CODE (RFC 8489 §14.8): the code as a whole number (class × 100 + number) and its reason phrase. */
export interface ErrorCodeValue {
  readonly code: number;
  readonly reason: string;
}

/** IANA protocol number of UDP, the only REQUESTED-TRANSPORT of RFC 8656 §18.11. */
export const TRANSPORT_UDP = 17;

/** IANA protocol number of TCP, which RFC 6062 allows in REQUESTED-TRANSPORT. */
export const TRANSPORT_TCP = 6;
