import { describe, expect, it } from 'vitest';
import { DEFAULT_STUN_TIMING, StunTimingError, resolveTiming, transmissionSchedule } from '../../src/stun/rto.js';

describe('the transmission schedule (RFC 8489 §6.2)', () => {
  it('over UDP with the defaults: the RFC\'s own example, 39.5 s', () => {
    expect(transmissionSchedule(DEFAULT_STUN_TIMING, 'udp')).toEqual({ sendAt: [0, 500, 1500, 3500, 7500, 15500, 31500], giveUpAt: 39_500 });
  });

  it('over TCP: one transmission, Ti = 39.5 s', () => {
    expect(transmissionSchedule(DEFAULT_STUN_TIMING, 'tcp')).toEqual({ sendAt: [0], giveUpAt: 39_500 });
  });

  it('caps a retransmission wait at maxRtoMs, and cuts the schedule at timeoutMs', () => {
    expect(transmissionSchedule(resolveTiming({ maxRtoMs: 2_000 }), 'udp').sendAt).toEqual([0, 500, 1500, 3500, 5500, 7500, 9500]);
    expect(transmissionSchedule(resolveTiming({ timeoutMs: 4_000 }), 'udp')).toEqual({ sendAt: [0, 500, 1500, 3500], giveUpAt: 4_000 });
    expect(transmissionSchedule(resolveTiming({ timeoutMs: 3_500 }), 'udp')).toEqual({ sendAt: [0, 500, 1500], giveUpAt: 3_500 });
    expect(transmissionSchedule(resolveTiming({ timeoutMs: 1_000 }), 'tcp')).toEqual({ sendAt: [0], giveUpAt: 1_000 });
    expect(transmissionSchedule(resolveTiming({ rc: 1, rm: 2 }), 'udp')).toEqual({ sendAt: [0], giveUpAt: 1_000 });
  });

  it.each([{ rtoMs: 0 }, { rc: 1.5 }, { rm: -1 }, { tcpTimeoutMs: Number.NaN }, { timeoutMs: Number.POSITIVE_INFINITY }])('refuses %j', (bad) => {
    expect(() => resolveTiming(bad)).toThrow(StunTimingError);
  });
});
