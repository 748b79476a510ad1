/**
 * Judging the authenticated requests that act on an existing allocation,
 * as values: Refresh (RFC 8656 §7.3), CreatePermission (§9.1) and ChannelBind
 * (§11.2). The allocation machine applies the decision (state, timers, trace)
 * and answers.
 *
 * Both CreatePermission and ChannelBind are all or nothing: when any peer is
 * refused, no permission is installed or refreshed.
 */
import { formatAddress } from '../../../io/address.js';
import { addressFamily, sameAddress, type TransportAddress } from '../../../io/address.js';
import { FamilyOctet, findAttribute, findAttributes, type StunAttribute } from '../../../wire/stun/attribute-types.js';
import { StunMethod } from '../../../wire/stun/header.js';
import type { DecodedStunMessage } from '../../../wire/stun/message.js';
import { channelByNumber, channelByPeer, peerProblem, type AllocationState } from './state.js';
import { isBindableChannel } from '../channels.js';
import { grantedLifetime, type ResolvedServerConfig } from '../config.js';

export type AllocationRequestDecision =
  | { readonly kind: 'error'; readonly code: number; readonly detail: string; readonly attributes?: readonly StunAttribute[] }
  /** Refresh with a lifetime: the allocation now expires `lifetimeSeconds` from the request. */
  | { readonly kind: 'refresh'; readonly lifetimeSeconds: number }
  /** Refresh with LIFETIME 0: delete the allocation, answering success (RFC 8656 §7.3). */
  | { readonly kind: 'delete' }
  /** CreatePermission: install or refresh a permission for each of these IP addresses. */
  | { readonly kind: 'permit'; readonly peers: readonly string[] }
  /** ChannelBind: bind or refresh `channel` to `peer`, and install or refresh the peer's permission. */
  | { readonly kind: 'bind'; readonly channel: number; readonly peer: TransportAddress };

type Config = Pick<ResolvedServerConfig, 'defaultLifetimeSeconds' | 'maxLifetimeSeconds' | 'peers' | 'channelNumbers'>;

/** What to do with an authenticated request for this allocation, at instant `at`. */
export function decideAllocationRequest(message: DecodedStunMessage, state: AllocationState, config: Config, at: number): AllocationRequestDecision {
  switch (message.method) {
    case StunMethod.Refresh:
      return decideRefresh(message, state, config);
    case StunMethod.CreatePermission:
      return decideCreatePermission(message, state, config);
    case StunMethod.ChannelBind:
      return decideChannelBind(message, state, config, at);
    default:
      return { kind: 'error', code: 400, detail: `method 0x${message.method.toString(16)} does not act on an allocation` };
  }
}

/**
 * RFC 8656 §7.3. LIFETIME 0 deletes; otherwise the lifetime is computed as for
 * Allocate. A REQUESTED-ADDRESS-FAMILY that is not the allocation's gets 443.
 */
function decideRefresh(message: DecodedStunMessage, state: AllocationState, config: Config): AllocationRequestDecision {
  const family = findAttribute(message, 'REQUESTED-ADDRESS-FAMILY');
  if (family !== undefined) {
    const relayedFamily = addressFamily(state.relayed.address) === 'IPv4' ? FamilyOctet.IPv4 : FamilyOctet.IPv6;
    if (family.value !== relayedFamily) {
      return { kind: 'error', code: 443, detail: `REQUESTED-ADDRESS-FAMILY 0x${family.value.toString(16)} is not the allocation's family` };
    }
  }
  const requested = findAttribute(message, 'LIFETIME')?.value;
  if (requested === 0) return { kind: 'delete' };
  return { kind: 'refresh', lifetimeSeconds: grantedLifetime(config, requested) };
}

/** RFC 8656 §9.1: one or more XOR-PEER-ADDRESS; every one must be allowed, or none is installed. */
function decideCreatePermission(message: DecodedStunMessage, state: AllocationState, config: Config): AllocationRequestDecision {
  const peers = findAttributes(message, 'XOR-PEER-ADDRESS').map((a) => a.value);
  if (peers.length === 0) return { kind: 'error', code: 400, detail: 'CreatePermission without XOR-PEER-ADDRESS' };
  for (const peer of peers) {
    const problem = peerProblem(peer, state.relayed, config.peers);
    if (problem !== undefined) return { kind: 'error', ...problem };
  }
  return { kind: 'permit', peers: [...new Set(peers.map((p) => p.address))] };
}

/**
 * RFC 8656 §11.2: CHANNEL-NUMBER in 0x4000-0x4FFF (see ../channels.ts) and XOR-PEER-ADDRESS are
 * required (else 400); the channel must not be bound to another peer, nor the
 * peer to another channel (400); the peer must be allowed (403, 443).
 */
function decideChannelBind(message: DecodedStunMessage, state: AllocationState, config: Config, at: number): AllocationRequestDecision {
  const channel = findAttribute(message, 'CHANNEL-NUMBER')?.value;
  const peerAttribute = findAttribute(message, 'XOR-PEER-ADDRESS')?.value;
  if (channel === undefined || peerAttribute === undefined) {
    return { kind: 'error', code: 400, detail: 'ChannelBind needs CHANNEL-NUMBER and XOR-PEER-ADDRESS' };
  }
  if (!isBindableChannel(channel, config.channelNumbers)) {
    const range = config.channelNumbers === 'rfc8656' ? '0x4000-0x4FFF (RFC 8656 §12)' : '0x4000-0x7FFF (RFC 5766 §11)';
    return { kind: 'error', code: 400, detail: `channel number 0x${channel.toString(16).padStart(4, '0')} is outside ${range}` };
  }
  if (peerAttribute.port === 0) return { kind: 'error', code: 400, detail: 'a channel cannot be bound to port 0' };
  const peer: TransportAddress = { address: peerAttribute.address, port: peerAttribute.port };
  const bound = channelByNumber(state, channel, at);
  if (bound !== undefined && !sameAddress(bound.peer, peer)) {
    return { kind: 'error', code: 400, detail: `channel 0x${channel.toString(16)} is bound to ${formatAddress(bound.peer)}, not ${formatAddress(peer)}` };
  }
  const other = channelByPeer(state, peer, at);
  if (other !== undefined && other !== channel) {
    return { kind: 'error', code: 400, detail: `peer ${formatAddress(peer)} is bound to channel 0x${other.toString(16)}, not 0x${channel.toString(16)}` };
  }
  const problem = peerProblem(peerAttribute, state.relayed, config.peers);
  if (problem !== undefined) return { kind: 'error', ...problem };
  return { kind: 'bind', channel, peer };
}
