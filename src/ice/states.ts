/**
 * RTCIceConnectionState (webrtc-pc §4.3.3) from the agent's context, after
 * every event; a change is traced and emitted.
 *
 * With one transport, the connection state is its RTCIceTransportState
 * (webrtc-pc §5.6):
 * - new: no check sent or received yet in this generation;
 * - checking: checks are under way and no pair is selected;
 * - connected: a pair is selected (it is "usable") while gathering or the
 *   peer's candidates go on; after a restart, the previous pair keeps the
 *   agent connected until the new generation selects one (RFC 8445 §9);
 * - completed: selected, gathering complete, the peer's end-of-candidates
 *   received (and its `.local` names resolved or given up), and the check
 *   list completed (§8.1.2 ends the other checks);
 * - disconnected: consent checks on the selected pair go unanswered (consent.ts);
 * - failed: consent expired (RFC 7675), or no pair can succeed: gathering is
 *   complete, nothing is left to check or in flight, no pair is valid, and the
 *   PAC timer (RFC 8863 §4, 39.5 s) has run out. webrtc-pc also waits for the
 *   peer's end-of-candidates; libwebrtc does not (P2PTransportChannel goes
 *   failed once every connection it had is gone), nor does this agent: the
 *   PAC timer bounds the wait instead. Terminal until a restart;
 * - closed: `close`.
 */
import type { IceConnectionState } from './agent-trace.js';
import type { AgentContext, Step } from './agent-context.js';

export function connectionStateOf(ctx: AgentContext): IceConnectionState {
  if (ctx.closed) return 'closed';
  if (ctx.failed !== undefined) return 'failed';
  const gen = ctx.gen;
  if (ctx.selected !== undefined) {
    if (ctx.consent.stale) return 'disconnected';
    const done = ctx.selected.generation === gen.generation && gen.checkList.state === 'completed' && gen.gathering === 'complete' && gen.remoteEnd && gen.resolving === 0;
    return done ? 'completed' : 'connected';
  }
  return gen.checking ? 'checking' : 'new';
}

/** §6.1.2 and RFC 8863: nothing can succeed any more in this generation. */
export function hopeless(ctx: AgentContext): boolean {
  const gen = ctx.gen;
  const list = gen.checkList;
  if (ctx.selected !== undefined || gen.remote === undefined || !gen.pacExpired || gen.gathering !== 'complete' || gen.resolving > 0) return false;
  if (Object.values(ctx.checks).some((c) => c.generation === gen.generation)) return false;
  if (list.triggered.length > 0 || list.pairs.some((p) => p.state === 'frozen' || p.state === 'waiting' || p.state === 'in-progress')) return false;
  return list.valid.length === 0 || list.state === 'failed';
}

/** Settles the state after an event: failure when hopeless, then the change, traced and emitted. */
export function publishState(step: Step, reason?: string): void {
  if (step.ctx.failed === undefined && !step.ctx.closed && hopeless(step.ctx)) {
    step.update({ failed: 'no candidate pair succeeded (RFC 8445 §7.2.5.4) and the PAC timer ran out (RFC 8863)' });
  }
  const state = connectionStateOf(step.ctx);
  const previous = step.ctx.connectionState;
  if (state === previous) return;
  step.update({ connectionState: state });
  const why = reason ?? (state === 'failed' ? step.ctx.failed : undefined);
  step.record('ice.state', { state, previous, ...(why !== undefined ? { reason: why } : {}) });
  step.emit({ type: 'connection-state', state });
}
