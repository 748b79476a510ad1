/**
 * Consent freshness on the selected pair (RFC 7675).
 *
 * - A consent check is a Binding request like a connectivity check (§5.1),
 *   with the selected pair's credentials (which outlive an ICE restart until
 *   the new generation selects a pair, RFC 8445 §9). One every
 *   `consentIntervalMs` randomised to 0.8-1.2 of it (§5.1: "to prevent
 *   synchronization"); a check still unanswered when the next is due is
 *   abandoned for the new one.
 * - Any authenticated success response from the pair's remote address
 *   refreshes consent; consent expires `consentTimeoutMs` (30 s, §5.1) after
 *   the last one: the agent stops checking and is failed.
 * - Disconnected (webrtc-pc §5.6: "checks ... failing ... intermittently"):
 *   a consent check unanswered for `disconnectedAfterMs` (2.5 s, libwebrtc's
 *   WEAK_CONNECTION_RECEIVE_TIMEOUT); a later response makes it connected again.
 *
 * libwebrtc checks the selected connection every 2.5 s when stable
 * (STRONG_AND_STABLE_WRITABLE_CONNECTION_PING_INTERVAL) and keeps it for 30 s
 * without a response (DEAD_CONNECTION_RECEIVE_TIMEOUT); the RFC's 5 s is
 * taken here since only consent, no media, proves the pair alive.
 */
import { sameAddress } from '../io/address.js';
import { datagramFlow } from '../stun/flow.js';
import type { StunTransactionOutcome } from '../stun/transaction.js';
import type { Step } from './agent-context.js';
import { baseById } from './bases.js';
import { buildCheckRequest } from './check-request.js';
import { randomUnit } from './credentials.js';
import { peerReflexivePriority } from './priority.js';

/** A pair was selected: consent is fresh now, and the checks begin. */
export function startConsent(step: Step): void {
  const inFlight = step.ctx.consent.inFlight;
  if (inFlight !== undefined) step.stop(inFlight);
  step.update({ consent: { inFlight: undefined, staleArmed: false, stale: false } });
  step.cancel('consent-stale');
  step.timer('consent-due', { type: 'timer.consent-due' }, interval(step));
  step.timer('consent-expire', { type: 'timer.consent-expire' }, step.options.timing.consentTimeoutMs);
}

/** Time for a consent check. */
export function consentDue(step: Step): void {
  const selected = step.ctx.selected;
  const base = selected && baseById(step, selected.base);
  if (selected === undefined || base === undefined || step.ctx.failed !== undefined || step.ctx.closed) return;
  const previous = step.ctx.consent.inFlight;
  if (previous !== undefined) step.stop(previous);
  const { random, trace, agent } = step.options;
  const check = buildCheckRequest({
    local: selected.local,
    remote: selected.remote,
    priority: peerReflexivePriority(selected.pair.local.priority, selected.pair.local.transport),
    role: step.ctx.role,
    tieBreaker: step.ctx.tieBreaker,
    useCandidate: false,
    random,
  });
  const id = step.id('consent');
  const remote = { address: selected.pair.remote.address, port: selected.pair.remote.port };
  step.spawn({ src: 'transaction', id, input: { flow: datagramFlow(base.transport, remote), request: check.request, key: check.key, random, agent, ...(trace ? { trace } : {}) } });
  step.record('ice.consent', { pair: selected.pair.id, event: 'check', transaction: check.transaction });
  if (!step.ctx.consent.staleArmed) step.timer('consent-stale', { type: 'timer.consent-stale' }, step.options.timing.disconnectedAfterMs);
  step.update({ consent: { ...step.ctx.consent, inFlight: id, staleArmed: true } });
  step.timer('consent-due', { type: 'timer.consent-due' }, interval(step));
}

/** A consent check ended. Only a success from the pair's remote counts (RFC 7675 §5.1); the rest wait for the next check. */
export function consentDone(step: Step, id: string, outcome: StunTransactionOutcome): void {
  if (step.ctx.consent.inFlight !== id) return;
  step.update({ consent: { ...step.ctx.consent, inFlight: undefined } });
  const selected = step.ctx.selected;
  if (selected === undefined || outcome.kind !== 'success' || !outcome.authenticated) return;
  if (!sameAddress(outcome.from, selected.pair.remote)) return;
  step.cancel('consent-stale');
  step.timer('consent-expire', { type: 'timer.consent-expire' }, step.options.timing.consentTimeoutMs);
  if (step.ctx.consent.stale || step.ctx.consent.staleArmed) step.record('ice.consent', { pair: selected.pair.id, event: 'fresh' });
  step.update({ consent: { inFlight: undefined, staleArmed: false, stale: false } });
}

/** A consent check went unanswered too long: disconnected. */
export function consentStale(step: Step): void {
  const selected = step.ctx.selected;
  if (selected === undefined || step.ctx.failed !== undefined) return;
  step.update({ consent: { ...step.ctx.consent, stale: true, staleArmed: false } });
  step.record('ice.consent', { pair: selected.pair.id, event: 'stale' });
}

/** RFC 7675 §5.1: no response for the consent timeout: stop sending on the pair; the agent has failed. */
export function consentExpired(step: Step): void {
  const selected = step.ctx.selected;
  if (selected === undefined || step.ctx.failed !== undefined) return;
  stopConsent(step);
  step.record('ice.consent', { pair: selected.pair.id, event: 'expired' });
  step.update({ failed: 'consent expired (RFC 7675 §5.1)' });
}

export function stopConsent(step: Step): void {
  const inFlight = step.ctx.consent.inFlight;
  if (inFlight !== undefined) step.stop(inFlight);
  for (const id of ['consent-due', 'consent-stale', 'consent-expire']) step.cancel(id);
  step.update({ consent: { inFlight: undefined, staleArmed: false, stale: false } });
}

function interval(step: Step): number {
  return Math.round(step.options.timing.consentIntervalMs * (0.8 + 0.4 * randomUnit(step.options.random)));
}
