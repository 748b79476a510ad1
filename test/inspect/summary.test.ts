import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { inferMapping } from '../../src/inspect/summary.js';
import { createWorld, MAPPING_BEHAVIOURS } from '../../src/sim/index.js';
import { formatAddress } from '../../src/io/index.js';

describe('inferMapping', () => {
  it('needs two observations', () => {
    expect(inferMapping([{ to: '198.51.100.1:1', seenAs: '203.0.113.1:5' }])).toBeUndefined();
  });

  it('cannot tell address- from address-and-port-dependent without two ports of one address', () => {
    const seen = [
      { to: '198.51.100.1:3478', seenAs: '203.0.113.1:2000' },
      { to: '198.51.100.2:3478', seenAs: '203.0.113.1:2001' },
      { to: '198.51.100.2:3478', seenAs: '203.0.113.1:2001' },
    ];
    expect(inferMapping(seen)).toBe('endpoint-dependent');
  });

  // The inference, run against the NAT model: a NAT of each mapping behaviour, probed at
  // two ports of one server and one port of another (RFC 5780 §4.3's test), is recognised.
  test.prop([fc.constantFrom(...MAPPING_BEHAVIOURS), fc.integer({ min: 1, max: 2 ** 30 })], { numRuns: 60 })(
    'recognises each mapping behaviour from what servers saw',
    (mapping, seed) => {
      const world = createWorld(
        {
          lans: [{ id: 'lan', subnet: '192.168.0.0/24', gateway: { id: 'nat', nat: { mapping, filtering: 'endpoint-independent' }, outside: { realm: 'internet' } } }],
          hosts: [{ id: 'h', realm: 'lan' }, { id: 'a', address: '198.51.100.1' }, { id: 'b', address: '198.51.100.2' }],
        },
        { seed },
      );
      const seen: { to: string; seenAs: string }[] = [];
      const targets = [{ address: '198.51.100.1', port: 3478 }, { address: '198.51.100.1', port: 3479 }, { address: '198.51.100.2', port: 3478 }];
      for (const t of targets) world.host(t.address.endsWith('.1') ? 'a' : 'b').bindUdp({ port: t.port }).onMessage((_d, from) => seen.push({ to: formatAddress(t), seenAs: formatAddress(from) }));
      const socket = world.host('h').bindUdp({});
      for (const t of targets) socket.send(new Uint8Array([1]), t);
      world.run();
      expect(inferMapping(seen)).toBe(mapping);
    },
  );
});
