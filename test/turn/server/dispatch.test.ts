/**
 * The routing half of the TURN server (src/turn/server/dispatch.ts), pure:
 * what it does with one message from a client, one rule per test. The
 * authenticator is a stand-in that records what it was asked and answers what
 * the test says, so these tests judge the routing alone (the real
 * authenticator has its own, auth-rules.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../src/io/address.js';
import { TRANSPORT_UDP, type StunAttribute } from '../../../src/wire/stun/attribute-types.js';
import { StunMethod, type StunClass } from '../../../src/wire/stun/header.js';
import { encodeChannelData } from '../../../src/wire/turn/channel-data.js';
import type { AuthOutcome, Authenticator, ResponseCredentials } from '../../../src/turn/server/auth.js';
import { resolveServerConfig, type TurnServerConfig } from '../../../src/turn/server/config.js';
import { dispatch, type AllocationEntry, type Dispatch, type DispatchState } from '../../../src/turn/server/dispatch.js';
import { fiveTupleKey, type ClientLink } from '../../../src/turn/server/respond.js';
import { TRANSACTION, UNKNOWN_OPTIONAL, UNKNOWN_REQUIRED, flip, stunBytes } from '../../stun/messages.js';

const CLIENT: TransportAddress = { address: '203.0.113.10', port: 40000 };
const SERVER: TransportAddress = { address: '198.51.100.1', port: 3478 };
const AT = 42_000;
const KEY = new Uint8Array(16).fill(7);
const CREDENTIALS: ResponseCredentials = { key: KEY, integrity: 'MESSAGE-INTEGRITY' };
const OTHER_TRANSACTION = new Uint8Array(12).fill(0xee);

const link = (transport: 'udp' | 'tcp' = 'udp'): ClientLink => ({ transport, client: CLIENT, server: SERVER, send: () => undefined });
const KEY_UDP = fiveTupleKey(link());

/** An authenticator that says `outcome` to everything, and remembers who asked. */
function standIn(outcome: AuthOutcome = { ok: true, username: 'alice', credentials: CREDENTIALS }): Authenticator & { calls: { client: string; now: number }[] } {
  const calls: { client: string; now: number }[] = [];
  return {
    calls,
    authenticate: (_message, client, now) => {
      calls.push({ client, now });
      return outcome;
    },
    challenge: () => [],
  };
}

function state(
  options: { entry?: Partial<AllocationEntry>; auth?: Authenticator; config?: Partial<TurnServerConfig>; others?: AllocationEntry[]; reservations?: string[] } = {},
): DispatchState {
  const allocations = new Map<string, AllocationEntry>();
  if (options.entry !== undefined) {
    allocations.set(KEY_UDP, { actorId: 'allocation-1', username: 'alice', transaction: bytesHex(TRANSACTION), phase: 'active', link: link(), ...options.entry });
  }
  (options.others ?? []).forEach((e, i) => allocations.set(`other ${i}`, e));
  return {
    config: resolveServerConfig({ realm: 'example.org', users: { alice: 'a', bob: 'b' }, ...options.config }),
    auth: options.auth ?? standIn(),
    allocations,
    reservations: new Set(options.reservations ?? []),
  };
}

function bytesHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const at = (data: Uint8Array, transport: 'udp' | 'tcp' = 'udp') => ({ type: 'message' as const, data, link: link(transport), at: AT });
const request = (method: number, attributes: readonly StunAttribute[] = [], transactionId = TRANSACTION) => stunBytes(method, 'request', attributes, { transactionId });
const message = (method: number, cls: StunClass, attributes: readonly StunAttribute[] = []) => stunBytes(method, cls, attributes);
const UDP: StunAttribute = { type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP };

