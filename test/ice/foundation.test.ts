import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseCandidate, serializeCandidate, type IceCandidate } from '../../src/wire/ice-candidate.js';
import { computeFoundation, foundationKey, remotePeerReflexiveFoundation, type FoundationInputs } from '../../src/ice/foundation.js';
import { corpusLines } from './corpus.js';
import { host } from './support.js';

const inputs: fc.Arbitrary<FoundationInputs> = fc.record({
  type: fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
  transport: fc.constantFrom('udp' as const, 'tcp' as const),
  baseAddress: fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::1', '2001:DB8:0::1'),
  server: fc.option(fc.constantFrom('198.51.100.1', '198.51.100.2'), { nil: undefined }),
  relayProtocol: fc.option(fc.constantFrom('udp' as const, 'tcp' as const), { nil: undefined }),
});

describe('foundations (RFC 8445 §5.1.1.3)', () => {
  test.prop([inputs, inputs, fc.string({ maxLength: 8 })], { numRuns: 3000 })(
    'two candidates share a foundation exactly when type, base IP, server IP (reflexive, relayed) and transport agree',
    (a, b, seed) => {
      const same =
        a.type === b.type &&
        a.transport === b.transport &&
        foundationKey({ ...a, type: 'host' }) === foundationKey({ ...b, type: 'host' }) &&
        (a.type === 'host' || a.type === 'prflx' || (a.server ?? '') === (b.server ?? '')) &&
        (a.type !== 'relay' || (a.relayProtocol ?? 'udp') === (b.relayProtocol ?? 'udp'));
      expect(computeFoundation(a, seed) === computeFoundation(b, seed)).toBe(same);
    },
  );

  it('ignores ports, reads the base IP canonically, and ignores the server of host and prflx candidates', () => {
    expect(computeFoundation({ type: 'host', transport: 'udp', baseAddress: '2001:DB8::1' })).toBe(
      computeFoundation({ type: 'host', transport: 'udp', baseAddress: '2001:db8:0::1' }),
    );
    expect(foundationKey({ type: 'host', transport: 'udp', baseAddress: '10.0.0.1', server: '198.51.100.1' })).toBe(
      foundationKey({ type: 'host', transport: 'udp', baseAddress: '10.0.0.1' }),
    );
    expect(host('10.0.0.1', 1000).foundation).toBe(host('10.0.0.1', 2000).foundation);
  });

  it('depends on the seed, as libwebrtc’s does on the tie-breaker, and is always a valid foundation', () => {
    const i: FoundationInputs = { type: 'srflx', transport: 'udp', baseAddress: '10.0.0.1', server: '198.51.100.1' };
    expect(computeFoundation(i, 1n)).not.toBe(computeFoundation(i, 2n));
    const line = serializeCandidate({ ...host('10.0.0.1', 1), foundation: computeFoundation(i, 12345678901234567890n) });
    expect(parseCandidate(line).ok).toBe(true);
  });

  it('makes remote peer-reflexive foundations no signalled foundation can equal (§7.3.1.3)', () => {
    const f = remotePeerReflexiveFoundation(['1', 'prflx-1']);
    expect(f).toBe('prflx-2');
    expect(parseCandidate(`candidate:${f} 1 udp 1 10.0.0.1 1 typ prflx`).ok).toBe(false);
  });

  /**
   * What real agents did, in each corpus file (one ICE session): two host
   * candidates share a foundation exactly when they share transport and
   * address (the mDNS name stands for one IP), in every m-section; and
   * candidates of different types never share one. (Foundations of srflx and
   * relayed candidates hide their base: raddr is 0.0.0.0 or the server's.)
   */
  it('holds in every corpus file: hosts by transport and address, types apart', () => {
    const byFile = new Map<string, IceCandidate[]>();
    for (const { file, line } of corpusLines('a=candidate:')) {
      const r = parseCandidate(line);
      if (r.ok) byFile.set(file, [...(byFile.get(file) ?? []), r.candidate]);
    }
    let hostPairs = 0;
    for (const [file, cs] of byFile) {
      for (const a of cs) {
        for (const b of cs) {
          if (a.type !== b.type) expect(a.foundation, file).not.toBe(b.foundation);
          if (a.type !== 'host' || b.type !== 'host') continue;
          hostPairs++;
          expect(a.foundation === b.foundation, `${file}: ${a.address} ${b.address}`).toBe(a.transport === b.transport && a.address === b.address);
        }
      }
    }
    expect(hostPairs).toBeGreaterThan(500);
  });
});
