/**
 * Answering connectivity checks (RFC 8445 §7.3) and what a check received
 * means for the agent.
 *
 * `judgeRequest` is pure: it reads one Binding request (untrusted bytes,
 * already decoded) and says what to answer, in RFC 8489's and RFC 8445's order:
 *
 * 1. FINGERPRINT must be there and match (RFC 8445 §7.2.2 puts it on every
 *    check; libwebrtc's Port::GetStunMessage drops a packet without one): else ignored.
 * 2. USERNAME and MESSAGE-INTEGRITY must be there: else 400 (RFC 8489 §9.1.3).
 * 3. USERNAME is "ourUfrag:theirUfrag" with our current ufrag, or the previous
 *    one while the previous generation's pair carries on (§9): else 401.
 * 4. MESSAGE-INTEGRITY must match our pwd: else 401.
 * 5. Unknown comprehension-required attributes: 420 (RFC 8489 §6.3.1.1).
 * 6. PRIORITY must be there (§7.1.1; it names a peer-reflexive candidate): else 400.
 * 7. Role conflict (§7.3.1.1): both controlling, or both controlled; the
 *    larger tie-breaker keeps controlling. The loser of a request that must
 *    not change our role gets 487; otherwise we switch and answer.
 * 8. Success: XOR-MAPPED-ADDRESS of the source (§7.3.1.2), MESSAGE-INTEGRITY
 *    with our pwd, FINGERPRINT.
 *
 * Error answers that cannot be signed (400, 401) carry only FINGERPRINT; a
 * 487 is signed (§7.3.1.1: the peer must be able to trust it).
 *
 * `requestArrived` then does what the RFC says a received check does:
 * learn a peer-reflexive candidate from an unknown source (§7.3.1.3), queue
 * a triggered check (§7.3.1.4), and note USE-CANDIDATE (§7.3.1.5).
 */
import type { TransportAddress } from '../io/address.js';
import { formatAddress } from '../io/address.js';
import { bytesToHex } from '../wire/hex.js';
import { findAttribute } from '../wire/stun/attribute-types.js';
import { shortTermKey } from '../wire/stun/credentials.js';
import { verifyFingerprint } from '../wire/stun/fingerprint.js';
import { StunMethod } from '../wire/stun/header.js';
import { verifyIntegrity } from '../wire/stun/integrity.js';
import { encodeStunMessage, type DecodedStunMessage } from '../wire/stun/message.js';
import { createErrorResponse, createSuccessResponse } from '../wire/stun/responses.js';
import type { IceCandidate } from '../wire/ice-candidate.js';
import { candidateAddressKey } from './candidate.js';
import type { Step } from './agent-context.js';
import { baseById, ioId, permit } from './bases.js';
import { requestReceived, type CheckList } from './checklist.js';
import { refreshCheckList, setCheckList, switchRole } from './checks.js';
import type { IceCredentials } from './credentials.js';
import { remotePeerReflexiveFoundation } from './foundation.js';
import type { IceRole } from './priority.js';

export interface AnswerContext {
  readonly local: IceCredentials;
  readonly previousLocal: IceCredentials | undefined;
  readonly role: IceRole;
  readonly tieBreaker: bigint;
}

export type RequestJudgement =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'reject'; readonly code: number; readonly reason: string; readonly bytes: Uint8Array }
  | {
      readonly kind: 'answer';
      readonly bytes: Uint8Array;
      /** The request carried our previous generation's ufrag: answered, nothing else (§9). */
      readonly previousGeneration: boolean;
      readonly priority: number;
      readonly useCandidate: boolean;
      /** §7.3.1.1: we take this role before answering. */
      readonly switchTo?: IceRole;
    };

