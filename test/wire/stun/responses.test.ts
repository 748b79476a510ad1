import { describe, expect, it } from 'vitest';
import {
  StunMethod,
  createErrorResponse,
  createSuccessResponse,
  createUnknownAttributesResponse,
  decodeStunMessage,
  encodeStunMessage,
  findAttribute,
  type DecodedStunMessage,
} from '../../../src/wire/stun/index.js';

function decode(bytes: Uint8Array): DecodedStunMessage {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

const transactionId = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

describe('responses', () => {
  it('420 lists the unknown comprehension-required attributes (RFC 8489 §6.3.1.1)', () => {
    const request = encodeStunMessage({
      method: StunMethod.Allocate,
      class: 'request',
      transactionId,
      attributes: [
        { type: 'unknown', code: 0x0031, value: new Uint8Array([1]) },
        { type: 'unknown', code: 0x8031, value: new Uint8Array([2]) },
        { type: 'unknown', code: 0x0032, value: new Uint8Array(0) },
        { type: 'unknown', code: 0x0031, value: new Uint8Array(0) },
      ],
    });
    const decoded = decode(request);
    const response = createUnknownAttributesResponse(decoded, [{ type: 'FINGERPRINT' }]);
    expect(response).toBeDefined();
    const back = decode(encodeStunMessage(response!));
    expect(back.method).toBe(StunMethod.Allocate);
    expect(back.class).toBe('error-response');
    expect(back.transactionId).toEqual(transactionId);
    expect(findAttribute(back, 'ERROR-CODE')?.value).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(findAttribute(back, 'UNKNOWN-ATTRIBUTES')?.value).toEqual([0x0031, 0x0032]);
    expect(back.attributes.at(-1)?.type).toBe('FINGERPRINT');
  });

  it('no 420 when nothing was unknown', () => {
    const decoded = decode(encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId, attributes: [] }));
    expect(createUnknownAttributesResponse(decoded)).toBeUndefined();
  });

  it('error responses take the registry reason phrase unless given one', () => {
    const request = { method: StunMethod.Allocate, transactionId };
    expect(createErrorResponse(request, 437).attributes[0]).toEqual({ type: 'ERROR-CODE', value: { code: 437, reason: 'Allocation Mismatch' } });
    expect(createErrorResponse(request, 401, { reason: 'Unauthorized' }).attributes[0]).toEqual({
      type: 'ERROR-CODE',
      value: { code: 401, reason: 'Unauthorized' },
    });
  });

  it('success responses keep method and transaction id', () => {
    const response = createSuccessResponse({ method: StunMethod.Binding, transactionId }, [
      { type: 'XOR-MAPPED-ADDRESS', value: { address: '203.0.113.5', port: 40000 } },
    ]);
    expect(response).toMatchObject({ method: StunMethod.Binding, class: 'success-response', transactionId });
  });
});
