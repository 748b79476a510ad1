/**
 * How a TURN client ends, from the event that ended it (RFC 8656 §7.4 for a
 * failed Allocate, §8.3 for a failed Refresh, §3.1 for a closed connection,
 * §7 for a lifetime that ran out, §8.1 for a release).
 */
import type { StunTransactionOutcome } from '../../stun/transaction.js';
import { verdictOf, type TurnClientContext } from './context.js';
import type { RequestFailure, TurnClientEnd } from './types.js';

export function endOf(context: TurnClientContext, event: { type: string }, kind: TurnClientEnd['kind']): TurnClientEnd {
  if (event.type === 'io.closed') {
    const reason = 'reason' in event && typeof event.reason === 'string' ? event.reason : 'closed';
    return kind === 'released' ? { kind: 'released', confirmed: false, reason: `transport closed: ${reason}`, outcome: 'transport-closed' } : { kind: 'transport-closed', reason };
  }
  if (kind === 'expired') return { kind: 'expired', lifetime: context.allocation?.lifetime ?? 0 };
  const outcome = 'output' in event ? (event.output as StunTransactionOutcome) : undefined;
  if (outcome === undefined) return { kind: 'transport-closed', reason: `ended by ${event.type}` };
  const verdict = verdictOf(context, outcome, kind === 'allocate-failed' ? 'allocate' : kind === 'released' ? 'release' : 'refresh', context.attempt);
  if (kind === 'released') {
    if (verdict.verdict === 'success') return { kind: 'released', confirmed: true };
    const failure = failureOf(verdict);
    // RFC 8656 §8.3: 437 means there is no allocation on this 5-tuple any more, which is what a release asks.
    return { kind: 'released', confirmed: failure.code === 437, ...failure };
  }
  return { kind: kind === 'allocate-failed' ? 'allocate-failed' : 'refresh-failed', ...failureOf(verdict) };
}

function failureOf(verdict: ReturnType<typeof verdictOf>): RequestFailure {
  if (verdict.verdict === 'failure') return verdict.failure;
  // A retry that was not taken (the machine only gets here when it should have been): say so rather than guess.
  return { reason: `unexpected ${verdict.verdict} verdict`, outcome: 'error' };
}

export function lifetimeOf(lifetime: number | undefined): { lifetime?: number } {
  return lifetime === undefined ? {} : { lifetime };
}
