/**
 * RFC 8445 §7.2.5.2.1, non-symmetric transport addresses: a connectivity
 * check succeeds only if its response came back the way the request went.
 *
 *   "The ICE agent MUST check that the source and destination transport
 *   addresses in the Binding request and response are symmetric. [...] If
 *   the addresses are not symmetric, the agent MUST set the candidate pair
 *   state to Failed."
 *
 * Symmetric means: the response comes from the IP address and port the
 * request was sent to, and arrives at the IP address and port it was sent
 * from (the check's base).
 *
 * Why: a response from elsewhere means a NAT between the agents gave the
 * answer another mapping than the request (an address-dependent mapping,
 * RFC 4787 §4.1): the peer's packets come from another address than the
 * pair's remote candidate, so the pair the check tested is not the path the
 * answers take.
 */
import { formatAddress, sameAddress, type TransportAddress } from '../io/address.js';

/** Where one datagram came from and went to. */
export interface DatagramAddresses {
  readonly source: TransportAddress;
  readonly destination: TransportAddress;
}

/** Symmetric, or why not: which half differs, for the check's trace. */
export type SymmetryVerdict = { readonly symmetric: true } | { readonly symmetric: false; readonly reason: string };

/** Is `response` the mirror of `request` (§7.2.5.2.1)? Each half is compared as IP address and port. */
export function checkSymmetry(request: DatagramAddresses, response: DatagramAddresses): SymmetryVerdict {
  if (!sameAddress(response.source, request.destination)) {
    return { symmetric: false, reason: `non-symmetric: the response came from ${formatAddress(response.source)}, the request went to ${formatAddress(request.destination)} (RFC 8445 §7.2.5.2.1)` };
  }
  if (!sameAddress(response.destination, request.source)) {
    return { symmetric: false, reason: `non-symmetric: the response arrived at ${formatAddress(response.destination)}, the request left from ${formatAddress(request.source)} (RFC 8445 §7.2.5.2.1)` };
  }
  return { symmetric: true };
}
