/**
 * STUN steps in the one trace: deterministic for a seed, plain JSON, and
 * placed next to the packets that carried them.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/sim/index.js';
import { STUN_SERVER, probeUdp, serverWorld } from './support.js';

/** Alice behind a symmetric NAT on a lossy link asks twice (so there are retransmissions, answers, maybe a timeout). */
function run(seed: number): TraceRecord[] {
  const { world } = serverWorld([{ id: 'alice', profile: 'symmetric', link: { loss: 0.5 } }], { seed });
  probeUdp(world, 'alice', STUN_SERVER);
  probeUdp(world, 'alice', STUN_SERVER);
  return [...world.trace.records];
}

describe('STUN in the trace', () => {
  it('is the same, byte for byte, for the same seed, and differs for another seed', () => {
    const a = JSON.stringify(run(7));
    expect(JSON.stringify(run(7))).toBe(a);
    expect(JSON.stringify(run(8))).not.toBe(a);
  });

  it('holds plain JSON records of every step, next to the packets that carried them', () => {
    const records = run(7);
    for (const r of records) expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    const kinds = new Set(records.map((r) => r.kind));
    for (const kind of ['stun.request', 'stun.retransmit', 'stun.answer', 'stun.response']) expect(kinds).toContain(kind);

    // Each client transmission is recorded just before the packet that carries it; each server answer too.
    records.forEach((r, i) => {
      if (r.kind === 'stun.request' || r.kind === 'stun.retransmit') {
        const next = records[i + 1];
        expect(next).toMatchObject({ kind: 'packet.send', host: 'alice', dst: r.to, t: r.t });
        expect(next?.kind === 'packet.send' && next.payload?.slice(16, 40)).toBe(r.transaction);
      }
      if (r.kind === 'stun.answer') {
        const next = records[i + 1];
        expect(next).toMatchObject({ kind: 'packet.send', host: 'stun1', dst: r.to, t: r.t });
        expect(next?.kind === 'packet.send' && next.payload?.slice(16, 40)).toBe(r.transaction);
      }
      if (r.kind === 'stun.response') {
        // ... and the response just after the delivery that brought it.
        expect(records[i - 1]).toMatchObject({ kind: 'packet.deliver', host: 'alice', src: r.from, t: r.t });
      }
    });
    const answered = records.filter((r) => r.kind === 'stun.response');
    for (const r of answered) expect(r).toMatchObject({ method: 'Binding', class: 'success-response', outcome: 'success', agent: 'alice' });
  });
});
