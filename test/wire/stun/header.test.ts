import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  StunMethod,
  decodeMessageType,
  encodeMessageType,
  looksLikeStun,
  messageTypeName,
  type StunClass,
} from '../../../src/wire/stun/index.js';
import { RFC5769_REQUEST } from './vectors.js';

describe('message type: class and method bits interleaved (RFC 8489 §5)', () => {
  // Values from RFC 8489 §5 (0x0001, 0x0101, 0x0111) and RFC 8656 §17 / IANA (TURN methods).
  it.each([
    [StunMethod.Binding, 'request', 0x0001],
    [StunMethod.Binding, 'indication', 0x0011],
    [StunMethod.Binding, 'success-response', 0x0101],
    [StunMethod.Binding, 'error-response', 0x0111],
    [StunMethod.Allocate, 'request', 0x0003],
    [StunMethod.Allocate, 'success-response', 0x0103],
    [StunMethod.Allocate, 'error-response', 0x0113],
    [StunMethod.Refresh, 'request', 0x0004],
    [StunMethod.Send, 'indication', 0x0016],
    [StunMethod.Data, 'indication', 0x0017],
    [StunMethod.CreatePermission, 'request', 0x0008],
    [StunMethod.ChannelBind, 'success-response', 0x0109],
  ] as const)('method %i %s is type %i', (method, cls, type) => {
    expect(encodeMessageType(method, cls)).toBe(type);
    expect(decodeMessageType(type)).toEqual({ method, class: cls });
  });

  test.prop([fc.nat(0xfff), fc.constantFrom<StunClass>('request', 'indication', 'success-response', 'error-response')])(
    'every 12-bit method and class round-trips, within 14 bits',
    (method, cls) => {
      const type = encodeMessageType(method, cls);
      expect(type).toBeLessThan(0x4000);
      expect(decodeMessageType(type)).toEqual({ method, class: cls });
    },
  );

  it('names message types as people say them', () => {
    expect(messageTypeName(StunMethod.Binding, 'success-response')).toBe('Binding success response');
    expect(messageTypeName(StunMethod.Send, 'indication')).toBe('Send indication');
    expect(messageTypeName(0x0ab, 'request')).toBe('method 0x0ab request');
  });
});

describe('looksLikeStun', () => {
  it('accepts a real message and refuses other bytes', () => {
    expect(looksLikeStun(RFC5769_REQUEST)).toBe(true);
    expect(looksLikeStun(RFC5769_REQUEST.subarray(0, 19))).toBe(false);
    const cookie = RFC5769_REQUEST.slice();
    cookie[4] = 0;
    expect(looksLikeStun(cookie)).toBe(false);
    const rtp = RFC5769_REQUEST.slice();
    rtp[0] = 0x80;
    expect(looksLikeStun(rtp)).toBe(false);
  });
});