export function judgeRequest(message: DecodedStunMessage, from: TransportAddress, ctx: AnswerContext): RequestJudgement {
  if (message.method !== StunMethod.Binding) return { kind: 'ignore', reason: `method 0x${message.method.toString(16)} is not a connectivity check` };
  if (!verifyFingerprint(message).ok) return { kind: 'ignore', reason: 'no valid FINGERPRINT (RFC 8445 §7.2.2)' };
  const username = findAttribute(message, 'USERNAME')?.value;
  if (username === undefined || findAttribute(message, 'MESSAGE-INTEGRITY') === undefined) {
    return reject(message, 400, 'Bad Request: USERNAME and MESSAGE-INTEGRITY are required (RFC 8489 §9.1.3)');
  }
  const ufrag = username.split(':')[0];
  const credentials = ufrag === ctx.local.ufrag ? ctx.local : ufrag === ctx.previousLocal?.ufrag ? ctx.previousLocal : undefined;
  if (credentials === undefined || !username.includes(':')) return reject(message, 401, 'Unauthenticated: unknown USERNAME (RFC 8489 §9.1.3)');
  const key = shortTermKey(credentials.pwd);
  if (!verifyIntegrity(message, key).ok) return reject(message, 401, 'Unauthenticated: MESSAGE-INTEGRITY does not match (RFC 8489 §9.1.3)');
  if (message.unknownRequired.length > 0) {
    const response = createErrorResponse(message, 420, { attributes: [{ type: 'UNKNOWN-ATTRIBUTES', value: [...new Set(message.unknownRequired)] }, { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }] });
    return { kind: 'reject', code: 420, reason: 'unknown comprehension-required attributes', bytes: encodeStunMessage(response, { key }) };
  }
  const priority = findAttribute(message, 'PRIORITY')?.value;
  if (priority === undefined) return reject(message, 400, 'Bad Request: PRIORITY is required (RFC 8445 §7.1.1)');
  const previousGeneration = credentials !== ctx.local;

  let switchTo: IceRole | undefined;
  const theirs = ctx.role === 'controlling' ? findAttribute(message, 'ICE-CONTROLLING')?.value : findAttribute(message, 'ICE-CONTROLLED')?.value;
  if (theirs !== undefined && !previousGeneration) {
    // §7.3.1.1: controlling vs controlling: ours >= theirs keeps us controlling (487); controlled vs controlled: ours >= theirs makes us controlling.
    const oursWins = ctx.tieBreaker >= theirs;
    const keepOurs = ctx.role === 'controlling' ? oursWins : !oursWins;
    if (keepOurs) {
      const response = createErrorResponse(message, 487, { attributes: [{ type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }] });
      return { kind: 'reject', code: 487, reason: 'Role Conflict (RFC 8445 §7.3.1.1)', bytes: encodeStunMessage(response, { key }) };
    }
    switchTo = ctx.role === 'controlling' ? 'controlled' : 'controlling';
  }
  const mapped = { address: from.address, port: from.port };
  const response = createSuccessResponse(message, [{ type: 'XOR-MAPPED-ADDRESS', value: mapped }, { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }]);
  const useCandidate = findAttribute(message, 'USE-CANDIDATE') !== undefined;
  return { kind: 'answer', bytes: encodeStunMessage(response, { key }), previousGeneration, priority, useCandidate, ...(switchTo ? { switchTo } : {}) };
}

function reject(message: DecodedStunMessage, code: number, reason: string): RequestJudgement {
  const response = createErrorResponse(message, code, { reason: reason.slice(0, 127), attributes: [{ type: 'FINGERPRINT' }] });
  return { kind: 'reject', code, reason, bytes: encodeStunMessage(response) };
}

/** A Binding request arrived on one of our bases. */
export function requestArrived(step: Step, baseId: string, message: DecodedStunMessage, from: TransportAddress): void {
  const base = baseById(step, baseId);
  if (base === undefined || step.ctx.closed) return;
  const transaction = bytesToHex(message.transactionId);
  const where = { from: formatAddress(from), to: formatAddress(base.address), transaction };
  // A base of an older generation answers only for the pair that still carries media; a host socket under the relay policy is no candidate.
  const current = base.generation === step.gen.generation;
  const judgement = judgeRequest(message, from, { local: step.gen.local, previousLocal: step.ctx.previousLocal, role: step.ctx.role, tieBreaker: step.ctx.tieBreaker });
  if (judgement.kind === 'ignore' || (base.candidate === undefined && judgement.kind === 'answer')) {
    step.record('ice.answer', { ...where, event: 'ignored', reason: judgement.kind === 'ignore' ? judgement.reason : 'not a candidate of ours (relay policy)' });
    return;
  }
  if (judgement.kind === 'reject') {
    step.send(ioId(base), { type: 'io.send', bytes: judgement.bytes, to: from });
    step.record('ice.answer', { ...where, event: judgement.code === 487 ? 'role-conflict' : 'rejected', code: judgement.code, reason: judgement.reason });
    return;
  }
  if (judgement.switchTo !== undefined) switchRole(step, judgement.switchTo, `a check from the peer claimed our role with a larger tie-breaker (RFC 8445 §7.3.1.1)`);
  step.send(ioId(base), { type: 'io.send', bytes: judgement.bytes, to: from });
  step.record('ice.answer', { ...where, event: 'answered', useCandidate: judgement.useCandidate });
  if (judgement.previousGeneration || !current || base.candidate === undefined || step.ctx.failed !== undefined) return;

  step.updateGen({ checking: true });
  const remote = remoteFor(step, from, judgement.priority);
  const update = requestReceived([step.gen.checkList], 0, base.candidate, remote, step.ctx.role, judgement.useCandidate);
  setCheckList(step, update.set[0] as CheckList, update.cancel);
}

/** §7.3.1.3: the source is a remote candidate we know, or a new peer-reflexive one with the request's PRIORITY. */
function remoteFor(step: Step, from: TransportAddress, priority: number): IceCandidate {
  const probe = { component: 1, transport: 'udp' as const, address: from.address, port: from.port };
  const key = candidateAddressKey(probe as IceCandidate);
  const known = step.gen.remotes.find((r) => candidateAddressKey(r) === key);
  if (known !== undefined) return known;
  const candidate: IceCandidate = {
    foundation: remotePeerReflexiveFoundation(step.gen.remotes.map((r) => r.foundation)),
    component: 1,
    transport: 'udp',
    priority,
    address: from.address,
    port: from.port,
    type: 'prflx',
    extensions: [],
  };
  step.updateGen({ remotes: [...step.gen.remotes, candidate] });
  permit(step, [candidate]);
  step.record('ice.candidate', { side: 'remote', event: 'prflx', type: 'prflx', transport: 'udp', address: formatAddress(from), priority, foundation: candidate.foundation });
  refreshCheckList(step);
  return candidate;
}

