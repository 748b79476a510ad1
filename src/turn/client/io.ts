/**
 * The client's IO: one callback actor that owns the flow's subscription for
 * everything that is not a response (each STUN transaction subscribes for its
 * own), and every send that is not a request.
 *
 * Inbound (RFC 8656 §11.4, §12.6; RFC 7983 for telling them apart by the
 * first byte): a Data indication or a ChannelData message becomes an event
 * for the machine, with the bytes copied (the receiver may keep them).
 * Responses are left to the transactions. Over UDP, anything that does not
 * come from the server's transport address is not ours (libwebrtc's
 * `TurnPort::HandleIncomingPacket` drops it too): the socket may be shared.
 *
 * Outbound: the machine hands finished bytes (Send indications, ChannelData,
 * keepalives) to `io.transmit`; a flow that refuses them (a closed socket or
 * connection) is reported as closed.
 */
import { fromCallback } from 'xstate';
import { addressFamily, sameAddress, type TransportAddress } from '../../io/address.js';
import type { RandomSource } from '../../io/random.js';
import type { StunFlow } from '../../stun/flow.js';
import { demultiplex } from '../../wire/demux.js';
import { TRANSACTION_ID_LENGTH, StunMethod, decodeMessageType } from '../../wire/stun/header.js';
import { decodeStunMessage, encodeStunMessage } from '../../wire/stun/message.js';
import { decodeChannelData, encodeChannelData } from '../../wire/turn/channel-data.js';
import { readDataIndication } from './requests.js';

export type ClientIoEvent =
  | { readonly type: 'io.data-indication'; readonly peer: TransportAddress; readonly data: Uint8Array }
  | { readonly type: 'io.channel-data'; readonly channel: number; readonly data: Uint8Array }
  /** Something from the server that was neither an answer nor usable data. */
  | { readonly type: 'io.ignored'; readonly from: TransportAddress; readonly reason: string }
  | { readonly type: 'io.closed'; readonly reason: string };

export type ClientIoCommand = { readonly type: 'io.transmit'; readonly bytes: Uint8Array };

export interface ClientIoInput {
  readonly flow: StunFlow;
}

export const clientIo = fromCallback<ClientIoCommand, ClientIoInput>(({ input, receive, sendBack }) => {
  const { flow } = input;
  const back = (event: ClientIoEvent) => sendBack(event);
  const stream = flow.transport === 'tcp';
  const offMessage = flow.onMessage((bytes, from) => {
    if (!stream && !sameAddress(from, flow.remote)) return;
    const event = inbound(bytes, from, stream);
    if (event !== undefined) back(event);
  });
  const offClose = flow.onClose((reason) => back({ type: 'io.closed', reason }));
  receive((command) => {
    try {
      flow.send(command.bytes);
    } catch (error) {
      back({ type: 'io.closed', reason: `send failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
  return () => {
    offMessage();
    offClose();
  };
});

/** What one message from the server means for the machine; undefined for responses (the transactions' business). */
function inbound(bytes: Uint8Array, from: TransportAddress, stream: boolean): ClientIoEvent | undefined {
  const kind = demultiplex(bytes);
  if (kind === 'turn-channel') {
    const decoded = decodeChannelData(bytes, { stream });
    if (!decoded.ok) return { type: 'io.ignored', from, reason: `malformed ChannelData: ${decoded.error.message}` };
    return { type: 'io.channel-data', channel: decoded.frame.channelNumber, data: decoded.frame.data.slice() };
  }
  if (kind !== 'stun') return { type: 'io.ignored', from, reason: `neither STUN nor ChannelData (${kind})` };
  if (bytes.length < 2) return undefined;
  const { method, class: cls } = decodeMessageType(((bytes[0] as number) << 8) | (bytes[1] as number));
  // Responses belong to transactions; a Binding indication from the server is a keepalive; both are not ours.
  if (cls !== 'indication' || method !== StunMethod.Data) return undefined;
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) return { type: 'io.ignored', from, reason: `undecodable Data indication: ${decoded.error.message}` };
  const data = readDataIndication(decoded.message);
  if (!data.ok) return { type: 'io.ignored', from, reason: data.reason };
  return { type: 'io.data-indication', peer: data.peer, data: data.data.slice() };
}


/** A Send indication (RFC 8656 §11.1): XOR-PEER-ADDRESS and DATA; indications carry no credentials. */
export function encodeSendIndication(peer: TransportAddress, data: Uint8Array, random: RandomSource): Uint8Array {
  return encodeStunMessage({
    method: StunMethod.Send,
    class: 'indication',
    transactionId: random.bytes(TRANSACTION_ID_LENGTH),
    attributes: [
      { type: 'XOR-PEER-ADDRESS', value: peer },
      { type: 'DATA', value: data },
    ],
  });
}

/** ChannelData (RFC 8656 §12.5): padded to 4 bytes over a stream (§3.1), not over UDP. */
export function encodeClientChannelData(channel: number, data: Uint8Array, stream: boolean): Uint8Array {
  return encodeChannelData({ channelNumber: channel, data }, { pad: stream });
}

/** A Binding indication, the keepalive (RFC 8489 §3); with FINGERPRINT so a server sharing the port can tell it is STUN. */
export function encodeKeepalive(random: RandomSource): Uint8Array {
  return encodeStunMessage({
    method: StunMethod.Binding,
    class: 'indication',
    transactionId: random.bytes(TRANSACTION_ID_LENGTH),
    attributes: [{ type: 'FINGERPRINT' }],
  });
}
