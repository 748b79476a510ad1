/**
 * The ICE agent in the simulated world, on virtual time: the cases the issue
 * names, each with what the trace must show.
 */
import { describe, expect, it } from 'vitest';
import { connectAgents, runCall } from '../../src/ice/connect.js';
import { call, scene, stateLog, stateOf } from './agent-support.js';

describe('the ICE agent, two endpoints in the simulator', () => {
  it('hotel wifi: two hosts on one LAN behind a NAT that does not hairpin connect host/host through their mDNS names', () => {
    const s = call({ a: 'hotel', b: 'hotel' });
    expect(s.result).toMatchObject({ connected: true, local: 'host', remote: 'host', protocol: 'udp' });
    // Browsers' privacy: no LAN address is ever signalled, only `<uuid>.local` names (and 0.0.0.0 as related address).
    const signalled = s.world.trace.ofKind('ice.signal').filter((r) => r.message === 'candidate' && r.event === 'sent');
    const hosts = signalled.filter((r) => r.candidate?.includes('typ host'));
    expect(hosts.length).toBe(2);
    for (const r of hosts) expect(r.candidate).toMatch(/^candidate:\d+ 1 udp \d+ [0-9a-f-]{36}\.local \d+ typ host/);
    for (const r of signalled) expect(r.candidate).not.toMatch(/10\.1\.0\./);
    // Each side resolved the other's name on the LAN, and the selected pair is between the two LAN addresses.
    expect(s.world.trace.ofKind('mdns.answer').map((r) => r.resolver).sort()).toEqual(['alice', 'bob']);
    expect(s.result.selected.a?.local.address).toMatch(/^10\.1\.0\./);
    expect(s.result.selected.a?.remote.address).toMatch(/^10\.1\.0\./);
  });

  it('two port-restricted cone NATs connect over their server-reflexive candidates', () => {
    const s = call({ a: 'port-restricted', b: 'port-restricted' });
    expect(s.result).toMatchObject({ connected: true, local: 'srflx', remote: 'srflx', protocol: 'udp' });
    expect(s.result.selected.b).toMatchObject({ localType: 'srflx', remoteType: 'srflx' });
    // The host candidates are mDNS names neither side can resolve across the internet: dropped after the query times out, never paired.
    s.world.runFor(2_000);
    expect(s.world.trace.ofKind('ice.candidate').filter((r) => r.side === 'remote' && r.event === 'dropped').map((r) => r.agent).sort()).toEqual(['alice', 'bob']);
    // Completed once the peer's `.local` name has been given up on (mDNS queries time out after a second).
    expect(stateLog(s.world, 'alice').map(([, st]) => st)).toEqual(['checking', 'connected', 'completed']);
  });

  it('a host with a public address still reaches NATed peers: with its host candidate under an mDNS name, it signals the equal srflx (libwebrtc)', () => {
    const s = call({ a: 'open', b: 'address-restricted' });
    expect(s.result).toMatchObject({ connected: true, local: 'host', remote: 'srflx' });
    const sent = s.world.trace.ofKind('ice.signal').filter((r) => r.from === 'alice' && r.message === 'candidate' && r.event === 'sent').map((r) => r.candidate ?? '');
    expect(sent.some((c) => /\.local \d+ typ host/.test(c))).toBe(true);
    expect(sent.some((c) => / 203\.0\.113\.\d+ \d+ typ srflx raddr 0\.0\.0\.0 rport 0/.test(c))).toBe(true);
  });

  it('a symmetric NAT against a full-cone NAT: the symmetric side learns a peer-reflexive local candidate, its peer a peer-reflexive remote one', () => {
    const s = call({ a: 'symmetric', b: 'full-cone' });
    expect(s.result).toMatchObject({ connected: true, local: 'prflx', remote: 'srflx' });
    expect(s.result.selected.b).toMatchObject({ localType: 'srflx', remoteType: 'prflx' });
    expect(s.world.trace.ofKind('ice.candidate').filter((r) => r.event === 'prflx').map((r) => [r.agent, r.side])).toEqual(
      expect.arrayContaining([
        ['alice', 'local'],
        ['bob', 'remote'],
      ]),
    );
  });

  it('port-restricted against symmetric without TURN fails, at the PAC timer at the earliest (RFC 8863)', () => {
    const s = call({ a: 'port-restricted', b: 'symmetric' });
    expect(s.result.connected).toBe(false);
    expect(s.result.states).toEqual({ a: 'failed', b: 'failed' });
    const failedAt = stateLog(s.world, 'alice').find(([, st]) => st === 'failed')?.[0] ?? 0;
    expect(failedAt).toBeGreaterThanOrEqual(39_500);
    expect(failedAt).toBeLessThan(45_000);
  });

  it('port-restricted against symmetric with a TURN server connects through a relayed candidate', () => {
    const s = call({ a: 'port-restricted', b: 'symmetric', turn: 'udp' });
    expect(s.result.connected).toBe(true);
    expect([s.result.local, s.result.remote]).toContain('relay');
    expect(s.world.trace.ofKind('turn.relay').length).toBeGreaterThan(0);
  });

  it('a network that lets only TCP out connects through TURN over TCP', () => {
    const s = call({ a: 'udp-blocked', b: 'port-restricted', turn: 'both' });
    expect(s.result).toMatchObject({ connected: true, local: 'relay', relayProtocol: 'tcp', protocol: 'tcp' });
  });

  it("iceTransportPolicy 'relay' signals and selects relayed candidates only, even on one LAN", () => {
    const s = call({ a: 'hotel', b: 'hotel', turn: 'udp', agent: { iceTransportPolicy: 'relay' } });
    expect(s.result).toMatchObject({ connected: true, local: 'relay', remote: 'relay' });
    const signalled = s.world.trace.ofKind('ice.signal').filter((r) => r.message === 'candidate' && r.event === 'sent');
    expect(signalled.length).toBeGreaterThan(0);
    for (const r of signalled) expect(r.candidate).toContain('typ relay');
  });

  it('lossy, jittery access links (15 % loss each way, 30 ms jitter): retransmissions and triggered checks still connect, seed after seed', () => {
    let retransmissions = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const s = scene({ a: 'port-restricted', b: 'full-cone', turn: 'udp', seed });
      for (const link of ['alice@alice-home', 'bob@bob-home']) s.world.setLinkQuality(link, { loss: 0.15, jitterMs: 30 });
      const result = runCall(s.world, connectAgents(s.world, s.a, s.b));
      expect(result.connected, `seed ${seed}`).toBe(true);
      retransmissions += s.world.trace.ofKind('stun.retransmit').length;
    }
    expect(retransmissions).toBeGreaterThan(0);
  });

  it('consent: a link that goes down after connecting makes the agent disconnected, then failed 30 s after the last response (RFC 7675)', () => {
    const s = call({ a: 'port-restricted', b: 'full-cone' });
    expect(s.result.connected).toBe(true);
    s.world.runFor(12_000);
    expect(stateOf(s.a)).toBe('completed');
    const downAt = s.world.clock.now();
    s.world.setLinkUp('alice@alice-home', false);
    s.world.runFor(40_000);
    const log = stateLog(s.world, 'alice').filter(([t]) => t > downAt);
    expect(log.map(([, st]) => st)).toEqual(['disconnected', 'failed']);
    const lastFresh = Math.max(...s.world.trace.ofKind('stun.response').filter((r) => r.agent === 'alice' && r.t <= downAt).map((r) => r.t));
    const [[disconnectedAt], [failedAt]] = log as [[number, string], [number, string]];
    // Disconnected 2.5 s after the first consent check that went unanswered (at most one 6 s interval after the link went down).
    expect(disconnectedAt - downAt).toBeLessThanOrEqual(6_000 + 2_500);
    expect(failedAt).toBe(lastFresh + 30_000);
    expect(stateLog(s.world, 'bob').at(-1)?.[1]).toBe('failed');
  });
});
