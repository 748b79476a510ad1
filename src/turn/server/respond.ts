/**
 * How the server talks back to a client: the client link (a UDP source
 * address, or a TCP connection), and responses built, signed, sent and traced
 * in one place.
 *
 * Every response ends with SOFTWARE (RFC 8489 §14.14), MESSAGE-INTEGRITY when
 * the request was authenticated (RFC 8489 §9.2.4: "the response MUST include
 * MESSAGE-INTEGRITY ... computed using the same key"), and FINGERPRINT, which
 * must be last (§14.7) and lets a client on a shared port tell STUN apart.
 */
import type { TransportAddress } from '../../io/address.js';
import { bytesToHex } from '../../wire/hex.js';
import type { StunAttribute } from '../../wire/stun/attribute-types.js';
import { methodName } from '../../wire/stun/header.js';
import { encodeStunMessage, type StunMessage } from '../../wire/stun/message.js';
import { REASON_PHRASES, createErrorResponse, createSuccessResponse } from '../../wire/stun/responses.js';
import type { ResponseCredentials } from './auth.js';
import { endpoint, type TurnTrace, type TurnTransportKind } from './trace.js';
import { tracing } from '../../stun/trace.js';

/**
 * One client as the server reaches it: the 5-tuple's client and server ends
 * and the transport between them, and how to send it bytes (a datagram to the
 * client's address, or bytes on its TCP connection).
 */
export interface ClientLink {
  readonly transport: TurnTransportKind;
  readonly client: TransportAddress;
  readonly server: TransportAddress;
  /** Sends one message or frame; may throw when the socket or connection is closed. */
  send(bytes: Uint8Array): void;
}

/** The 5-tuple as a map key (RFC 8656 §2: client address, server address, transport protocol). */
export function fiveTupleKey(link: Pick<ClientLink, 'transport' | 'client' | 'server'>): string {
  return `${link.transport} ${endpoint(link.client)} ${endpoint(link.server)}`;
}

/** Sends bytes to a client; false when the link is gone (a closed socket or connection is not an error of ours). */
export function sendToClient(link: ClientLink, bytes: Uint8Array): boolean {
  try {
    link.send(bytes);
    return true;
  } catch {
    return false;
  }
}

export interface Responder {
  readonly software: string;
  readonly trace: TurnTrace | undefined;
  readonly agent: string | undefined;
}

type Request = Pick<StunMessage, 'method' | 'transactionId'>;

/** SOFTWARE, then MESSAGE-INTEGRITY(-SHA256) when signed, then FINGERPRINT. */
function withTrailer(message: StunMessage, software: string, credentials: ResponseCredentials | undefined): StunMessage {
  const trailer: StunAttribute[] = [];
  if (software !== '') trailer.push({ type: 'SOFTWARE', value: software });
  if (credentials !== undefined) trailer.push({ type: credentials.integrity });
  trailer.push({ type: 'FINGERPRINT' });
  return { ...message, attributes: [...message.attributes, ...trailer] };
}

export function methodLabel(method: number): string {
  return methodName(method) ?? `0x${method.toString(16).padStart(3, '0')}`;
}

/** The bytes of a success response, signed when `credentials` are given. Pure. */
export function encodeSuccess(
  software: string,
  request: Request,
  attributes: readonly StunAttribute[],
  credentials: ResponseCredentials | undefined,
): Uint8Array {
  const message = withTrailer(createSuccessResponse(request, attributes), software, credentials);
  return encodeStunMessage(message, credentials === undefined ? {} : { key: credentials.key });
}

/** Encodes, sends and traces a success response; returns its bytes. */
export function answerSuccess(
  responder: Responder,
  link: ClientLink,
  request: Request,
  attributes: readonly StunAttribute[],
  credentials: ResponseCredentials | undefined,
): Uint8Array {
  const bytes = encodeSuccess(responder.software, request, attributes, credentials);
  sendResponse(responder, link, request, bytes, { authenticated: credentials !== undefined });
  return bytes;
}

/** Encodes, sends and traces an error response; `detail` says why, for the trace. */
export function answerError(
  responder: Responder,
  link: ClientLink,
  request: Request,
  code: number,
  options: { readonly detail: string; readonly attributes?: readonly StunAttribute[]; readonly credentials?: ResponseCredentials | undefined },
): void {
  const message = withTrailer(createErrorResponse(request, code, { attributes: options.attributes ?? [] }), responder.software, options.credentials);
  const bytes = encodeStunMessage(message, options.credentials === undefined ? {} : { key: options.credentials.key });
  sendResponse(responder, link, request, bytes, { authenticated: options.credentials !== undefined, code, detail: options.detail });
}

/**
 * Sends response bytes and traces them: a success unless `code` is given.
 * Also how a retransmitted request gets the very answer it got before (RFC 8489 §6.3.1).
 */
export function sendResponse(
  responder: Responder,
  link: ClientLink,
  request: Request,
  bytes: Uint8Array,
  outcome: { readonly authenticated: boolean; readonly code?: number; readonly detail?: string },
): void {
  sendToClient(link, bytes);
  if (!tracing(responder.trace)) return;
  const { code, detail } = outcome;
  responder.trace.record('turn.response', {
    server: endpoint(link.server),
    client: endpoint(link.client),
    transport: link.transport,
    transaction: bytesToHex(request.transactionId),
    method: methodLabel(request.method),
    class: code === undefined ? 'success-response' : 'error-response',
    ...(code !== undefined ? { code, reason: REASON_PHRASES[code] ?? '' } : {}),
    ...(detail !== undefined ? { detail } : {}),
    authenticated: outcome.authenticated,
    ...(responder.agent !== undefined ? { agent: responder.agent } : {}),
  });
}
