/**
 * RFC 8445 §7.2.5.2.1, non-symmetric transport addresses: a check whose
 * response does not come from where the request went, or does not arrive
 * where it left from, fails. First the pure rule (src/ice/symmetry.ts), one
 * half at a time; then the agents in the simulator, behind a NAT that answers
 * from another port.
 *
 * The NAT: an address-and-port-dependent mapping (RFC 4787 §4.1: a new
 * external port for every destination) with endpoint-independent filtering
 * (§5: anyone may send in through any mapping). Bob behind it learns his
 * server-reflexive address X:p1 from the STUN server. Alice's check to X:p1
 * gets in (the filter lets anyone in) and reaches bob's base; bob answers
 * alice, and the NAT sends that answer out through the mapping for alice,
 * X:p2. The answer is genuine (right transaction, right key) but comes from
 * X:p2, not X:p1: the pair (alice, bob's srflx X:p1) must fail. Alice still
 * connects, to bob's peer-reflexive X:p2 (his own checks come from there,
 * §7.3.1.3), which is the path bob's packets really take.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorld, type TopologySpec } from '../../src/sim/index.js';
import type { TransportAddress } from '../../src/io/address.js';
import { startBindingServer } from '../../src/stun/binding-server.js';
import { startIceAgent } from '../../src/ice/agent.js';
import { connectAgents, runCall } from '../../src/ice/connect.js';
import { simIceEnvironment } from '../../src/ice/environment.js';
import type { IceRole } from '../../src/ice/priority.js';
import { checkSymmetry } from '../../src/ice/symmetry.js';
import { prop, runs } from '../sim/support.js';

const BASE: TransportAddress = { address: '10.0.0.2', port: 50000 };
const REMOTE: TransportAddress = { address: '203.0.113.9', port: 3478 };

describe('the rule (§7.2.5.2.1)', () => {
  const request = { source: BASE, destination: REMOTE };

  it('a response from the request\'s destination, to its source, is symmetric', () => {
    expect(checkSymmetry(request, { source: REMOTE, destination: BASE })).toEqual({ symmetric: true });
  });

  it('"the source IP address and port of the response" must be the request\'s destination: another port fails, and says from where', () => {
    const verdict = checkSymmetry(request, { source: { ...REMOTE, port: 3479 }, destination: BASE });
    expect(verdict).toEqual({ symmetric: false, reason: expect.stringContaining('came from 203.0.113.9:3479') });
  });

  it('the response\'s source: another IP address on the same port fails too', () => {
    expect(checkSymmetry(request, { source: { ...REMOTE, address: '203.0.113.8' }, destination: BASE })).toMatchObject({ symmetric: false });
  });

  it('"the destination IP address and port of the response" must be the request\'s source: arriving at another port or address of ours fails', () => {
    expect(checkSymmetry(request, { source: REMOTE, destination: { ...BASE, port: 50001 } })).toEqual({ symmetric: false, reason: expect.stringContaining('arrived at 10.0.0.2:50001') });
    expect(checkSymmetry(request, { source: REMOTE, destination: { ...BASE, address: '10.0.0.3' } })).toMatchObject({ symmetric: false });
  });

  const address = fc.record({ address: fc.constantFrom('10.0.0.2', '10.0.0.3', '203.0.113.9', '2001:db8::1'), port: fc.constantFrom(1, 3478, 50000) });
  prop([address, address, address, address], runs(300))('symmetric exactly when the response mirrors the request, both halves', (source, destination, from, to) => {
    const same = (x: TransportAddress, y: TransportAddress) => x.address === y.address && x.port === y.port;
    expect(checkSymmetry({ source, destination }, { source: from, destination: to }).symmetric).toBe(same(from, destination) && same(to, source));
  });
});

describe('in the simulator: a NAT that answers from another port', () => {
  const STUN = { address: '198.51.100.1', port: 3478 };
  const topology: TopologySpec = {
    lans: [
      {
        id: 'home',
        subnet: '10.0.0.0/24',
        gateway: {
          id: 'home-nat',
          nat: { mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', portAssignment: 'sequential' },
          outside: { realm: 'internet', address: '203.0.113.50' },
        },
      },
    ],
    hosts: [
      { id: 'stun', address: STUN.address },
      { id: 'alice', address: '203.0.113.10' },
      { id: 'bob', realm: 'home' },
    ],
  };

  function call(seed: number) {
    const world = createWorld(topology, { seed });
    startBindingServer({ socket: world.host('stun').bindUdp({ port: STUN.port }), trace: world.trace, agent: 'stun' }, { clock: world.clock });
    const agent = (id: string, role: IceRole) =>
      startIceAgent({ environment: simIceEnvironment(world.host(id), world.mdns), role, stunServers: [STUN], turnServers: [], random: world.random.fork(`ice:${id}`), trace: world.trace, agent: id }, { clock: world.clock });
    const link = connectAgents(world, agent('alice', 'controlling'), agent('bob', 'controlled'), { trickle: 'full' });
    const result = runCall(world, link, { timeoutMs: 60_000 });
    return { world, result };
  }

  for (const seed of [1, 2, 3]) {
    it(`alice's check to bob's server-reflexive address is answered from another port and fails; she connects to his peer-reflexive address (seed ${seed})`, () => {
      const { world, result } = call(seed);
      const srflx = world.trace.ofKind('ice.candidate').find((r) => r.agent === 'bob' && r.side === 'local' && r.type === 'srflx');
      expect(srflx?.address).toMatch(/^203\.0\.113\.50:\d+$/);

      // The pairs alice formed with bob's srflx address.
      const toSrflx = new Set(world.trace.ofKind('ice.pair').filter((r) => r.agent === 'alice' && r.remote === 'srflx').map((r) => r.pair));
      expect(toSrflx.size).toBeGreaterThan(0);
      const outcomes = world.trace.ofKind('ice.check').filter((r) => r.agent === 'alice' && toSrflx.has(r.pair) && (r.event === 'succeeded' || r.event === 'failed'));
      expect(outcomes.length).toBeGreaterThan(0);
      for (const o of outcomes) {
        expect(o.event, `${o.pair}: ${o.reason ?? ''}`).toBe('failed');
        expect(o.reason).toMatch(new RegExp(`^non-symmetric: the response came from 203\\.0\\.113\\.50:(?!${srflx!.address!.split(':')[1]}\\b)\\d+, the request went to ${srflx!.address!.replace(/\./g, '\\.')} `));
      }
      expect(world.trace.ofKind('ice.pair').filter((r) => r.agent === 'alice' && toSrflx.has(r.pair) && r.state === 'valid')).toEqual([]);

      expect(result.connected).toBe(true);
      expect(result.remote).toBe('prflx');
      expect(result.selected.a?.remote.address).toBe('203.0.113.50');
      expect(`203.0.113.50:${result.selected.a?.remote.port}`).not.toBe(srflx?.address);
    });
  }
});
