/**
 * Retransmissions on virtual time under loss (RFC 8489 §6.2.1), as properties.
 *
 * The oracle is written from the RFC's text, not from rto.ts: transmission k
 * (0-based) goes at RTO·(2^k − 1), Rc of them at most, and the client gives up
 * Rm·RTO after the last. One-way latencies end in .25 ms so that no response
 * arrives at the very instant a timer fires (send times are whole ms).
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { bindingRequest, startStunTransaction } from '../../src/stun/client.js';
import { datagramFlow } from '../../src/stun/flow.js';
import { STUN_SERVER, lossyTransport, probeUdp, runToCompletion, prop, runs, serverWorld } from './support.js';

const timingArb = fc.record({
  rtoMs: fc.integer({ min: 100, max: 1_000 }),
  rc: fc.integer({ min: 1, max: 9 }),
  rm: fc.integer({ min: 1, max: 20 }),
});

function schedule(timing: { rtoMs: number; rc: number; rm: number }): { sendAt: number[]; giveUpAt: number } {
  const sendAt = Array.from({ length: timing.rc }, (_, k) => timing.rtoMs * (2 ** k - 1));
  return { sendAt, giveUpAt: sendAt[sendAt.length - 1]! + timing.rm * timing.rtoMs };
}

/** Internet links are 10 ms each; the client's own access link adds `latency` each way. */
const rttOf = (latency: number) => 2 * (latency + 10);

describe('retransmissions under loss', () => {
  prop(
    [
      fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
      fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
      fc.integer({ min: 0, max: 6_000 }).map((n) => n + 0.25),
      fc.option(timingArb, { nil: undefined }),
    ],
    runs(150),
  )('succeeds iff some transmission and its response both get through before the give-up time; never more than Rc transmissions', (requestLost, responseLost, latency, timing) => {
    const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5', link: { latencyMs: latency } }]);
    const socket = lossyTransport(world.host('alice').bindUdp(), requestLost, responseLost);
    const actor = startStunTransaction(
      { flow: datagramFlow(socket, STUN_SERVER), request: bindingRequest(), random: world.random, ...(timing ? { timing } : {}) },
      { clock: world.clock },
    );
    const { outcome, at } = runToCompletion(world, actor);

    const { sendAt, giveUpAt } = schedule(timing ?? { rtoMs: 500, rc: 7, rm: 16 });
    const rtt = rttOf(latency);
    const first = sendAt.findIndex((_, i) => !requestLost[i] && !responseLost[i]);
    const answeredAt = first === -1 ? Number.POSITIVE_INFINITY : sendAt[first]! + rtt;

    expect(outcome.transmissions).toBeLessThanOrEqual(sendAt.length);
    if (answeredAt < giveUpAt) {
      expect(outcome.kind).toBe('success');
      expect(at).toBe(answeredAt);
      expect(outcome.transmissions).toBe(sendAt.filter((t) => t < answeredAt).length);
    } else {
      expect(outcome).toMatchObject({ kind: 'timeout', transmissions: sendAt.length, elapsedMs: giveUpAt });
      expect(at).toBe(giveUpAt);
    }
  });

  prop([fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 0.95, noNaN: true }), fc.integer({ min: 0, max: 3_000 }).map((n) => n + 0.25), timingArb], runs(150))(
    'on lossy simulated links: transmissions follow the schedule, and the outcome is what the network delivered',
    (seed, loss, latency, timing) => {
      const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5', link: { latencyMs: latency, loss } }], { seed });
      const { outcome, at } = probeUdp(world, 'alice', STUN_SERVER, { timing });
      const { sendAt, giveUpAt } = schedule(timing);

      const sent = world.trace.ofKind('packet.send').filter((r) => r.host === 'alice').map((r) => r.t);
      const answered = world.trace.ofKind('packet.deliver').filter((r) => r.host === 'alice').map((r) => r.t);
      expect(sent).toEqual(sendAt.slice(0, sent.length));
      expect(outcome.transmissions).toBe(sent.length);
      expect(sent.length).toBeLessThanOrEqual(timing.rc);
      const first = answered[0];
      if (first !== undefined && first < giveUpAt) {
        expect(outcome.kind).toBe('success');
        expect(at).toBe(first);
        expect(sent.every((t) => t < first)).toBe(true);
      } else {
        expect(outcome).toMatchObject({ kind: 'timeout', transmissions: timing.rc });
        expect(at).toBe(giveUpAt);
      }
    },
  );
});
