/**
 * A host behind each network profile asks a simulated Binding server "what is
 * my address?", and the answer is checked against the NATs' own tables: the
 * server-reflexive address is the outermost NAT's mapping of the chain of
 * mappings that starts at the host's socket.
 */
import { describe, expect, it } from 'vitest';
import { NETWORK_PROFILES, NETWORK_PROFILE_NAMES, type NatBox, type World } from '../../src/sim/index.js';
import { type Protocol, type TransportAddress } from '../../src/io/index.js';
import { bindingRequest, mappedAddress, startStunTransaction } from '../../src/stun/client.js';
import { type StunTransactionOutcome } from '../../src/stun/transaction.js';
import { datagramFlow } from '../../src/stun/flow.js';
import { SECOND_SERVER, STUN_SERVER, probeTcp, probeUdp, runToCompletion, serverWorld } from './support.js';

const fmt = (a: TransportAddress) => `${a.address}:${a.port}`;

/** Follows the host's endpoint out through each NAT's mapping towards `server`; returns the address the server sees. */
function followMappings(world: World, host: string, local: TransportAddress, protocol: Protocol, server: TransportAddress): string {
  let endpoint = fmt(local);
  for (const nat of world.natsAbove(host)) endpoint = mappingOf(nat, protocol, endpoint, server);
  return endpoint;
}

function mappingOf(nat: NatBox, protocol: Protocol, internal: string, server: TransportAddress): string {
  const candidates = nat.table
    .mappings()
    .filter((m) => m.protocol === protocol && fmt(m.internal) === internal && m.contactedEndpoints.has(fmt(server)));
  expect(candidates, `${nat.id} has one ${protocol} mapping for ${internal} towards ${fmt(server)}`).toHaveLength(1);
  return fmt(candidates[0]!.external);
}

function mapped(outcome: StunTransactionOutcome): string | undefined {
  if (outcome.kind !== 'success') return undefined;
  const address = mappedAddress(outcome.response);
  return address && fmt(address);
}

describe.each(NETWORK_PROFILE_NAMES)('a host behind the %s profile', (name) => {
  const profile = NETWORK_PROFILES[name];
  const udpBlocked = 'firewall' in profile;

  it(udpBlocked ? 'cannot reach the server over UDP: the transaction times out at 39.5 s' : 'learns its server-reflexive address over UDP: the outermost NAT mapping', () => {
    const { world } = serverWorld([{ id: 'alice', profile: name }]);
    const first = probeUdp(world, 'alice', STUN_SERVER);
    if (udpBlocked) {
      expect(first.outcome).toMatchObject({ kind: 'timeout', transmissions: 7 });
      expect(first.at).toBe(39_500);
      return;
    }
    expect(first.outcome.kind).toBe('success');
    const local = { address: world.host('alice').addresses[0]!, port: first.socket.local.port };
    expect(mapped(first.outcome)).toBe(followMappings(world, 'alice', local, 'udp', STUN_SERVER));
    if (profile.layers.length === 0) expect(mapped(first.outcome)).toBe(fmt(local));

    // The same socket asks a second server: the same answer, unless a NAT maps per destination.
    first.socket.close();
    const again = probeUdp(world, 'alice', SECOND_SERVER);
    const secondLocal = { address: local.address, port: again.socket.local.port };
    const second = mapped(again.outcome);
    expect(second).toBe(followMappings(world, 'alice', secondLocal, 'udp', SECOND_SERVER));
  });

  it('learns its server-reflexive address over TCP (port 443 where only the web gets out)', () => {
    const { world } = serverWorld([{ id: 'alice', profile: name }]);
    const server = name === 'web-only' ? { ...STUN_SERVER, port: 443 } : STUN_SERVER;
    const { outcome, stream } = probeTcp(world, 'alice', server);
    expect(outcome.kind).toBe('success');
    expect(mapped(outcome)).toBe(followMappings(world, 'alice', stream.local, 'tcp', server));
  });
});

describe('mapping behaviour, seen from two servers', () => {
  it.each([
    ['full-cone', true],
    ['port-restricted', true],
    ['symmetric', false],
    ['symmetric-then-cone', false],
    ['cgnat', true],
  ] as const)('%s: one socket, two servers, same reflexive address: %s', (name, same) => {
    const { world } = serverWorld([{ id: 'alice', profile: name }]);
    const socket = world.host('alice').bindUdp();
    const answers = [STUN_SERVER, SECOND_SERVER].map((server) => {
      const actor = startStunTransaction({ flow: datagramFlow(socket, server), request: bindingRequest(), random: world.random.fork('two-servers') }, { clock: world.clock });
      return mapped(runToCompletion(world, actor).outcome);
    });
    expect(answers[0]).toBeDefined();
    expect(answers[0] === answers[1]).toBe(same);
  });
});
