import { describe, expect, test } from 'vitest';
import { createWorld, MDNS_QUERY_TIMEOUT_MS } from '../../src/sim/index.js';

function world(seed = 1) {
  return createWorld(
    {
      lans: [{ id: 'home', subnet: '192.168.1.0/24', gateway: { id: 'router', nat: 'port-restricted', outside: { realm: 'internet' } } }],
      hosts: [{ id: 'laptop', realm: 'home' }, { id: 'phone', realm: 'home' }, { id: 'far', profile: 'full-cone' }],
    },
    { seed },
  );
}

describe('mDNS host names', () => {
  test('a host on the same LAN resolves the name, one LAN round trip later', () => {
    const w = world();
    const name = w.mdns.register('laptop', w.host('laptop').interfaces[0]!);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/);
    let answer: string | undefined | null = null;
    w.mdns.query(w.host('phone'), name, (a) => (answer = a));
    w.run();
    expect(answer).toBe('192.168.1.2');
    expect(w.clock.now()).toBe(2); // 2 × (0.5 + 0.5) ms on the default LAN links
    expect(w.trace.ofKind('mdns.answer')).toHaveLength(1);
  });

  test('a host across the internet cannot: multicast stays on the link (RFC 6762 §2)', () => {
    const w = world();
    const name = w.mdns.register('laptop', w.host('laptop').interfaces[0]!);
    let answer: string | undefined | null = null;
    w.mdns.query(w.host('far'), name, (a) => (answer = a));
    w.run();
    expect(answer).toBeUndefined();
    expect(w.clock.now()).toBe(MDNS_QUERY_TIMEOUT_MS);
    expect(w.trace.ofKind('mdns.unanswered')[0]!.why).toBe('laptop is not on a LAN of far');
  });

  test('names are unique, random and the same for the same seed', () => {
    const names = (seed: number) => {
      const w = world(seed);
      return [0, 1, 2].map(() => w.mdns.register('laptop', w.host('laptop').interfaces[0]!));
    };
    expect(new Set(names(1)).size).toBe(3);
    expect(names(1)).toEqual(names(1));
    expect(names(2)).not.toEqual(names(1));
  });

  test('an unregistered name is not answered', () => {
    const w = world();
    const name = w.mdns.register('laptop', w.host('laptop').interfaces[0]!);
    w.mdns.unregister(name);
    let answer: string | undefined | null = null;
    w.mdns.query(w.host('phone'), name, (a) => (answer = a));
    w.run();
    expect(answer).toBeUndefined();
  });
});
