/**
 * Local candidates: a candidate line's fields plus what only the agent that
 * gathered it knows (RFC 8445 §4, §5.1.1): its base, and for reflexive and
 * relayed candidates the server that gave them. Remote candidates are just
 * the wire's {@link IceCandidate}.
 *
 * A local candidate's `address` is the IP the agent sends from or was given.
 * An mDNS host candidate keeps its IP here; the `.local` name is what the
 * agent writes when it signals the candidate, not what it pairs.
 */

import type { IceCandidate } from '../wire/ice-candidate.js';
import { transportAddressKey } from './address.js';
import { type TransportAddress } from '../io/address.js';
import type { RelayProtocol } from './priority.js';

export interface LocalCandidate extends IceCandidate {
  /**
   * RFC 8445 §4 "Base": the transport address the agent sends from for this
   * candidate. Host and relayed candidates are their own base; a
   * server-reflexive or peer-reflexive candidate's base is the host (or, for a
   * prflx learned through a relay, the relayed) candidate it was seen from.
   */
  readonly base: TransportAddress;
  /** For srflx and relay candidates: the IP the agent used to reach the STUN or TURN server (RFC 8445 §5.1.1.3). */
  readonly server?: string | undefined;
  /** For relayed candidates: the transport to the TURN server. */
  readonly relayProtocol?: RelayProtocol | undefined;
}

/** The key of a candidate's transport address within its component: equal keys, same candidate address. */
export function candidateAddressKey(c: IceCandidate): string {
  return `${c.component}/${transportAddressKey(c.transport, c.address, c.port)}`;
}

/** The key of a local candidate's base within its component. */
export function baseKey(c: LocalCandidate): string {
  return `${c.component}/${transportAddressKey(c.transport, c.base.address, c.base.port)}`;
}

/** Host and relayed candidates are their own base: checks can be sent from them directly (RFC 8445 §6.1.2.4). */
export function isOwnBase(c: LocalCandidate): boolean {
  return candidateAddressKey(c) === baseKey(c);
}

/**
 * RFC 8445 §5.1.3: "A candidate is redundant if and only if its transport
 * address and base equal those of another candidate. The agent SHOULD
 * eliminate the redundant candidate with the lower priority." The typical
 * case is a srflx candidate equal to its host candidate when there is no NAT.
 * Keeps the first of equal priorities; the survivors keep their order.
 */
export function eliminateRedundantCandidates<C extends LocalCandidate>(candidates: readonly C[]): C[] {
  const best = new Map<string, C>();
  for (const c of candidates) {
    const key = redundancyKey(c);
    const kept = best.get(key);
    if (kept === undefined || c.priority > kept.priority) best.set(key, c);
  }
  const survivors = new Set(best.values());
  return candidates.filter((c) => survivors.has(c));
}

/**
 * Whether `candidate` is redundant with one already gathered. For trickle
 * ICE, where candidates already signalled cannot be taken back, the new one
 * is the one to drop whatever its priority (Trickle ICE, RFC 8838, on
 * newly gathered candidates).
 */
export function isRedundantWith(candidate: LocalCandidate, gathered: readonly LocalCandidate[]): boolean {
  const key = redundancyKey(candidate);
  return gathered.some((g) => g !== candidate && redundancyKey(g) === key);
}

/** The local candidate whose transport address is this one (the mapped address of a check, RFC 8445 §7.2.5.3.1). */
export function findLocalCandidate<C extends LocalCandidate>(
  locals: readonly C[],
  component: number,
  transport: IceCandidate['transport'],
  address: TransportAddress,
): C | undefined {
  const key = `${component}/${transportAddressKey(transport, address.address, address.port)}`;
  return locals.find((c) => candidateAddressKey(c) === key);
}

function redundancyKey(c: LocalCandidate): string {
  return `${candidateAddressKey(c)} from ${baseKey(c)}`;
}
