/**
 * `awaitCall` on simulated agents: the world runs while the program awaits
 * the call (src/stun/actor.ts), to where `runCall` stepping it would stop,
 * and its deadline is the agents' (virtual) time, not the wall clock's.
 */
import { describe, expect, it } from 'vitest';
import { awaitCall, connectAgents, runCall } from '../../src/ice/connect.js';
import { scene } from './agent-support.js';

describe('awaitCall in the simulator', () => {
  it('settles the call with nobody running the world, where runCall would, with the same trace', async () => {
    const awaited = scene({ a: 'port-restricted', b: 'symmetric', turn: 'udp', seed: 3 });
    const result = await awaitCall(connectAgents(awaited.world, awaited.a, awaited.b), { timeoutMs: 60_000 });
    const stepped = scene({ a: 'port-restricted', b: 'symmetric', turn: 'udp', seed: 3 });
    const expected = runCall(stepped.world, connectAgents(stepped.world, stepped.a, stepped.b), { timeoutMs: 60_000 });
    expect(result.connected).toBe(true);
    expect(result).toEqual(expected);
    expect(awaited.world.clock.now()).toBe(stepped.world.clock.now());
    expect(JSON.stringify(awaited.world.trace.records)).toBe(JSON.stringify(stepped.world.trace.records));
  });

  it('times out in virtual time: where the call stands after timeoutMs of it', async () => {
    const s = scene({ a: 'symmetric', b: 'symmetric' });
    const started = s.world.clock.now();
    const wall = performance.now();
    const result = await awaitCall(connectAgents(s.world, s.a, s.b), { timeoutMs: 2_000 });
    expect(result).toMatchObject({ connected: false, states: { a: 'checking', b: 'checking' } });
    expect(s.world.clock.now() - started).toBe(2_000);
    expect(performance.now() - wall).toBeLessThan(2_000);
  });
});
