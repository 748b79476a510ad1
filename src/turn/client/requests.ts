/**
 * The client's requests as values, and what their outcomes mean: the pure
 * half of the TURN client, so the machine only routes the verdicts.
 *
 * Requests (RFC 8656 §7.1, §8.1, §10.1, §12.1). Every one carries, in this
 * order: its method's attributes, SOFTWARE when configured, then the
 * long-term credentials USERNAME, REALM, NONCE and MESSAGE-INTEGRITY once the
 * server's 401 has told the realm and nonce (RFC 8489 §9.2.3), and FINGERPRINT
 * (RFC 8489 §7: it lets a receiver tell STUN from the ChannelData and media
 * sharing the port).
 *
 * Outcomes (RFC 8489 §9.2.5, RFC 8656 §7.4):
 * - 401 to a request without credentials, with REALM and NONCE: the challenge;
 *   the request goes again with credentials;
 * - 401 to a request with credentials: the credentials are wrong; failure
 *   (libwebrtc: "fail hard");
 * - 438 Stale Nonce with a NONCE: once per request, it goes again with the new
 *   nonce (and the new realm, if the server sent one); a second 438 fails;
 * - any other error response, no answer, or an answer that cannot be used:
 *   failure, described by code and reason.
 */
import type { TransportAddress } from '../../io/address.js';
import type { StunRequest } from '../../stun/transaction.js';
import type { StunTransactionOutcome } from '../../stun/transaction.js';
import { TRANSPORT_UDP, findAttribute, findAttributes, type StunAttribute } from '../../wire/stun/attribute-types.js';
import { longTermKey } from '../../wire/stun/credentials.js';
import { parseIPv4, parseIPv6 } from '../../io/ip.js';
import { StunMethod } from '../../wire/stun/header.js';
import type { DecodedStunMessage } from '../../wire/stun/message.js';
import type { RequestFailure, TurnAllocation } from './types.js';

/** The long-term credentials as far as the client knows them. */
export interface ClientAuth {
  readonly username: string;
  readonly password: string;
  /** REALM of the server's latest 401 or 438. */
  readonly realm?: string;
  /** NONCE of the server's latest 401 or 438. */
  readonly nonce?: string;
  /** `longTermKey(username, realm, password)`, once the realm is known. */
  readonly key?: Uint8Array;
}

/** What a request is for. */
export type TurnRequestPurpose =
  | { readonly kind: 'allocate'; readonly lifetime?: number }
  | { readonly kind: 'refresh'; readonly lifetime?: number }
  | { readonly kind: 'permission'; readonly peers: readonly TransportAddress[] }
  | { readonly kind: 'channel'; readonly channel: number; readonly peer: TransportAddress };

/** A request and the key that signs it (and checks its response). */
export interface SignedRequest {
  readonly request: StunRequest;
  readonly key?: Uint8Array;
}

const METHODS = {
  allocate: StunMethod.Allocate,
  refresh: StunMethod.Refresh,
  permission: StunMethod.CreatePermission,
  channel: StunMethod.ChannelBind,
} as const;

/** The RFC name of the purpose's method. */
export function methodOf(purpose: TurnRequestPurpose): 'Allocate' | 'Refresh' | 'CreatePermission' | 'ChannelBind' {
  return purpose.kind === 'allocate' ? 'Allocate' : purpose.kind === 'refresh' ? 'Refresh' : purpose.kind === 'permission' ? 'CreatePermission' : 'ChannelBind';
}

