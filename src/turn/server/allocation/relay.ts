/**
 * The data plane of an allocation, as values: what to do with a Send
 * indication or ChannelData from the client, and with a datagram from a peer.
 *
 * The rule that matters most: nothing is relayed, either way, unless the
 * allocation holds an unexpired permission for the peer's IP address
 * (RFC 8656 §9: "a permission ... is checked whenever a UDP datagram is
 * received at the relayed transport address ... and when data is to be sent
 * to a peer"). A channel binding alone does not do: a ChannelData message for
 * a bound channel whose permission has lapsed is dropped too.
 */
import type { TransportAddress } from '../../../io/address.js';
import { findAttribute } from '../../../wire/stun/attribute-types.js';
import type { DecodedStunMessage } from '../../../wire/stun/message.js';
import type { ChannelData } from '../../../wire/turn/channel-data.js';
import { channelByNumber, channelByPeer, hasPermission, type AllocationState } from './state.js';
import type { RelayFraming } from '../trace.js';

export type ToPeer =
  | { readonly kind: 'relay'; readonly peer: TransportAddress; readonly data: Uint8Array; readonly framing: RelayFraming }
  | { readonly kind: 'refuse'; readonly peer?: TransportAddress; readonly size: number; readonly reason: string };

export type ToClient =
  /** Wrap in ChannelData on this channel (RFC 8656 §12.6). */
  | { readonly kind: 'channel'; readonly channel: number }
  /** Wrap in a Data indication (RFC 8656 §11.6). */
  | { readonly kind: 'indication' }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * A Send indication (RFC 8656 §11.3): XOR-PEER-ADDRESS and DATA are required,
 * and a permission for the peer. Indications with unknown comprehension-
 * required attributes are dropped (RFC 8489 §6.3.2), and so are those with
 * DONT-FRAGMENT, which this server cannot honour (it answers an Allocate that
 * asks for it with 420, so a conforming client never sends one).
 */
export function judgeSend(message: DecodedStunMessage, state: AllocationState, at: number): ToPeer {
  const peerAttribute = findAttribute(message, 'XOR-PEER-ADDRESS')?.value;
  const data = findAttribute(message, 'DATA')?.value;
  const size = data?.length ?? 0;
  const peer = peerAttribute === undefined ? undefined : { address: peerAttribute.address, port: peerAttribute.port };
  if (message.unknownRequired.length > 0) return refuseSend(peer, size, 'Send indication with unknown comprehension-required attributes');
  if (peer === undefined || data === undefined) return refuseSend(peer, size, 'Send indication without XOR-PEER-ADDRESS or DATA');
  if (findAttribute(message, 'DONT-FRAGMENT') !== undefined) return refuseSend(peer, size, 'DONT-FRAGMENT is not supported');
  if (peer.port === 0) return refuseSend(peer, size, 'peer port 0');
  if (!hasPermission(state, peer.address, at)) return refuseSend(peer, size, `no permission for ${peer.address}`);
  return { kind: 'relay', peer, data, framing: 'send-indication' };
}

function refuseSend(peer: TransportAddress | undefined, size: number, reason: string): ToPeer {
  return { kind: 'refuse', ...(peer !== undefined ? { peer } : {}), size, reason };
}

/** ChannelData from the client (RFC 8656 §12.5): the channel must be bound, and its peer permitted. */
export function judgeChannelData(frame: ChannelData, state: AllocationState, at: number): ToPeer {
  const binding = channelByNumber(state, frame.channelNumber, at);
  const size = frame.data.length;
  if (binding === undefined) return { kind: 'refuse', size, reason: `channel 0x${frame.channelNumber.toString(16)} is not bound` };
  if (!hasPermission(state, binding.peer.address, at)) {
    return { kind: 'refuse', peer: binding.peer, size, reason: `no permission for ${binding.peer.address}` };
  }
  return { kind: 'relay', peer: binding.peer, data: frame.data, framing: 'channel-data' };
}

/**
 * A datagram at the relayed transport address from `from` (RFC 8656 §11.6,
 * §12.6): with a permission for its IP, ChannelData when a channel is bound to
 * its exact transport address, else a Data indication; without, dropped.
 */
export function judgePeerDatagram(from: TransportAddress, state: AllocationState, at: number): ToClient {
  if (!hasPermission(state, from.address, at)) return { kind: 'refuse', reason: `no permission for ${from.address}` };
  const channel = channelByPeer(state, from, at);
  return channel === undefined ? { kind: 'indication' } : { kind: 'channel', channel };
}
