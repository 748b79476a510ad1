/**
 * A base's IO: one callback actor per base that owns the subscription for
 * the requests that arrive on it (each check's STUN transaction subscribes
 * for its own response), and the sends of the agent's answers.
 *
 * Inbound: only STUN requests are the agent's (RFC 7983 §7 tells STUN by its
 * first byte). Responses belong to transactions; indications are keepalives
 * (RFC 8489 §3); anything else is media this simulation does not carry. A
 * host socket shared with a TURN client (libwebrtc's shared socket) also
 * carries the TURN server's answers: responses, so not ours.
 *
 * Outbound: the answer's bytes; a socket that refuses them (closed) is
 * reported back, never thrown.
 */
import { fromCallback } from 'xstate';
import type { TransportAddress } from '../io/address.js';
import { demultiplex } from '../wire/demux.js';
import { decodeMessageType } from '../wire/stun/header.js';
import { decodeStunMessage, type DecodedStunMessage } from '../wire/stun/message.js';
import type { BaseIoCommand, BaseIoInput } from './agent-context.js';

export type BaseIoEvent =
  | { readonly type: 'io.request'; readonly base: string; readonly message: DecodedStunMessage; readonly from: TransportAddress }
  | { readonly type: 'io.garbled'; readonly base: string; readonly from: TransportAddress; readonly reason: string }
  | { readonly type: 'io.send-failed'; readonly base: string; readonly reason: string };

export const baseIo = fromCallback<BaseIoCommand, BaseIoInput>(({ input, receive, sendBack }) => {
  const { base, transport } = input;
  const back = (event: BaseIoEvent) => sendBack(event);
  const off = transport.onMessage((bytes, from) => {
    if (demultiplex(bytes) !== 'stun' || bytes.length < 20) return;
    if (decodeMessageType(((bytes[0] as number) << 8) | (bytes[1] as number)).class !== 'request') return;
    const decoded = decodeStunMessage(bytes);
    if (decoded.ok) back({ type: 'io.request', base, message: decoded.message, from: { address: from.address, port: from.port } });
    else back({ type: 'io.garbled', base, from: { address: from.address, port: from.port }, reason: decoded.error.message });
  });
  receive((command) => {
    try {
      transport.send(command.bytes, command.to);
    } catch (error) {
      back({ type: 'io.send-failed', base, reason: error instanceof Error ? error.message : String(error) });
    }
  });
  return off;
});