/** The request for `purpose`, signed when the realm and nonce are known. */
export function buildRequest(purpose: TurnRequestPurpose, auth: ClientAuth, software?: string): SignedRequest {
  const attributes: StunAttribute[] = [];
  switch (purpose.kind) {
    case 'allocate':
      // RFC 8656 §7.1: UDP is the only relayed transport defined; the family defaults to IPv4.
      attributes.push({ type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP });
      if (purpose.lifetime !== undefined) attributes.push({ type: 'LIFETIME', value: purpose.lifetime });
      break;
    case 'refresh':
      if (purpose.lifetime !== undefined) attributes.push({ type: 'LIFETIME', value: purpose.lifetime });
      break;
    case 'permission':
      for (const peer of purpose.peers) attributes.push({ type: 'XOR-PEER-ADDRESS', value: peer });
      break;
    case 'channel':
      attributes.push({ type: 'CHANNEL-NUMBER', value: purpose.channel }, { type: 'XOR-PEER-ADDRESS', value: purpose.peer });
      break;
  }
  if (software !== undefined) attributes.push({ type: 'SOFTWARE', value: software });
  const signed = auth.key !== undefined && auth.realm !== undefined && auth.nonce !== undefined;
  if (signed) {
    attributes.push(
      { type: 'USERNAME', value: auth.username },
      { type: 'REALM', value: auth.realm as string },
      { type: 'NONCE', value: auth.nonce as string },
      { type: 'MESSAGE-INTEGRITY' },
    );
  }
  attributes.push({ type: 'FINGERPRINT' });
  const request: StunRequest = { method: METHODS[purpose.kind], attributes };
  return signed ? { request, key: auth.key } : { request };
}

/** What the client makes of a finished transaction. */
export type RequestVerdict =
  | { readonly verdict: 'success'; readonly response: DecodedStunMessage }
  /** Send the request again with these credentials. */
  | { readonly verdict: 'retry'; readonly why: 'challenged' | 'stale-nonce'; readonly auth: ClientAuth }
  | { readonly verdict: 'failure'; readonly failure: RequestFailure };

/** What a request chain has used up: the challenge is answered once, a stale nonce renewed once. */
export interface Attempt {
  /** The request went with credentials. */
  readonly signed: boolean;
  /** A 438 has already been answered for this request. */
  readonly staleRetried: boolean;
}

export function judgeOutcome(outcome: StunTransactionOutcome, auth: ClientAuth, attempt: Attempt): RequestVerdict {
  switch (outcome.kind) {
    case 'success':
      return { verdict: 'success', response: outcome.response };
    case 'error': {
      const failure: RequestFailure = { code: outcome.code, reason: outcome.reason, outcome: 'error' };
      const realm = findAttribute(outcome.response, 'REALM')?.value;
      const nonce = findAttribute(outcome.response, 'NONCE')?.value;
      if (outcome.code === 401) {
        if (attempt.signed) return { verdict: 'failure', failure: { ...failure, reason: `${outcome.reason} (the server refused our credentials)` } };
        if (realm === undefined || nonce === undefined) return { verdict: 'failure', failure: { ...failure, reason: `${outcome.reason} (a challenge without REALM and NONCE)` } };
        return { verdict: 'retry', why: 'challenged', auth: withRealm(auth, realm, nonce) };
      }
      if (outcome.code === 438) {
        if (attempt.staleRetried) return { verdict: 'failure', failure: { ...failure, reason: `${outcome.reason} (again, after a fresh nonce)` } };
        if (nonce === undefined) return { verdict: 'failure', failure: { ...failure, reason: `${outcome.reason} (without a NONCE)` } };
        return { verdict: 'retry', why: 'stale-nonce', auth: withRealm(auth, realm ?? auth.realm, nonce) };
      }
      return { verdict: 'failure', failure };
    }
    case 'timeout':
      return { verdict: 'failure', failure: { reason: `no answer after ${outcome.transmissions} transmission(s) in ${outcome.elapsedMs} ms`, outcome: 'timeout' } };
    case 'integrity-violation':
      return { verdict: 'failure', failure: { reason: outcome.detail, outcome: 'integrity-violation' } };
    case 'bad-response':
      return { verdict: 'failure', failure: { reason: outcome.detail, outcome: 'bad-response' } };
    case 'transport-closed':
      return { verdict: 'failure', failure: { reason: outcome.reason, outcome: 'transport-closed' } };
  }
}

