/**
 * The Binding request of a connectivity check (RFC 8445 §7.2.2, §7.1.1),
 * which a consent check repeats (RFC 7675 §5.1):
 *
 *   USERNAME "remoteUfrag:localUfrag" (RFC 8445 §7.2.2), PRIORITY (§7.1.1:
 *   the priority a peer-reflexive candidate learned from this check would
 *   have), ICE-CONTROLLING or ICE-CONTROLLED with the tie-breaker (§7.1.3),
 *   USE-CANDIDATE when the controlling agent nominates (§7.1.2),
 *   MESSAGE-INTEGRITY keyed with the remote pwd, and FINGERPRINT (§7.2.2).
 *
 * The transaction id is drawn here, so the trace can name the check by it.
 */
import type { RandomSource } from '../io/random.js';
import type { StunRequest } from '../stun/transaction.js';
import type { StunAttribute } from '../wire/stun/attribute-types.js';
import { shortTermKey } from '../wire/stun/credentials.js';
import { StunMethod, TRANSACTION_ID_LENGTH } from '../wire/stun/header.js';
import { bytesToHex } from '../wire/hex.js';
import type { IceCredentials } from './credentials.js';
import type { IceRole } from './priority.js';

export interface CheckRequestInputs {
  readonly local: IceCredentials;
  readonly remote: IceCredentials;
  readonly priority: number;
  readonly role: IceRole;
  readonly tieBreaker: bigint;
  readonly useCandidate: boolean;
  readonly random: RandomSource;
}

export interface CheckRequest {
  readonly request: StunRequest;
  /** MESSAGE-INTEGRITY's key, for the request and for checking the response (RFC 8445 §7.2.5.1). */
  readonly key: Uint8Array;
  /** The transaction id, hex. */
  readonly transaction: string;
}

export function buildCheckRequest(inputs: CheckRequestInputs): CheckRequest {
  const transactionId = inputs.random.bytes(TRANSACTION_ID_LENGTH);
  const attributes: StunAttribute[] = [
    { type: 'USERNAME', value: `${inputs.remote.ufrag}:${inputs.local.ufrag}` },
    { type: 'PRIORITY', value: inputs.priority },
    inputs.role === 'controlling' ? { type: 'ICE-CONTROLLING', value: inputs.tieBreaker } : { type: 'ICE-CONTROLLED', value: inputs.tieBreaker },
    ...(inputs.useCandidate ? [{ type: 'USE-CANDIDATE' as const }] : []),
    { type: 'MESSAGE-INTEGRITY' },
    { type: 'FINGERPRINT' },
  ];
  return {
    request: { method: StunMethod.Binding, attributes, transactionId },
    key: shortTermKey(inputs.remote.pwd),
    transaction: bytesToHex(transactionId),
  };
}
