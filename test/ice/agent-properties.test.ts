/**
 * Properties of the ICE agent over random topologies (pairs of network
 * profiles, or one shared LAN; with or without TURN) and seeds. Each failing
 * property prints its fast-check seed (test/sim/support.ts explains replay).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { NETWORK_PROFILE_NAMES } from '../../src/sim/index.js';
import type { AgentContext } from '../../src/ice/agent-context.js';
import { transportAddressKey } from '../../src/ice/address.js';
import { prop, runs } from '../sim/support.js';
import { call, type Place, type SceneSpec } from './agent-support.js';

const profile = fc.constantFrom(...NETWORK_PROFILE_NAMES);
/** Two places: each its own profile, or (one time in six) both on the hotel LAN. */
const places = fc.oneof({ weight: 5, arbitrary: fc.tuple(profile, profile) }, { weight: 1, arbitrary: fc.constant<[Place, Place]>(['hotel', 'hotel']) });
const seed = fc.integer({ min: 1, max: 1_000_000 });
const key = (c: { address: string; port: number }) => transportAddressKey('udp', c.address, c.port);

/** The selected pair is on the valid list, nominated, and its local candidate is one of the agent's own (RFC 8445 §8.1.1). */
function selectedIsNominatedValid(ctx: AgentContext): boolean {
  const selected = ctx.selected;
  if (selected === undefined) return false;
  const valid = ctx.gen.checkList.valid.find((v) => v.pair.id === selected.pair.id);
  const ownLocal = ctx.gen.locals.some((c) => key(c) === key(selected.pair.local) && c.type === selected.pair.localType);
  return valid?.nominated === true && ownLocal;
}

describe('ICE agent properties', () => {
  prop([places, seed], runs(4))('the same seed gives the same trace, byte for byte', ([a, b], s) => {
    const spec: SceneSpec = { a, b, turn: 'udp', seed: s };
    const first = call(spec, { jitterMs: 200 });
    const second = call(spec, { jitterMs: 200 });
    expect(second.world.trace.toJSONLines()).toBe(first.world.trace.toJSONLines());
  });

  prop([places, seed], runs(12))(
    'with a reachable TURN server (UDP, TCP, and TCP on 443) they always connect, on a valid nominated pair whose candidates are the two agents\' own',
    ([a, b], s) => {
      const { result, a: alice, b: bob } = call({ a, b, turn: 'both', seed: s });
      expect(result.connected).toBe(true);
      const ca = alice.getSnapshot().context;
      const cb = bob.getSnapshot().context;
      expect(selectedIsNominatedValid(ca)).toBe(true);
      expect(selectedIsNominatedValid(cb)).toBe(true);
      // One pair, seen from both ends: each agent's remote is the other's local.
      expect(key(ca.selected!.pair.remote)).toBe(key(cb.selected!.pair.local));
      expect(key(cb.selected!.pair.remote)).toBe(key(ca.selected!.pair.local));
    },
  );

  prop([places, seed, fc.constantFrom<[('controlling' | 'controlled'), ('controlling' | 'controlled')]>(['controlling', 'controlling'], ['controlled', 'controlled'])], runs(10))(
    'after a role conflict (both controlling, or both controlled) exactly one agent ends up controlling, and they connect as without one',
    ([a, b], s, roles) => {
      const plain = call({ a, b, turn: 'udp', seed: s });
      const conflict = call({ a, b, turn: 'udp', seed: s, roles });
      expect(conflict.result.connected).toBe(plain.result.connected);
      if (!conflict.result.connected) return;
      const ends = [conflict.a, conflict.b].map((x) => x.getSnapshot().context.role);
      expect(ends.filter((r) => r === 'controlling')).toHaveLength(1);
      expect(conflict.world.trace.ofKind('ice.role').length).toBeGreaterThan(0);
    },
  );

  const signaling = fc.record({
    signalingDelayMs: fc.integer({ min: 0, max: 3_000 }),
    jitterMs: fc.integer({ min: 0, max: 1_500 }),
    trickle: fc.constantFrom<'full' | 'half' | 'none'>('full', 'half', 'none'),
    shuffle: fc.boolean(),
  });

  prop([places, fc.boolean(), seed, signaling], runs(16))(
    'trickle order and timing (delays, jitter, half or full trickle, candidate order) never change whether the call connects',
    ([a, b], turn, s, connect) => {
      const spec: SceneSpec = { a, b, turn: turn ? 'udp' : false, seed: s };
      const reference = call(spec);
      const varied = call(spec, connect);
      expect(varied.result.connected).toBe(reference.result.connected);
    },
  );
});
