/**
 * Foundations, RFC 8445 §5.1.1.3. Two candidates have the same foundation
 * when they have the same type, their bases have the same IP address (ports
 * may differ), reflexive and relayed ones were obtained from a STUN or TURN
 * server at the same IP address, and they were obtained with the same
 * transport protocol; otherwise they have different foundations.
 *
 * The foundation groups candidates that are likely to succeed or fail
 * together: the check list unfreezes one pair per foundation first (§6.1.2.6)
 * and the rest of a group when one of it succeeds (§7.2.5.3.3).
 *
 * Form, as libwebrtc (api/candidate.cc, Candidate::ComputeFoundation): the
 * decimal CRC-32 of the identifying fields and a per-agent seed. libwebrtc
 * seeds with the ICE tie-breaker so that foundations do not identify a
 * machine across sessions; the simulated agent passes its seeded random one.
 * One departure from libwebrtc, where the RFC's "two candidates have
 * different foundations if … the STUN or TURN servers used to obtain them
 * have different IP addresses" leaves no choice: the server's IP is part of
 * the key (libwebrtc leaves it out, so there srflx candidates from two STUN
 * servers share a foundation). Like libwebrtc, the transport to the TURN server is part of a relayed
 * candidate's key ("obtained using the same transport protocol").
 * A CRC-32 can collide: for n foundations the chance is about n²/2^33, one in
 * 10^8 for ten candidates; a collision only makes two groups unfreeze together.
 */

import { crc32 } from 'node:zlib';
import type { CandidateTransport, CandidateType } from '../wire/ice-candidate.js';
import { canonicalAddress } from './address.js';
import type { RelayProtocol } from './priority.js';

/** What RFC 8445 §5.1.1.3 says a foundation depends on. */
export interface FoundationInputs {
  readonly type: CandidateType;
  readonly transport: CandidateTransport;
  /** The base's IP address (the port does not matter). */
  readonly baseAddress: string;
  /** srflx and relay: the IP address used to reach the STUN or TURN server. Ignored for host and prflx. */
  readonly server?: string | undefined;
  /** relay: the transport to the TURN server. */
  readonly relayProtocol?: RelayProtocol | undefined;
}

/** A text naming the foundation group: equal texts exactly when RFC 8445 §5.1.1.3 asks for equal foundations. */
export function foundationKey(inputs: FoundationInputs): string {
  const { type, transport, baseAddress } = inputs;
  const fromServer = type === 'srflx' || type === 'relay';
  const server = fromServer && inputs.server !== undefined ? canonicalAddress(inputs.server) : '';
  const relay = type === 'relay' ? (inputs.relayProtocol ?? 'udp') : '';
  return [type, transport, canonicalAddress(baseAddress), server, relay].join('|');
}

/**
 * The foundation: the decimal CRC-32 of {@link foundationKey} and `seed`.
 * Only digits, so always a valid `foundation` (1 to 32 ice-chars, RFC 8839).
 */
export function computeFoundation(inputs: FoundationInputs, seed: string | bigint = ''): string {
  return String(crc32(`${foundationKey(inputs)}|${seed}`));
}

/**
 * RFC 8445 §7.3.1.3: a remote peer-reflexive candidate's foundation is "an
 * arbitrary value, different from the foundations of all other remote
 * candidates". The '-' is not an ice-char, so no foundation a peer signals
 * can ever equal one made here.
 */
export function remotePeerReflexiveFoundation(existing: Iterable<string>): string {
  const taken = new Set(existing);
  let n = 1;
  while (taken.has(`prflx-${n}`)) n++;
  return `prflx-${n}`;
}
