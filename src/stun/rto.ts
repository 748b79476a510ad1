/**
 * When a client transaction sends and when it gives up (RFC 8489 §6.2).
 *
 * Over UDP (§6.2.1) the request is sent, then retransmitted after RTO, 2·RTO,
 * 4·RTO, ... (the wait doubles each time) until it has been sent Rc times;
 * after the last one the client waits Rm·RTO more before it gives up. With
 * the defaults (RTO 500 ms, Rc 7, Rm 16) it sends at 0, 500, 1500, 3500, 7500,
 * 15500 and 31500 ms and gives up at 39500 ms, the figure §6.2.1 itself gives.
 *
 * Over a reliable transport (TCP, TLS; §6.2.2) it sends once and gives up
 * after Ti = 39.5 s: the reliability is TCP's job, and retransmitting on top of
 * it would only add load.
 *
 * The schedule is computed up front, as data, so tests and traces can say
 * exactly when each transmission is due.
 */

/** A STUN client transaction's timing, RFC 8489 §6.2: when it retransmits over UDP and when it gives up, in ms. Defaults in `DEFAULT_STUN_TIMING`. */
export interface StunTiming {
  /** Initial retransmission timeout, ms. RFC 8489 §6.2.1: SHOULD be at least 500 ms. */
  readonly rtoMs: number;
  /** Total transmissions over UDP, the first one included. RFC 8489 §6.2.1 default 7. */
  readonly rc: number;
  /** After the last transmission, wait Rm times the initial RTO. RFC 8489 §6.2.1 default 16. */
  readonly rm: number;
  /** Ti, the single timeout over TCP, ms. RFC 8489 §6.2.2 default 39.5 s. */
  readonly tcpTimeoutMs: number;
  /** Upper bound on one retransmission wait, ms (none by default: RFC 8489 sets none, RFC 5245-era stacks did). */
  readonly maxRtoMs?: number;
  /** Give up after this long whatever the schedule says, ms: a caller's deadline (the `stun probe --timeout-ms`). */
  readonly timeoutMs?: number;
}

/**
 * RFC 8489 §6.2's defaults: RTO 500 ms, Rc 7, Rm 16 over UDP (a request sent
 * at 0, 500, 1500, ... 31 500 ms, given up at 39 500 ms) and Ti 39.5 s over
 * TCP. A transaction's `timing` overrides fields of it.
 */
export const DEFAULT_STUN_TIMING: StunTiming = { rtoMs: 500, rc: 7, rm: 16, tcpTimeoutMs: 39_500 };

export interface TransmissionSchedule {
  /** When each transmission goes, ms after the first (so `sendAt[0]` is 0); at most Rc of them. */
  readonly sendAt: readonly number[];
  /** When the transaction gives up, ms after the first transmission. */
  readonly giveUpAt: number;
}

/** Thrown for timing values that make no schedule (a programming error, not untrusted input). */
export class StunTimingError extends RangeError {
  override readonly name = 'StunTimingError';
}

/** The complete timing, from defaults and overrides; throws `StunTimingError` for impossible values. */
export function resolveTiming(overrides: Partial<StunTiming> = {}): StunTiming {
  const timing: StunTiming = { ...DEFAULT_STUN_TIMING, ...overrides };
  positive('rtoMs', timing.rtoMs);
  positive('rc', timing.rc, true);
  positive('rm', timing.rm);
  positive('tcpTimeoutMs', timing.tcpTimeoutMs);
  positive('maxRtoMs', timing.maxRtoMs);
  positive('timeoutMs', timing.timeoutMs);
  return timing;
}

function positive(name: string, value: number | undefined, integer = false): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new StunTimingError(`${name} must be a positive finite ${integer ? 'integer' : 'number'}, got ${value}`);
  }
}

/** The schedule over UDP (RFC 8489 §6.2.1) or TCP (§6.2.2), cut short by `timeoutMs` when given. */
export function transmissionSchedule(timing: StunTiming, transport: 'udp' | 'tcp'): TransmissionSchedule {
  const deadline = timing.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (transport === 'tcp') return { sendAt: [0], giveUpAt: Math.min(timing.tcpTimeoutMs, deadline) };
  const sendAt: number[] = [0];
  let rto = timing.rtoMs;
  for (let i = 1; i < timing.rc; i++) {
    const next = sendAt[i - 1]! + Math.min(rto, timing.maxRtoMs ?? rto);
    if (next >= deadline) break;
    sendAt.push(next);
    rto *= 2;
  }
  const giveUpAt = Math.min(sendAt[sendAt.length - 1]! + timing.rm * timing.rtoMs, deadline);
  return { sendAt, giveUpAt };
}
