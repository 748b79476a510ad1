/**
 * Candidate and pair priorities, RFC 8445 §5.1.2 and §6.1.2.3.
 *
 *   priority = 2^24·(type preference) + 2^8·(local preference) + (256 − component ID)
 *
 * The RFC fixes the formula and recommends type preferences; it leaves the
 * local preference to the agent and lets it weigh transports and servers.
 * Where it leaves a choice, this module does what libwebrtc (and so Chromium)
 * does, read from its sources at p2p/base/p2p_constants.h (`IcePriorityValue`),
 * api/candidate.cc (`Candidate::GetPriority`), p2p/base/turn_port.cc
 * (`GetRelayPreference`), p2p/client/basic_port_allocator.cc (relative TURN
 * server priority), rtc_base/network.cc (network preference) and
 * rtc_base/ip_address.cc (`IPAddressPrecedence`, here address.ts). The tests
 * check these rules against every candidate Chromium wrote in the SDP corpus.
 *
 * Pair priorities exceed 2^53 (2^32·MIN + …), so they are bigints.
 */

import type { CandidateTransport, CandidateType } from '../wire/ice-candidate.js';
import { addressPrecedence } from './address.js';

/** RFC 8445 §5.1.2.2: the RECOMMENDED type preferences. */
export const RFC_TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/**
 * libwebrtc's type preferences (p2p_constants.h). The values themselves are
 * the agent's to choose (§5.1.2.2: "agents may take into account factors such
 * as latency, packet loss, cost"), but in two places libwebrtc gives one
 * candidate type several values, where §5.1.2.1 says the type preference
 * "MUST be identical for all candidates of the same type". This module
 * follows libwebrtc there too, so that the simulated agent ranks candidates
 * as Chrome does (and writes the priorities Chrome writes):
 * - TCP candidates rank below every UDP candidate of the same type but above
 *   server-reflexive UDP: host TCP 90, prflx TCP 80 (a local TCP srflx does
 *   not exist in libwebrtc; this module gives it the UDP 100).
 * - Relayed candidates are ranked by the protocol spoken to the TURN server:
 *   UDP 3, DTLS 2, TCP 1, TLS 0. (Until January 2026 UDP was 2; libwebrtc
 *   commit 2448c79741 "Update DTLS ICE priority to be less than UDP" made
 *   room for DTLS below it. Chrome 156 in the corpus writes 3.)
 */
export const LIBWEBRTC_TYPE_PREFERENCE = {
  host: 126,
  prflx: 110,
  srflx: 100,
  hostTcp: 90,
  prflxTcp: 80,
  relayUdp: 3,
  relayDtls: 2,
  relayTcp: 1,
  relayTls: 0,
} as const;

/** How a relayed candidate's allocation was reached: the transport to the TURN server (RFC 8656 §3.1). */
export type RelayProtocol = 'udp' | 'tcp' | 'tls' | 'dtls';

/** libwebrtc's `kMaxTurnServers`: at most 32 TURN servers, so the relay preference is 0..32. */
export const MAX_TURN_SERVERS = 32;

/** The type preference libwebrtc gives a candidate of this type and transport. */
export function typePreference(type: CandidateType, transport: CandidateTransport, relayProtocol: RelayProtocol = 'udp'): number {
  const T = LIBWEBRTC_TYPE_PREFERENCE;
  switch (type) {
    case 'host':
      return transport === 'tcp' ? T.hostTcp : T.host;
    case 'prflx':
      return transport === 'tcp' ? T.prflxTcp : T.prflx;
    case 'srflx':
      return T.srflx;
    case 'relay':
      return { udp: T.relayUdp, dtls: T.relayDtls, tcp: T.relayTcp, tls: T.relayTls }[relayProtocol];
  }
}

/** What libwebrtc's local preference is made of. */
export interface LocalPreferenceInputs {
  /** The candidate's own IP address (for a relayed candidate, the relayed address). */
  readonly address: string;
  /**
   * "NIC pref", 0..127. libwebrtc sorts the networks it enumerates (by
   * adapter type, then IP family and address) and numbers them 127, 126, …
   * When it may not enumerate adapters (Chromium without a getUserMedia
   * permission, the mDNS case) it uses the "any address" networks, whose
   * preference stays 0: every Chrome 156 candidate in the corpus has 0.
   */
  readonly networkPreference?: number;
  /**
   * For relayed candidates: with N TURN servers, the first gets N, the next
   * N − 1, … ("relative priority", basic_port_allocator.cc), so RFC 8445
   * §5.1.2.2's "unique for each server" holds. 0 for other candidates.
   */
  readonly relayPreference?: number;
}

