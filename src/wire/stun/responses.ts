/**
 * Building responses to a request: same method, same transaction id
 * (RFC 8489 §6.3.1.1: "the response MUST contain the same transaction ID").
 */

import type { StunAttribute } from './attribute-types.js';
import type { DecodedStunMessage, StunMessage } from './message-types.js';

/**
 * Reason phrases recommended by the IANA "STUN Error Codes" registry
 * (RFC 8489 §14.8, RFC 8656 §19, RFC 8445 §16.1).
 */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  405: 'Mobility Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  486: 'Allocation Quota Reached',
  487: 'Role Conflict',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

type Request = Pick<StunMessage, 'method' | 'transactionId'>;

/** A success response to `request` carrying `attributes`. */
export function createSuccessResponse(request: Request, attributes: readonly StunAttribute[] = []): StunMessage {
  return { method: request.method, class: 'success-response', transactionId: request.transactionId, attributes };
}

/**
 * An error response to `request`: ERROR-CODE first (with the registry's
 * reason phrase unless `reason` is given), then `attributes`.
 */
export function createErrorResponse(
  request: Request,
  code: number,
  options: { readonly reason?: string; readonly attributes?: readonly StunAttribute[] } = {},
): StunMessage {
  const reason = options.reason ?? REASON_PHRASES[code] ?? '';
  return {
    method: request.method,
    class: 'error-response',
    transactionId: request.transactionId,
    attributes: [{ type: 'ERROR-CODE', value: { code, reason } }, ...(options.attributes ?? [])],
  };
}

/**
 * The 420 (Unknown Attribute) response to a request that carried unknown
 * comprehension-required attributes, listing them in UNKNOWN-ATTRIBUTES
 * (RFC 8489 §6.3.1.1, §14.13). Returns `undefined` when there were none.
 * Add MESSAGE-INTEGRITY / FINGERPRINT through `attributes` if the exchange uses them.
 */
export function createUnknownAttributesResponse(
  request: DecodedStunMessage,
  attributes: readonly StunAttribute[] = [],
): StunMessage | undefined {
  if (request.unknownRequired.length === 0) return undefined;
  const unknown = [...new Set(request.unknownRequired)];
  return createErrorResponse(request, 420, {
    attributes: [{ type: 'UNKNOWN-ATTRIBUTES', value: unknown }, ...attributes],
  });
}
