/**
 * What an allocation holds (RFC 8656 §2.2, §5): its relayed transport
 * address, its expiry, its permissions and its channel bindings, as a value;
 * and the questions the relaying asks of it.
 *
 * Everything is judged at an instant `at` (ms on the injected clock): a
 * permission or channel is valid while `at < expiresAt`. The allocation
 * machine also removes each one when its timer fires, exactly at `expiresAt`,
 * but judging by the instant as well means a datagram that arrives at that
 * very instant is refused whichever of the two events the clock runs first.
 */
import { addressFamily, sameAddress, type TransportAddress } from '../../../io/address.js';
import type { PeerPolicy } from '../peer-policy.js';

export interface ChannelBinding {
  /** The peer's full transport address: a channel is bound to IP and port (RFC 8656 §12). */
  readonly peer: TransportAddress;
  readonly expiresAt: number;
}

export interface AllocationState {
  readonly relayed: TransportAddress;
  readonly expiresAt: number;
  /** Peer IP → when its permission expires. */
  readonly permissions: ReadonlyMap<string, number>;
  /** Channel number → binding. */
  readonly channels: ReadonlyMap<number, ChannelBinding>;
}

/** RFC 8656 §9: a permission is for an IP address; the port does not matter. */
export function hasPermission(state: AllocationState, ip: string, at: number): boolean {
  const expiresAt = state.permissions.get(ip);
  return expiresAt !== undefined && at < expiresAt;
}

/** The live channel bound to `channel`, if any. */
export function channelByNumber(state: AllocationState, channel: number, at: number): ChannelBinding | undefined {
  const binding = state.channels.get(channel);
  return binding !== undefined && at < binding.expiresAt ? binding : undefined;
}

/** The live channel bound to exactly this peer transport address, if any. */
export function channelByPeer(state: AllocationState, peer: TransportAddress, at: number): number | undefined {
  for (const [channel, binding] of state.channels) {
    if (at < binding.expiresAt && sameAddress(binding.peer, peer)) return channel;
  }
  return undefined;
}

/**
 * Why the server may not relay to `peer` for this allocation, as the error a
 * CreatePermission or ChannelBind gets: 443 when the peer's address family is
 * not the relayed address's (RFC 8656 §9.1, §11.2), 403 when policy forbids
 * it (§9.1, §21.3). Undefined when it may.
 */
export function peerProblem(
  peer: TransportAddress,
  relayed: TransportAddress,
  policy: PeerPolicy,
): { readonly code: 403 | 443; readonly detail: string } | undefined {
  const family = addressFamily(peer.address);
  if (family !== addressFamily(relayed.address)) {
    return { code: 443, detail: `peer ${peer.address} is ${family} but the relayed address ${relayed.address} is ${addressFamily(relayed.address)}` };
  }
  const verdict = policy.verdict(peer.address);
  if (!verdict.allowed) return { code: 403, detail: `relaying to ${peer.address} is forbidden: ${verdict.reason}` };
  return undefined;
}