/**
 * libwebrtc's local preference: (NIC pref << 8 | address precedence) + relay
 * preference, a 16-bit value. (libwebrtc's field trial
 * WebRTC-IncreaseIceCandidatePriorityHostSrflx adds 32 to non-relayed
 * candidates; it is off by default and not modelled.)
 */
export function localPreference({ address, networkPreference = 0, relayPreference = 0 }: LocalPreferenceInputs): number {
  if (!isIntegerIn(networkPreference, 0, 127)) throw new RangeError(`network preference ${networkPreference} is not 0..127`);
  if (!isIntegerIn(relayPreference, 0, MAX_TURN_SERVERS)) throw new RangeError(`relay preference ${relayPreference} is not 0..${MAX_TURN_SERVERS}`);
  return ((networkPreference << 8) | addressPrecedence(address)) + relayPreference;
}

/** RFC 8445 §5.1.2.1. Throws a RangeError for preferences or a component outside the RFC's ranges. */
export function candidatePriority(typePref: number, localPref: number, component: number): number {
  if (!isIntegerIn(typePref, 0, 126)) throw new RangeError(`type preference ${typePref} is not 0..126`);
  if (!isIntegerIn(localPref, 0, 65535)) throw new RangeError(`local preference ${localPref} is not 0..65535`);
  if (!isIntegerIn(component, 1, 256)) throw new RangeError(`component ${component} is not 1..256`);
  return typePref * 2 ** 24 + localPref * 2 ** 8 + (256 - component);
}

/** The three parts of a priority that follows the formula (component 256 reads as 0 in the low byte). */
export function priorityParts(priority: number): { typePreference: number; localPreference: number; component: number } {
  return {
    typePreference: Math.floor(priority / 2 ** 24),
    localPreference: Math.floor(priority / 2 ** 8) % 2 ** 16,
    component: 256 - (priority % 256),
  };
}

/** What a candidate's priority is computed from. */
export interface PriorityInputs extends LocalPreferenceInputs {
  readonly type: CandidateType;
  readonly transport: CandidateTransport;
  readonly component: number;
  readonly relayProtocol?: RelayProtocol;
}

/** The priority libwebrtc gives this candidate: {@link typePreference}, {@link localPreference}, RFC 8445 §5.1.2.1. */
export function libwebrtcPriority(inputs: PriorityInputs): number {
  return candidatePriority(typePreference(inputs.type, inputs.transport, inputs.relayProtocol), localPreference(inputs), inputs.component);
}

/**
 * The PRIORITY attribute of a connectivity check (RFC 8445 §7.1.1): the local
 * candidate's priority with the peer-reflexive type preference, since a
 * peer-reflexive candidate learned from the check gets this priority
 * (§7.2.5.3.1, §7.3.1.3). libwebrtc (Connection::prflx_priority) keeps the
 * low 24 bits and uses 80 for TCP, 110 for UDP.
 */
export function peerReflexivePriority(localPriority: number, transport: CandidateTransport): number {
  const type = transport === 'tcp' ? LIBWEBRTC_TYPE_PREFERENCE.prflxTcp : LIBWEBRTC_TYPE_PREFERENCE.prflx;
  return type * 2 ** 24 + (localPriority % 2 ** 24);
}

/**
 * An ICE agent's role (RFC 8445 §6.1.1): the controlling agent nominates the
 * pair both will use; the controlled one follows. The offerer starts
 * controlling; a role conflict is resolved by the tie-breakers (§7.3.1.1).
 */
export type IceRole = 'controlling' | 'controlled';

/**
 * RFC 8445 §6.1.2.3: with G the priority of the controlling agent's
 * candidate and D the controlled agent's,
 *
 *   pair priority = 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0)
 *
 * Exact in bigint: up to 2^63 − 2^32 + … > 2^53.
 */
export function pairPriority(controlling: number, controlled: number): bigint {
  const g = BigInt(controlling);
  const d = BigInt(controlled);
  const [min, max] = g < d ? [g, d] : [d, g];
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

/** The pair priority as the agent in `role` sees it, from its local and the remote candidate's priority. */
export function pairPriorityFor(role: IceRole, localPriority: number, remotePriority: number): bigint {
  return role === 'controlling' ? pairPriority(localPriority, remotePriority) : pairPriority(remotePriority, localPriority);
}

function isIntegerIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}
