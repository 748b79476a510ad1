/**
 * What a client makes of a message that carries its transaction id
 * (src/stun/response-check.ts): RFC 8489 §6.3 (only a response answers),
 * §7.3 (FINGERPRINT), §9.1.4 and §9.2.5 (MESSAGE-INTEGRITY, and the 401/438
 * a server cannot sign), §7.3.3 and §7.3.4 (unknown attributes, ERROR-CODE).
 * One rule per test, and properties where the rule holds for every message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StunAttribute } from '../../src/wire/stun/attribute-types.js';
import { StunMethod, type StunClass } from '../../src/wire/stun/header.js';
import { judgeResponse } from '../../src/stun/response-check.js';
import { prop, runs } from '../sim/support.js';
import { UNKNOWN_OPTIONAL, UNKNOWN_REQUIRED, decodeBytes, flip, stun, stunBytes } from './messages.js';

const KEY = new Uint8Array(16).fill(3);
const OTHER_KEY = new Uint8Array(16).fill(4);
const MAPPED: StunAttribute = { type: 'XOR-MAPPED-ADDRESS', value: { address: '203.0.113.7', port: 4444 } };
const errorCode = (code: number, reason = 'why'): StunAttribute => ({ type: 'ERROR-CODE', value: { code, reason } });
const MI: StunAttribute = { type: 'MESSAGE-INTEGRITY' };
const MI256: StunAttribute = { type: 'MESSAGE-INTEGRITY-SHA256' };
const FP: StunAttribute = { type: 'FINGERPRINT' };

const response = (cls: StunClass, attributes: readonly StunAttribute[], key?: Uint8Array) => stun(StunMethod.Binding, cls, attributes, key !== undefined ? { key } : {});

/** Small arbitraries of response bodies: a few attributes a response carries, plus unknown ones now and then. */
const bodyAttribute: fc.Arbitrary<StunAttribute> = fc.oneof(
  fc.constant(MAPPED),
  fc.constant<StunAttribute>({ type: 'SOFTWARE', value: 'test' }),
  fc.constant<StunAttribute>({ type: 'LIFETIME', value: 600 }),
  fc.constant(UNKNOWN_OPTIONAL),
  fc.constant(UNKNOWN_REQUIRED),
  fc.integer({ min: 300, max: 699 }).map(errorCode),
);
const responseClass = fc.constantFrom<StunClass>('success-response', 'error-response');
const body = fc.array(bodyAttribute, { maxLength: 4 });

describe('only a response answers (RFC 8489 §6.3)', () => {
  it('a request or an indication that carries our transaction id is discarded, not an answer: keep waiting', () => {
    for (const cls of ['request', 'indication'] as const) {
      expect(judgeResponse(response(cls, [MAPPED]), undefined)).toMatchObject({ verdict: 'discard', integrity: false });
      expect(judgeResponse(response(cls, [MAPPED, MI], KEY), KEY)).toMatchObject({ verdict: 'discard', integrity: false });
    }
  });
});

describe('FINGERPRINT (RFC 8489 §7.3)', () => {
  it('a FINGERPRINT that does not match means the bytes are not STUN: discarded, whatever else they say', () => {
    const bytes = stunBytes(StunMethod.Binding, 'success-response', [MAPPED, FP]);
    flip(bytes, bytes.length - 1, 0x01);
    expect(judgeResponse(decodeBytes(bytes), undefined)).toMatchObject({ verdict: 'discard', integrity: false });
  });

  it('checked before integrity: a signed response with a broken FINGERPRINT is not an integrity failure', () => {
    const bytes = stunBytes(StunMethod.Binding, 'success-response', [MAPPED, MI, FP], { key: KEY });
    flip(bytes, bytes.length - 1, 0x01);
    expect(judgeResponse(decodeBytes(bytes), KEY)).toMatchObject({ verdict: 'discard', integrity: false });
  });

  it('a matching FINGERPRINT, or none, is no obstacle', () => {
    expect(judgeResponse(response('success-response', [MAPPED, FP]), undefined)).toEqual({ verdict: 'success', authenticated: false });
    expect(judgeResponse(response('success-response', [MAPPED]), undefined)).toEqual({ verdict: 'success', authenticated: false });
  });
});

