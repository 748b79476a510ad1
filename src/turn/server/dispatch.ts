/**
 * What the server does with one message from a client, as a value: the
 * routing half of the TURN server (RFC 8656 §4 onwards), pure, so that the
 * machine only carries the decision out.
 *
 * In order:
 * 1. The first byte tells STUN from ChannelData (RFC 7983 §7, RFC 8656 §12);
 *    anything else is dropped. ChannelData goes to the 5-tuple's allocation.
 * 2. Bytes that do not decode are dropped, unless the header is sound enough
 *    to name a request, which then gets 400 (RFC 8489 §6.3.1). A FINGERPRINT
 *    that does not match means "not STUN" (§7.3): dropped. Responses are
 *    dropped (this server starts no transactions); of indications only Send
 *    is served, by the 5-tuple's allocation (RFC 8656 §11.3).
 * 3. Binding requests are answered without authentication, as a STUN server
 *    would (RFC 8656 §3.1 lets a TURN server be one), by src/stun's rules.
 * 4. A retransmitted Allocate (same transaction id as the one that created the
 *    5-tuple's allocation) gets the same answer, not 437 (RFC 8656 §7.2).
 * 5. Every other TURN request is authenticated (RFC 8656 §5; 400/401/438),
 *    then checked for unknown comprehension-required attributes (420), then:
 *    Allocate: 437 if the 5-tuple has an allocation, the checks of
 *    allocate.ts, 486 over the username's quota, 508 for an unknown
 *    reservation token; otherwise a new allocation is to be made.
 *    Refresh, CreatePermission, ChannelBind: 437 without an allocation, 441 when
 *    the username is not the one that made it (RFC 8656 §5); otherwise the
 *    allocation judges the request.
 */
import { demultiplex } from '../../wire/demux.js';
import { bytesToHex } from '../../wire/hex.js';
import { findAttribute, type StunAttribute } from '../../wire/stun/attribute-types.js';
import { verifyFingerprint } from '../../wire/stun/fingerprint.js';
import { HEADER_LENGTH, MAGIC_COOKIE, StunMethod, decodeMessageType, readU16, readU32 } from '../../wire/stun/header.js';
import { decodeStunMessage, type StunMessage } from '../../wire/stun/message.js';
import { answerBinding, type BindingDecision } from '../../stun/binding-server.js';
import type { AllocationEvent } from './allocation/machine.js';
import type { Authenticator, ResponseCredentials } from './auth.js';
import { planAllocate, type AllocatePlan } from './allocate.js';
import { decodeClientChannelData, startsChannelData } from './channels.js';
import type { ResolvedServerConfig } from './config.js';
import { fiveTupleKey, methodLabel, type ClientLink } from './respond.js';
import { endpoint } from './trace.js';

/** One STUN message or ChannelData frame from a client, stamped with when it arrived. */
export interface ClientMessage {
  readonly type: 'message';
  readonly data: Uint8Array;
  readonly link: ClientLink;
  readonly at: number;
}

/** An allocation as the server files it, under its 5-tuple. */
export interface AllocationEntry {
  /** The id of its actor (and, prefixed "relay ", of the actor binding its relay). */
  readonly actorId: string;
  readonly username: string;
  /** The Allocate's transaction id in hex: its retransmissions are recognised by it. */
  readonly transaction: string;
  /** 'binding' while its relayed transport address is being bound; 'active' once the actor runs. */
  readonly phase: 'binding' | 'active';
  readonly link: ClientLink;
}

export interface DispatchState {
  readonly config: ResolvedServerConfig;
  readonly auth: Authenticator;
  readonly allocations: ReadonlyMap<string, AllocationEntry>;
  /** Reservation tokens (hex) of ports reserved by EVEN-PORT with the R bit (only `has` is asked). */
  readonly reservations: { has(token: string): boolean };
}

type Request = Pick<StunMessage, 'method' | 'transactionId'>;

/** A request the server decoded, for the 'turn.request' record. */
export interface SeenRequest {
  readonly transaction: string;
  readonly method: string;
  readonly username?: string;
}

export type Dispatch = { readonly seen?: SeenRequest } & (
  | { readonly kind: 'ignore'; readonly reason: string; readonly transaction?: string }
  | { readonly kind: 'binding'; readonly request: Request; readonly decision: BindingDecision }
  | {
      readonly kind: 'error';
      readonly request: Request;
      readonly code: number;
      readonly detail: string;
      readonly attributes?: readonly StunAttribute[];
      readonly credentials?: ResponseCredentials;
    }
  | { readonly kind: 'forward'; readonly actorId: string; readonly event: AllocationEvent }
  | {
      readonly kind: 'allocate';
      readonly key: string;
      readonly request: Request;
      readonly username: string;
      readonly credentials: ResponseCredentials;
      readonly plan: Extract<AllocatePlan, { ok: true }>;
    }
);

const TURN_REQUESTS: ReadonlySet<number> = new Set([StunMethod.Allocate, StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind]);