function expectKind<K extends Dispatch['kind']>(d: Dispatch, kind: K): Extract<Dispatch, { kind: K }> {
  expect(d.kind, JSON.stringify(d, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(kind);
  return d as Extract<Dispatch, { kind: K }>;
}

describe('telling STUN from ChannelData by the first byte (RFC 7983 §7, RFC 8656 §12)', () => {
  const frame = (channelNumber: number) => encodeChannelData({ channelNumber, data: new Uint8Array([1, 2, 3]) });

  it('ChannelData (0x40-0x4F) on a 5-tuple with an active allocation goes to it, stamped with the arrival time', () => {
    const d = expectKind(dispatch(at(frame(0x4001)), state({ entry: {} })), 'forward');
    expect(d.actorId).toBe('allocation-1');
    expect(d.event).toMatchObject({ type: 'channel-data', frame: { channelNumber: 0x4001, data: new Uint8Array([1, 2, 3]) }, at: AT });
  });

  it('ChannelData on a 5-tuple without an allocation, or whose relay is still being bound, is dropped', () => {
    expect(expectKind(dispatch(at(frame(0x4001)), state()), 'ignore').reason).toMatch(/no allocation/);
    expectKind(dispatch(at(frame(0x4001)), state({ entry: { phase: 'binding' } })), 'ignore');
  });

  it('ChannelData whose length overruns the datagram is dropped (§12.6 "too short ... silently discarded")', () => {
    const bytes = frame(0x4001);
    bytes[3] = 200;
    expect(expectKind(dispatch(at(bytes), state({ entry: {} })), 'ignore').reason).toMatch(/malformed ChannelData/);
  });

  it('0x5000-0xFFFF is reserved (§12.6: "silently discarded"), unless the server accepts RFC 5766 numbers (0x5000-0x7FFF)', () => {
    expectKind(dispatch(at(frame(0x4001).map((b, i) => (i === 0 ? 0x50 : b))), state({ entry: {} })), 'ignore');
    const legacy = expectKind(dispatch(at(frame(0x4001).map((b, i) => (i === 0 ? 0x70 : b))), state({ entry: {}, config: { channelNumbers: 'rfc5766' } })), 'forward');
    expect(legacy.event).toMatchObject({ type: 'channel-data', frame: { channelNumber: 0x7001 } });
  });

  it('neither STUN nor ChannelData (RTP, DTLS, an empty datagram): dropped, and the authenticator is never asked', () => {
    const auth = standIn();
    for (const bytes of [new Uint8Array([0x80, 0, 0, 0]), new Uint8Array([0x16, 0xfe, 0xfd]), new Uint8Array()]) {
      expect(expectKind(dispatch(at(bytes), state({ auth })), 'ignore').reason).toMatch(/neither STUN nor ChannelData/);
    }
    expect(auth.calls).toEqual([]);
  });
});

describe('bytes that are not a sound STUN message (RFC 8489 §6.3, §7.3)', () => {
  /** A request whose one attribute claims more bytes than follow it: the header is sound, the body is not. */
  function overrunning(cls: StunClass): Uint8Array {
    const bytes = stunBytes(StunMethod.Allocate, cls, [UDP]);
    bytes[22] = 0;
    bytes[23] = 200;
    return bytes;
  }

  it('a request whose header is sound but whose attributes do not decode gets 400, under its own transaction id', () => {
    const d = expectKind(dispatch(at(overrunning('request')), state()), 'error');
    expect(d.code).toBe(400);
    expect([...d.request.transactionId]).toEqual([...TRANSACTION]);
    expect(d.request.method).toBe(StunMethod.Allocate);
  });

  it('an indication or response that does not decode is dropped, not answered', () => {
    expectKind(dispatch(at(overrunning('indication')), state()), 'ignore');
    expectKind(dispatch(at(overrunning('success-response')), state()), 'ignore');
  });

  it('a header that is not sound (wrong magic cookie) is not answered: its transaction id cannot be trusted', () => {
    const bytes = request(StunMethod.Allocate, [UDP]);
    flip(bytes, 4, 0xff);
    expectKind(dispatch(at(bytes), state()), 'ignore');
  });

  it('a FINGERPRINT that does not match means "not STUN" (§7.3): dropped, even a well-formed request', () => {
    const bytes = request(StunMethod.Allocate, [UDP, { type: 'FINGERPRINT' }]);
    flip(bytes, bytes.length - 1, 0x01);
    expect(expectKind(dispatch(at(bytes), state()), 'ignore').reason).toMatch(/not STUN/);
  });
});

describe('indications and responses', () => {
  it('a Send indication goes to the 5-tuple\'s active allocation (RFC 8656 §11.2)', () => {
    const d = expectKind(dispatch(at(message(StunMethod.Send, 'indication')), state({ entry: {} })), 'forward');
    expect(d.event).toMatchObject({ type: 'send', at: AT });
  });

  it('a Send indication without an active allocation is dropped', () => {
    expectKind(dispatch(at(message(StunMethod.Send, 'indication')), state()), 'ignore');
    expectKind(dispatch(at(message(StunMethod.Send, 'indication')), state({ entry: { phase: 'binding' } })), 'ignore');
  });

  it('any other indication (a Data indication, a Binding indication) is dropped: a client does not send them to a server', () => {
    for (const method of [StunMethod.Data, StunMethod.Binding]) expectKind(dispatch(at(message(method, 'indication')), state({ entry: {} })), 'ignore');
  });

  it('responses are dropped: this server starts no transactions', () => {
    for (const cls of ['success-response', 'error-response'] as const) expectKind(dispatch(at(message(StunMethod.Allocate, cls)), state({ entry: {} })), 'ignore');
  });
});

describe('requests', () => {
  it('Binding is answered without authentication, as a STUN server would (RFC 8656 §3.1 lets a TURN server be one)', () => {
    const auth = standIn({ ok: false, code: 401, detail: 'no', attributes: [] });
    const d = expectKind(dispatch(at(request(StunMethod.Binding)), state({ auth })), 'binding');
    expect(d.decision).toMatchObject({ kind: 'answer', mapped: CLIENT });
    expect(auth.calls).toEqual([]);
  });

  it('a method that is neither Binding nor one of TURN\'s four requests gets 400, unauthenticated', () => {
    const auth = standIn();
    for (const method of [StunMethod.Send, StunMethod.Data, 0x0ff]) expect(expectKind(dispatch(at(request(method)), state({ auth })), 'error').code).toBe(400);
    expect(auth.calls).toEqual([]);
  });

  it('every TURN request is authenticated (RFC 8656 §5), with the client\'s transport address and the arrival time', () => {
    const auth = standIn();
    for (const method of [StunMethod.Allocate, StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind]) dispatch(at(request(method, [UDP], OTHER_TRANSACTION)), state({ auth, entry: {} }));
    expect(auth.calls).toEqual(Array(4).fill({ client: '203.0.113.10:40000', now: AT }));
  });

  it('a request that fails authentication gets the authenticator\'s code and attributes (its challenge), nothing else happens', () => {
    const challenge: StunAttribute[] = [{ type: 'REALM', value: 'example.org' }, { type: 'NONCE', value: 'n' }];
    for (const code of [400, 401, 438] as const) {
      const d = expectKind(dispatch(at(request(StunMethod.Refresh)), state({ entry: {}, auth: standIn({ ok: false, code, detail: 'why', attributes: challenge }) })), 'error');
      expect([d.code, d.attributes, d.credentials]).toEqual([code, challenge, undefined]);
    }
  });

  it('unknown comprehension-required attributes get 420 listing them, but only once authenticated (RFC 8489 §6.3: "once the authentication checks are done")', () => {
    const d = expectKind(dispatch(at(request(StunMethod.Refresh, [UNKNOWN_REQUIRED, UNKNOWN_OPTIONAL])), state({ entry: {} })), 'error');
    expect(d.code).toBe(420);
    expect(d.attributes).toEqual([{ type: 'UNKNOWN-ATTRIBUTES', value: [0x7f01] }]);
    expect(d.credentials).toBe(CREDENTIALS);
    const unauthenticated = dispatch(at(request(StunMethod.Refresh, [UNKNOWN_REQUIRED])), state({ entry: {}, auth: standIn({ ok: false, code: 401, detail: 'no', attributes: [] }) }));
    expect(expectKind(unauthenticated, 'error').code).toBe(401);
  });

  it('Refresh, CreatePermission, ChannelBind without an allocation on the 5-tuple (or one still being bound): 437 Allocation Mismatch, signed', () => {
    for (const method of [StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind]) {
      for (const s of [state(), state({ entry: { phase: 'binding', transaction: bytesHex(OTHER_TRANSACTION) } })]) {
        const d = expectKind(dispatch(at(request(method)), s), 'error');
        expect([d.code, d.credentials]).toEqual([437, CREDENTIALS]);
      }
    }
  });

  it('a 5-tuple is one allocation: the same client over TCP is another 5-tuple (RFC 8656 §2), so 437 there', () => {
    expect(expectKind(dispatch(at(request(StunMethod.Refresh), 'tcp'), state({ entry: {} })), 'error').code).toBe(437);
  });

  it('signed by another user than the allocation\'s: 441 Wrong Credentials (RFC 8656 §5)', () => {
    const auth = standIn({ ok: true, username: 'bob', credentials: CREDENTIALS });
    expect(expectKind(dispatch(at(request(StunMethod.CreatePermission)), state({ entry: {}, auth })), 'error').code).toBe(441);
  });

  it('otherwise the request goes to the allocation, with the credentials to sign its answer and the arrival time', () => {
    const d = expectKind(dispatch(at(request(StunMethod.ChannelBind)), state({ entry: {} })), 'forward');
    expect(d.actorId).toBe('allocation-1');
    expect(d.event).toMatchObject({ type: 'request', credentials: CREDENTIALS, at: AT });
    expect(d.event.type === 'request' && d.event.message.method).toBe(StunMethod.ChannelBind);
  });
});

describe('Allocate (RFC 8656 §7.2)', () => {
  it('a retransmission (the transaction id that made the 5-tuple\'s allocation) is answered as before, not 437, and not authenticated again', () => {
    const auth = standIn();
    const d = expectKind(dispatch(at(request(StunMethod.Allocate, [UDP])), state({ entry: {}, auth })), 'forward');
    expect(d.event).toEqual({ type: 'allocate.retransmit' });
    expect(auth.calls).toEqual([]);
  });

  it('a retransmission while the relay is still being bound is dropped: the answer is on its way', () => {
    expectKind(dispatch(at(request(StunMethod.Allocate, [UDP])), state({ entry: { phase: 'binding' } })), 'ignore');
  });

  it('a new Allocate on a 5-tuple that has an allocation: 437 Allocation Mismatch', () => {
    const d = expectKind(dispatch(at(request(StunMethod.Allocate, [UDP], OTHER_TRANSACTION)), state({ entry: {} })), 'error');
    expect([d.code, d.credentials]).toEqual([437, CREDENTIALS]);
  });

  it('the request\'s own faults come from planAllocate: without REQUESTED-TRANSPORT, 400', () => {
    expect(expectKind(dispatch(at(request(StunMethod.Allocate)), state()), 'error').code).toBe(400);
  });

  it('a username at its quota of allocations: 486 Allocation Quota Reached; one below, allocated', () => {
    const held = (n: number) => Array.from({ length: n }, (_, i): AllocationEntry => ({ actorId: `a${i}`, username: 'alice', transaction: `t${i}`, phase: 'active', link: link() }));
    expect(expectKind(dispatch(at(request(StunMethod.Allocate, [UDP])), state({ config: { allocationQuota: 2 }, others: held(2) })), 'error').code).toBe(486);
    expectKind(dispatch(at(request(StunMethod.Allocate, [UDP])), state({ config: { allocationQuota: 2 }, others: held(1) })), 'allocate');
    // Another user's allocations do not count against alice.
    const bobs = held(2).map((e) => ({ ...e, username: 'bob' }));
    expectKind(dispatch(at(request(StunMethod.Allocate, [UDP])), state({ config: { allocationQuota: 2 }, others: bobs })), 'allocate');
  });

  it('a RESERVATION-TOKEN that reserves no port: 508 Insufficient Capacity; a known one allocates with it', () => {
    const token: StunAttribute = { type: 'RESERVATION-TOKEN', value: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) };
    expect(expectKind(dispatch(at(request(StunMethod.Allocate, [UDP, token])), state()), 'error').code).toBe(508);
    const d = expectKind(dispatch(at(request(StunMethod.Allocate, [UDP, token])), state({ reservations: ['0102030405060708'] })), 'allocate');
    expect(d.plan.reservationToken).toBe('0102030405060708');
  });

  it('a sound Allocate on a free 5-tuple: a new allocation, filed under the 5-tuple, for the authenticated user', () => {
    const d = expectKind(dispatch(at(request(StunMethod.Allocate, [UDP, { type: 'LIFETIME', value: 1200 }])), state()), 'allocate');
    expect(d).toMatchObject({ key: KEY_UDP, username: 'alice', credentials: CREDENTIALS, plan: { ok: true, lifetimeSeconds: 1200 } });
    expect(d.seen).toEqual({ transaction: bytesHex(TRANSACTION), method: 'Allocate' });
  });

  it('the request record names its USERNAME when it has one', () => {
    const d = dispatch(at(request(StunMethod.Allocate, [UDP, { type: 'USERNAME', value: 'alice' }])), state());
    expect(d.seen).toEqual({ transaction: bytesHex(TRANSACTION), method: 'Allocate', username: 'alice' });
  });
});
