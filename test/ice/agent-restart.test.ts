/**
 * ICE restart (RFC 8445 §9) in the simulator: recovering after the NAT forgot
 * the mapping, and a restart while connected, where the old pair carries on
 * until the new generation selects one.
 */
import { describe, expect, it } from 'vitest';
import { call, runUntil, stateLog, stateOf } from './agent-support.js';

describe('ICE restart', () => {
  it('after a link flap long enough for the NAT to expire its mapping, a restart finds a new selected pair', () => {
    const s = call({ a: 'symmetric', b: 'full-cone' });
    expect(s.result.connected).toBe(true);
    const before = s.a.getSnapshot().context.selected?.pair;
    expect(before?.localType).toBe('prflx');

    // Alice's Wi-Fi drops for 150 s: consent fails after 30 s, the NAT's idle mapping expires after 120 s (RFC 4787 REQ-5).
    s.world.setLinkUp('alice@alice-home', false);
    s.world.runFor(150_000);
    s.world.setLinkUp('alice@alice-home', true);
    expect(s.world.trace.ofKind('nat.mapping.expire').some((r) => r.nat === 'alice-home-nat')).toBe(true);
    expect([stateOf(s.a), stateOf(s.b)]).toEqual(['failed', 'failed']);

    const restartAt = s.world.clock.now();
    s.a.send({ type: 'restart' });
    expect(runUntil(s.world, () => ['connected', 'completed'].includes(stateOf(s.a)) && ['connected', 'completed'].includes(stateOf(s.b)), 30_000)).toBe(true);
    const after = s.a.getSnapshot().context.selected?.pair;
    expect(after?.localType).toBe('prflx');
    // A new mapping on the symmetric NAT: a new peer-reflexive address for alice.
    expect(after?.local.port === before?.local.port && after?.local.address === before?.local.address).toBe(false);
    // Both agents restarted: alice by the command, bob on alice's new credentials.
    expect(s.world.trace.ofKind('ice.restart').map((r) => [r.agent, r.generation])).toEqual([
      ['alice', 1],
      ['bob', 1],
    ]);
    s.world.runFor(3_000);
    expect(stateLog(s.world, 'alice').filter(([t]) => t >= restartAt).map(([, st]) => st)).toEqual(['new', 'checking', 'connected', 'completed']);
  });

  it('while connected: the old pair keeps the agents connected until the new generation selects its pair, then its sockets close', () => {
    const s = call({ a: 'port-restricted', b: 'address-restricted' });
    expect(s.result.connected).toBe(true);
    s.world.runFor(3_000);
    const restartAt = s.world.clock.now();
    const oldBases = s.a.getSnapshot().context.bases.filter((b) => b.kind === 'host').map((b) => b.transport);
    s.a.send({ type: 'restart' });
    expect(runUntil(s.world, () => s.a.getSnapshot().context.selected?.generation === 1 && s.b.getSnapshot().context.selected?.generation === 1, 30_000)).toBe(true);
    // Never a moment without a usable pair: no checking, no disconnected.
    expect(stateLog(s.world, 'alice').filter(([t]) => t >= restartAt).map(([, st]) => st)).not.toContain('checking');
    expect(stateLog(s.world, 'bob').filter(([t]) => t >= restartAt).map(([, st]) => st)).not.toContain('disconnected');
    expect(s.world.trace.ofKind('ice.selected').filter((r) => r.agent === 'alice').length).toBe(2);
    expect(oldBases.every((socket) => socket.closed)).toBe(true);
    s.world.runFor(20_000);
    expect([stateOf(s.a), stateOf(s.b)]).toEqual(['completed', 'completed']);
    // Consent goes on over the new pair: every consent check after the new selection is answered.
    const since = s.world.trace.ofKind('ice.selected').filter((r) => r.agent === 'alice').at(-1)?.t ?? 0;
    expect(s.world.trace.ofKind('ice.consent').filter((r) => r.agent === 'alice' && r.t > since && r.event === 'check').length).toBeGreaterThan(2);
    expect(s.world.trace.ofKind('ice.consent').filter((r) => r.t > since && (r.event === 'stale' || r.event === 'expired'))).toEqual([]);
  });
});