export function dispatch(message: ClientMessage, state: DispatchState): Dispatch {
  const { data, link, at } = message;
  const key = fiveTupleKey(link);
  const entry = state.allocations.get(key);
  const active = entry?.phase === 'active' ? entry : undefined;

  const kind = demultiplex(data);
  if (startsChannelData(data, state.config.channelNumbers)) {
    const decoded = decodeClientChannelData(data, { stream: link.transport === 'tcp', range: state.config.channelNumbers });
    if (!decoded.ok) return { kind: 'ignore', reason: `malformed ChannelData: ${decoded.error.message}` };
    if (active === undefined) return { kind: 'ignore', reason: `ChannelData for channel 0x${decoded.frame.channelNumber.toString(16)}, but this 5-tuple has no allocation` };
    return { kind: 'forward', actorId: active.actorId, event: { type: 'channel-data', frame: decoded.frame, at } };
  }
  if (kind !== 'stun') {
    return { kind: 'ignore', reason: `neither STUN nor ChannelData (${kind}, first byte 0x${(data[0] ?? 0).toString(16).padStart(2, '0')})` };
  }

  const decoded = decodeStunMessage(data);
  if (!decoded.ok) {
    const header = soundRequestHeader(data);
    if (header === undefined) return { kind: 'ignore', reason: `not a STUN message: ${decoded.error.message}` };
    return { kind: 'error', request: header, code: 400, detail: `malformed request: ${decoded.error.message} (at byte ${decoded.error.offset})` };
  }
  const stun = decoded.message;
  const transaction = bytesToHex(stun.transactionId);
  const fingerprint = verifyFingerprint(stun);
  if (!fingerprint.ok && fingerprint.reason === 'mismatch') return { kind: 'ignore', reason: `not STUN: ${fingerprint.message}`, transaction };

  if (stun.class === 'indication') {
    if (stun.method !== StunMethod.Send) return { kind: 'ignore', reason: `a ${methodLabel(stun.method)} indication is not served here`, transaction };
    if (active === undefined) return { kind: 'ignore', reason: 'a Send indication, but this 5-tuple has no allocation', transaction };
    return { kind: 'forward', actorId: active.actorId, event: { type: 'send', message: stun, at } };
  }
  if (stun.class !== 'request') return { kind: 'ignore', reason: `a ${methodLabel(stun.method)} ${stun.class}: this server sends no requests`, transaction };

  const username = findAttribute(stun, 'USERNAME')?.value;
  const seen: SeenRequest = { transaction, method: methodLabel(stun.method), ...(username !== undefined ? { username } : {}) };
  if (stun.method === StunMethod.Binding) {
    return { seen, kind: 'binding', request: stun, decision: answerBinding(data, link.client, { software: state.config.software }) };
  }
  if (!TURN_REQUESTS.has(stun.method)) return refusal(seen, stun, 400, `${seen.method} requests are not served here`);

  if (stun.method === StunMethod.Allocate && entry !== undefined && entry.transaction === transaction) {
    if (active === undefined) return { seen, kind: 'ignore', reason: 'a retransmitted Allocate whose relay is still being bound: it will be answered then', transaction };
    return { seen, kind: 'forward', actorId: active.actorId, event: { type: 'allocate.retransmit' } };
  }

  const auth = state.auth.authenticate(stun, endpoint(link.client), at);
  if (!auth.ok) return refusal(seen, stun, auth.code, auth.detail, { attributes: auth.attributes });
  const { credentials } = auth;

  if (stun.method === StunMethod.Allocate) {
    if (entry !== undefined) return refusal(seen, stun, 437, `the 5-tuple ${key} already has an allocation`, { credentials });
    const plan = planAllocate(stun, state.config);
    if (!plan.ok) return refusal(seen, stun, plan.code, plan.detail, { credentials, ...(plan.attributes !== undefined ? { attributes: plan.attributes } : {}) });
    const held = [...state.allocations.values()].filter((e) => e.username === auth.username).length;
    if (held >= state.config.allocationQuota) {
      return refusal(seen, stun, 486, `${auth.username} already holds ${held} allocations, the quota`, { credentials });
    }
    if (plan.reservationToken !== undefined && !state.reservations.has(plan.reservationToken)) {
      return refusal(seen, stun, 508, `no port is reserved under RESERVATION-TOKEN ${plan.reservationToken} (RFC 8656 §7.2)`, { credentials });
    }
    return { seen, kind: 'allocate', key, request: stun, username: auth.username, credentials, plan };
  }

  if (stun.unknownRequired.length > 0) {
    const unknown = [...new Set(stun.unknownRequired)];
    return refusal(seen, stun, 420, `unknown comprehension-required attributes ${unknown.map((t) => `0x${t.toString(16).padStart(4, '0')}`).join(', ')}`, {
      credentials,
      attributes: [{ type: 'UNKNOWN-ATTRIBUTES', value: unknown }],
    });
  }
  if (active === undefined) return refusal(seen, stun, 437, `no allocation on the 5-tuple ${key}`, { credentials });
  if (active.username !== auth.username) {
    return refusal(seen, stun, 441, `the allocation belongs to ${active.username}, the request is signed by ${auth.username}`, { credentials });
  }
  return { seen, kind: 'forward', actorId: active.actorId, event: { type: 'request', message: stun, credentials, at } };
}

/** An error answer to the request (a function of the module, not a closure per message: this runs per datagram). */
function refusal(seen: SeenRequest, request: Request, code: number, detail: string, extra: { attributes?: readonly StunAttribute[]; credentials?: ResponseCredentials } = {}): Dispatch {
  return { seen, kind: 'error', request, code, detail, ...extra };
}

/**
 * The header of a request whose attributes did not decode: the two zero bits,
 * the magic cookie, a length that matches the bytes (RFC 8489 §6.3). Only then
 * is its transaction id trustworthy enough to answer with 400.
 */
function soundRequestHeader(bytes: Uint8Array): Request | undefined {
  if (bytes.length < HEADER_LENGTH) return undefined;
  const type = readU16(bytes, 0);
  const length = readU16(bytes, 2);
  if ((type & 0xc000) !== 0 || length % 4 !== 0 || readU32(bytes, 4) !== MAGIC_COOKIE || HEADER_LENGTH + length !== bytes.length) return undefined;
  const { method, class: cls } = decodeMessageType(type);
  return cls === 'request' ? { method, transactionId: bytes.slice(8, HEADER_LENGTH) } : undefined;
}
