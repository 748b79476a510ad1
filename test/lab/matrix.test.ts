/**
 * The NAT matrix with our ICE agents: over random cells and seeds, the agents
 * connect iff the oracle finds a path (and over a relay when only a relay
 * exists); with a reachable TURN server they always connect; the same seed
 * gives the same cell; and the well-known cells come out as everyone expects.
 *
 * Each property runs a handful of cells (a cell costs 5-100 ms of wall time);
 * the whole matrix runs in test/cli/matrix.test.ts and bench/matrix.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agreesWithOracle, runCell, runMatrix, type CellRun } from '../../src/lab/matrix.js';
import { MATRIX_PROFILES, cellName } from '../../src/lab/cell-topology.js';
import type { NetworkProfileName } from '../../src/sim/index.js';
import { prop, runs } from '../sim/support.js';

const profile = fc.constantFrom(...MATRIX_PROFILES);
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const cell = fc.record({ a: profile, b: profile, turn: fc.boolean() });

function describeRun(run: CellRun): string {
  return `${cellName(run.cell)} (cell seed ${run.seed}): agents ${JSON.stringify(run.result)}; oracle: ${run.oracle?.explanation}`;
}

describe('the matrix against its oracle', () => {
  prop([cell, seed], runs(24))('the agents connect iff a path exists, and over a relay when only a relay exists', (c, s) => {
    const run = runCell(c, { seed: s });
    expect(agreesWithOracle(run), describeRun(run)).toBe(true);
  });

  prop([profile, profile, seed], runs(12))('with a TURN server (reachable by everyone over UDP 3478 or TCP 443) the agents always connect', (a, b, s) => {
    const run = runCell({ a, b, turn: true }, { seed: s });
    expect(run.oracle?.path, describeRun(run)).toBe(true);
    expect(run.result.connected, describeRun(run)).toBe(true);
  });

  prop([cell, seed], runs(16))('a result is well formed: a pair and a time when connected, nulls when not; TCP only from a relayed candidate', (c, s) => {
    const { result, virtualMs } = runCell(c, { seed: s, oracle: false });
    if (!result.connected) {
      expect(result).toMatchObject({ local: null, remote: null, protocol: null, ms: null });
      return;
    }
    expect(['host', 'srflx', 'prflx', 'relay']).toContain(result.local);
    expect(['host', 'srflx', 'prflx', 'relay']).toContain(result.remote);
    expect(result.ms).toBeGreaterThan(0);
    expect(result.ms).toBeLessThanOrEqual(virtualMs);
    if (result.protocol === 'tcp') expect(result.local).toBe('relay');
    // Without UDP out, only TURN over TCP can carry a's packets.
    if (c.a === 'udp-blocked' || c.a === 'web-only') expect(result).toMatchObject({ local: 'relay', protocol: 'tcp' });
  });

  prop([fc.array(cell, { minLength: 1, maxLength: 3 }), seed], runs(4))('same seed, same cells, to the millisecond', (cells, s) => {
    const once = cells.map((c) => runCell(c, { seed: s, oracle: false }));
    const again = cells.map((c) => runCell(c, { seed: s, oracle: false }));
    expect(again.map((r) => [r.result, r.virtualMs])).toEqual(once.map((r) => [r.result, r.virtualMs]));
  });

  it('a cell is the same alone or inside a matrix', () => {
    const matrix = runMatrix({ seed: 5, profiles: ['full-cone', 'symmetric'], turn: [true], oracle: false });
    for (const run of matrix.cells) expect(runCell(run.cell, { seed: 5, oracle: false }).result).toEqual(run.result);
  });
});

describe('the well-known cells', () => {
  const at = (a: NetworkProfileName, b: NetworkProfileName, turn = false) => runCell({ a, b, turn }, { seed: 1 });

  it('two cone NATs: a server-reflexive pair', () => {
    for (const [a, b] of [['full-cone', 'full-cone'], ['port-restricted', 'port-restricted'], ['address-restricted', 'cgnat']] as const) {
      expect(at(a, b).result, `${a}→${b}`).toMatchObject({ connected: true, local: 'srflx', remote: 'srflx', protocol: 'udp' });
    }
  });

  it('two public hosts: host/srflx (each host candidate is an mDNS name the other cannot resolve; the equal srflx carries the address, as in Chrome)', () => {
    expect(at('open', 'open').result).toMatchObject({ connected: true, local: 'host', remote: 'srflx' });
  });

  it('symmetric against full cone: the symmetric side is learnt peer-reflexive (RFC 8445 §7.2.5.3.1 and §7.3.1.3)', () => {
    expect(at('symmetric', 'full-cone').result).toMatchObject({ connected: true, local: 'prflx', remote: 'srflx' });
    expect(at('full-cone', 'symmetric').result).toMatchObject({ connected: true, local: 'srflx', remote: 'prflx' });
  });

  it('port-restricted against symmetric: no path without TURN; with it, the relay carries the call', () => {
    for (const [a, b] of [['port-restricted', 'symmetric'], ['symmetric', 'port-restricted']] as const) {
      const bare = at(a, b);
      expect(bare.oracle?.path).toBe(false);
      expect(bare.result.connected).toBe(false);
      const relayed = at(a, b, true).result;
      expect(relayed.connected).toBe(true);
      expect([relayed.local, relayed.remote]).toContain('relay');
    }
  });

  it('udp-blocked and web-only: nothing without TURN, TURN over TCP (on 443) with it', () => {
    for (const p of ['udp-blocked', 'web-only'] as const) {
      expect(at(p, 'full-cone').result.connected).toBe(false);
      expect(at(p, 'full-cone', true).result).toMatchObject({ connected: true, local: 'relay', protocol: 'tcp' });
      expect(at('full-cone', p, true).result).toMatchObject({ connected: true, remote: 'relay' });
    }
  });

  /**
   * Once the one disagreement the matrix found: the public host's address
   * reached the peer only as a `.local` name the peer cannot resolve, its
   * srflx candidate (equal to the host address) having been eliminated as
   * redundant (RFC 8445 §5.1.3). libwebrtc keeps that srflx candidate when host
   * candidates are mDNS names (UDPPort::OnStunBindingRequestSucceeded in
   * p2p/base/stun_port.cc), so the peer's checks open its own NAT, as the
   * oracle said; the agent now does the same.
   */
  it('a public host against a filtering NAT connects without TURN, as in libwebrtc (which keeps a srflx equal to an mDNS-hidden host)', () => {
    const run = at('open', 'port-restricted');
    expect(run.oracle?.path).toBe(true);
    expect(run.result.connected).toBe(true);
  });
});