describe('MESSAGE-INTEGRITY when the request was signed (RFC 8489 §9.1.4, §9.2.5)', () => {
  it('a response signed with the key is authenticated, with MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256', () => {
    expect(judgeResponse(response('success-response', [MAPPED, MI, FP], KEY), KEY)).toEqual({ verdict: 'success', authenticated: true });
    expect(judgeResponse(response('success-response', [MAPPED, MI256], KEY), KEY)).toEqual({ verdict: 'success', authenticated: true });
    expect(judgeResponse(response('error-response', [errorCode(437), MI], KEY), KEY)).toEqual({ verdict: 'error', code: 437, reason: 'why', authenticated: true });
  });

  it('a response without MESSAGE-INTEGRITY is discarded "as if it had never been received", marked as an integrity failure', () => {
    expect(judgeResponse(response('success-response', [MAPPED]), KEY)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('a response signed with another key is discarded', () => {
    expect(judgeResponse(response('success-response', [MAPPED, MI], OTHER_KEY), KEY)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('a 401 or 438 without MESSAGE-INTEGRITY is accepted unauthenticated: the server could not sign it (§9.2.5)', () => {
    for (const code of [401, 438]) {
      expect(judgeResponse(response('error-response', [errorCode(code), { type: 'NONCE', value: 'n' }]), KEY)).toEqual({ verdict: 'error', code, reason: 'why', authenticated: false });
    }
  });

  it('the exception is for an absent MESSAGE-INTEGRITY only: a 401 or 438 with a wrong one is discarded', () => {
    for (const code of [401, 438]) expect(judgeResponse(response('error-response', [errorCode(code), MI], OTHER_KEY), KEY)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('the exception is for 401 and 438 only: any other unsigned error is discarded', () => {
    for (const code of [400, 403, 420, 437, 439, 441, 500]) expect(judgeResponse(response('error-response', [errorCode(code)]), KEY), String(code)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('the exception is for error responses only: an unsigned success response is discarded even with ERROR-CODE 401 in it', () => {
    expect(judgeResponse(response('success-response', [errorCode(401)]), KEY)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('without credentials no integrity is asked or claimed: a signed response is judged, not authenticated', () => {
    expect(judgeResponse(response('success-response', [MAPPED, MI], KEY), undefined)).toEqual({ verdict: 'success', authenticated: false });
  });

  prop([responseClass, body, fc.boolean()], runs(200))('with credentials, a response signed with another key is always discarded', (cls, attributes, sha) => {
    const verdict = judgeResponse(response(cls, [...attributes, sha ? MI256 : MI], OTHER_KEY), KEY);
    expect(verdict).toMatchObject({ verdict: 'discard', integrity: true });
  });

  prop([responseClass, body], runs(200))('with credentials, a response signed with the key is never discarded and, when it is a verdict, authenticated', (cls, attributes) => {
    const verdict = judgeResponse(response(cls, [...attributes, MI], KEY), KEY);
    expect(verdict.verdict).not.toBe('discard');
    if (verdict.verdict === 'success' || verdict.verdict === 'error') expect(verdict.authenticated).toBe(true);
  });
});

describe('what the response says (RFC 8489 §7.3.3, §7.3.4)', () => {
  it('unknown comprehension-required attributes end the transaction as a failure, listing them (§7.3.3)', () => {
    expect(judgeResponse(response('success-response', [MAPPED, UNKNOWN_REQUIRED]), undefined)).toMatchObject({ verdict: 'bad-response', unknownAttributes: [0x7f01] });
    expect(judgeResponse(response('error-response', [errorCode(420), UNKNOWN_REQUIRED]), undefined)).toMatchObject({ verdict: 'bad-response', unknownAttributes: [0x7f01] });
  });

  it('unknown comprehension-optional attributes are ignored', () => {
    expect(judgeResponse(response('success-response', [MAPPED, UNKNOWN_OPTIONAL]), undefined)).toEqual({ verdict: 'success', authenticated: false });
  });

  it('integrity comes first: with credentials, an unsigned response with unknown attributes is discarded, not a failure', () => {
    expect(judgeResponse(response('success-response', [UNKNOWN_REQUIRED]), KEY)).toMatchObject({ verdict: 'discard', integrity: true });
  });

  it('an error response without ERROR-CODE ends the transaction as a failure (§7.3.4)', () => {
    expect(judgeResponse(response('error-response', [MAPPED]), undefined)).toMatchObject({ verdict: 'bad-response', unknownAttributes: [] });
  });

  it('an error response with ERROR-CODE: its code and reason', () => {
    expect(judgeResponse(response('error-response', [errorCode(487, 'Role Conflict')]), undefined)).toEqual({ verdict: 'error', code: 487, reason: 'Role Conflict', authenticated: false });
  });

  prop([responseClass, body], runs(300))('without credentials: bad-response exactly when there are unknown comprehension-required attributes or an error lacks ERROR-CODE; else the class decides', (cls, attributes) => {
    const verdict = judgeResponse(response(cls, attributes), undefined);
    const unknown = attributes.some((a) => a === UNKNOWN_REQUIRED);
    const code = attributes.find((a) => a.type === 'ERROR-CODE');
    if (unknown || (cls === 'error-response' && code === undefined)) expect(verdict.verdict).toBe('bad-response');
    else if (cls === 'success-response') expect(verdict).toEqual({ verdict: 'success', authenticated: false });
    else expect(verdict).toMatchObject({ verdict: 'error', code: code?.type === 'ERROR-CODE' ? code.value.code : -1 });
  });
});