/** New realm and nonce; the key is recomputed when the realm changes (RFC 8489 §9.2.2). */
function withRealm(auth: ClientAuth, realm: string | undefined, nonce: string): ClientAuth {
  if (realm === undefined) return { ...auth, nonce };
  const key = realm === auth.realm && auth.key !== undefined ? auth.key : longTermKey(auth.username, realm, auth.password);
  return { ...auth, realm, nonce, key };
}

/**
 * The allocation an Allocate success response describes (RFC 8656 §7.3): it
 * MUST carry XOR-RELAYED-ADDRESS and LIFETIME; XOR-MAPPED-ADDRESS is kept
 * when there (a server-reflexive address for ICE).
 */
export function readAllocation(response: DecodedStunMessage): { ok: true; allocation: TurnAllocation } | { ok: false; failure: RequestFailure } {
  const relayed = findAttribute(response, 'XOR-RELAYED-ADDRESS')?.value;
  const lifetime = findAttribute(response, 'LIFETIME')?.value;
  if (relayed === undefined || lifetime === undefined) {
    const missing = [relayed === undefined ? 'XOR-RELAYED-ADDRESS' : [], lifetime === undefined ? 'LIFETIME' : []].flat().join(' and ');
    return { ok: false, failure: { reason: `the Allocate success response lacks ${missing} (RFC 8656 §7.3)`, outcome: 'unusable-response' } };
  }
  if (lifetime === 0) return { ok: false, failure: { reason: 'the Allocate success response grants LIFETIME 0', outcome: 'unusable-response' } };
  const mapped = findAttribute(response, 'XOR-MAPPED-ADDRESS')?.value;
  return { ok: true, allocation: { relayed: relayed, lifetime, ...(mapped !== undefined ? { mapped: mapped } : {}) } };
}

/**
 * LIFETIME of a Refresh success response (RFC 8656 §8.3), or why there is
 * none. LIFETIME 0 to a Refresh that did not ask for it means the server
 * deleted the allocation (RFC 8656 §8.2 grants 0 only to a request for 0).
 */
export function readLifetime(response: DecodedStunMessage): { ok: true; lifetime: number } | { ok: false; failure: RequestFailure } {
  const lifetime = findAttribute(response, 'LIFETIME')?.value;
  if (lifetime === undefined) return { ok: false, failure: { reason: 'the Refresh success response lacks LIFETIME (RFC 8656 §8.3)', outcome: 'unusable-response' } };
  if (lifetime === 0) return { ok: false, failure: { reason: 'the Refresh success response grants LIFETIME 0: the allocation is deleted', outcome: 'unusable-response' } };
  return { ok: true, lifetime };
}

/** The peer a Data indication is from and its data (RFC 8656 §11.4), or why it is unusable. */
export function readDataIndication(message: DecodedStunMessage): { ok: true; peer: TransportAddress; data: Uint8Array } | { ok: false; reason: string } {
  const peers = findAttributes(message, 'XOR-PEER-ADDRESS');
  const data = findAttribute(message, 'DATA')?.value;
  const peer = peers[0]?.value;
  if (peer === undefined || data === undefined) return { ok: false, reason: 'a Data indication without XOR-PEER-ADDRESS and DATA (RFC 8656 §11.4)' };
  return { ok: true, peer: peer, data };
}

/**
 * Why `peer` cannot go in an XOR-PEER-ADDRESS, or undefined when it can: an
 * IPv4 or IPv6 literal and a port 0-65535. Peers come from remote candidates,
 * which are untrusted (ARCHITECTURE.md, principle 5): a bad one is refused as
 * a value, never thrown from inside the machine.
 */
export function invalidPeer(peer: TransportAddress): string | undefined {
  const address = typeof peer?.address === 'string' ? peer.address : undefined;
  if (address === undefined || (parseIPv4(address) === null && parseIPv6(address) === null)) return `${JSON.stringify(peer?.address)} is not an IP address`;
  if (!Number.isInteger(peer.port) || peer.port < 0 || peer.port > 65535) return `port ${String(peer.port)} is not 0-65535`;
  return undefined;
}

