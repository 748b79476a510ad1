/** The named profiles behave as the RFC 3489 ↔ RFC 4787 table in profiles.ts says, observed from outside. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { NAT_PRESETS, NETWORK_PROFILES, type MappingBehaviour, type NetworkProfileName } from '../../src/sim/index.js';
import { addr, build, bytes, listen, prop, runs, SERVER_ADDRESSES } from './support.js';

/**
 * Classifies the NAT(s) in front of a host as RFC 5780 behaviour discovery
 * would: mapping from what servers see, filtering from which probes get in.
 */
function classify(profile: NetworkProfileName, seed: number): { mapping: MappingBehaviour; filtering: MappingBehaviour } {
  const world = build({ hosts: [{ id: 'alice', profile }, ...SERVER_ADDRESSES.map((address, i) => ({ id: `s${i}`, address }))] }, { seed });
  const s = [0, 1, 2].map((i) => [listen(world, `s${i}`, 3478), listen(world, `s${i}`, 3479)] as const);
  const alice = listen(world, 'alice');
  alice.socket.send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
  alice.socket.send(bytes(2), addr(SERVER_ADDRESSES[0], 3479));
  alice.socket.send(bytes(3), addr(SERVER_ADDRESSES[1], 3478));
  world.runFor(500);
  const a = s[0]![0].inbox[0]!.from;
  const b = s[0]![1].inbox[0]!.from;
  const c = s[1]![0].inbox[0]!.from;
  const mapping: MappingBehaviour = a.port !== b.port ? 'address-and-port-dependent' : a.port !== c.port ? 'address-dependent' : 'endpoint-independent';
  // Probes to the mapping s1:3478 saw: from s1:3479 (a contacted address, a new port), then from s2 (never contacted).
  s[1]![1].socket.send(bytes(10), c);
  world.runFor(500);
  const fromNewPort = alice.inbox.some((r) => r.data[0] === 10);
  s[2]![0].socket.send(bytes(11), c);
  world.runFor(500);
  const fromNewAddress = alice.inbox.some((r) => r.data[0] === 11);
  const filtering: MappingBehaviour = fromNewAddress ? 'endpoint-independent' : fromNewPort ? 'address-dependent' : 'address-and-port-dependent';
  return { mapping, filtering };
}

const EXPECTED: Partial<Record<NetworkProfileName, { mapping: MappingBehaviour; filtering: MappingBehaviour }>> = {
  open: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'full-cone': { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'address-restricted': { mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted': { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
  'double-cone': { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  // The inner NAT decides: a symmetric one behind anything is symmetric.
  'symmetric-then-cone': { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
  cgnat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
};

describe('network profiles', () => {
  prop([fc.constantFrom(...(Object.keys(EXPECTED) as NetworkProfileName[])), fc.integer({ min: 0, max: 2 ** 31 - 1 })], runs(60))(
    'each profile shows, from outside, the mapping and filtering its RFC 3489 name stands for',
    (profile, seed) => {
      expect(classify(profile, seed)).toEqual(EXPECTED[profile]);
    },
  );

  test('every profile builds; the presets it names exist; RFC 4787 timers are respected by the presets', () => {
    for (const name of Object.keys(NETWORK_PROFILES) as NetworkProfileName[]) {
      const world = build({ hosts: [{ id: 'h', profile: name }] });
      expect(world.natsAbove('h')).toHaveLength(NETWORK_PROFILES[name].layers.length);
    }
    for (const preset of Object.values(NAT_PRESETS)) {
      expect(preset.udpMappingLifetimeMs).toBeGreaterThanOrEqual(120_000); // RFC 4787 REQ-5
      expect(preset.tcpEstablishedLifetimeMs).toBeGreaterThanOrEqual(7_440_000); // RFC 5382 REQ-5
      expect(preset.tcpTransitoryLifetimeMs).toBeGreaterThanOrEqual(240_000);
    }
    expect(NAT_PRESETS['carrier-grade']).toMatchObject({ mapping: 'endpoint-independent', hairpinning: true }); // RFC 6888 REQ-1, REQ-9
  });
});
