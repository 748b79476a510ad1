/** Topologies: what is refused (and how it is named), and what a valid one resolves to. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { NETWORK_PROFILE_NAMES, TopologyError, createWorld, parseSubnet, resolveTopology, NETWORK_PROFILES, scopeOf, subnetContains, type NetworkProfileName, type TopologyIssueCode, type TopologySpec } from '../../src/sim/index.js';
import { expandProfiles } from '../../src/sim/topology.js';
import { prop, runs } from './support.js';

/** Builds `spec` and returns the TopologyError it must throw. */
function refused(spec: unknown): TopologyError {
  let error: unknown;
  try {
    createWorld(spec as TopologySpec);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TopologyError);
  // The resolver alone says the same: the world never got as far as building anything.
  expect(() => resolveTopology(spec)).toThrow(TopologyError);
  return error as TopologyError;
}

function expectIssue(spec: unknown, path: string, code: TopologyIssueCode, mentions?: string): void {
  const error = refused(spec);
  const issue = error.issues.find((i) => i.path === path && i.code === code);
  expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
  expect(error.message).toContain(path);
  if (mentions !== undefined) expect(issue!.message).toContain(mentions);
}

const home = (id: string, outside = 'internet', subnet = '192.168.1.0/24') => ({ id, subnet, gateway: { id: `${id}-nat`, nat: 'port-restricted' as const, outside: { realm: outside } } });

describe('refused topologies name the offending part', () => {
  test('an address used twice', () => {
    expectIssue({ hosts: [{ id: 'a', address: '198.51.100.1' }, { id: 'b', address: '198.51.100.1' }] }, 'hosts[b].address', 'address-in-use', '198.51.100.1');
    expectIssue(
      { lans: [{ ...home('h'), gateway: { ...home('h').gateway, inside: { address: '192.168.1.7' } } }], hosts: [{ id: 'a', realm: 'h', address: '192.168.1.7' }] },
      'hosts[a].address',
      'address-in-use',
    );
  });

  test('a host declared twice (in two LANs), or with two interfaces on one realm', () => {
    expectIssue({ lans: [home('h1'), home('h2', 'internet', '192.168.2.0/24')], hosts: [{ id: 'a', realm: 'h1' }, { id: 'a', realm: 'h2' }] }, 'hosts[1].id', 'host-in-two-realms', '"a"');
    expectIssue({ lans: [home('h1')], hosts: [{ id: 'a', interfaces: [{ realm: 'h1' }, { realm: 'h1' }] }] }, 'hosts[a].interfaces[1]', 'host-in-two-realms');
  });

  test('a NAT with no outside, or an outside on a realm that does not exist', () => {
    expectIssue({ lans: [{ id: 'h', subnet: '192.168.1.0/24', gateway: { id: 'n', nat: 'full-cone' } }], hosts: [] }, 'lans[0].gateway.outside', 'nat-without-outside', 'n');
    expectIssue({ lans: [{ id: 'h', subnet: '192.168.1.0/24', gateway: { id: 'n', nat: 'full-cone', outside: {} } }], hosts: [] }, 'lans[0].gateway.outside', 'nat-without-outside');
    expectIssue({ lans: [home('h', 'mars')], hosts: [] }, 'lans[0].gateway.outside.realm', 'unknown-realm', 'mars');
  });

  test('an unknown profile, NAT preset or firewall preset', () => {
    expectIssue({ hosts: [{ id: 'a', profile: 'teleporter' }] }, 'hosts[0].profile', 'unknown-profile', 'teleporter');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: 'half-cone' } }], hosts: [] }, 'lans[0].gateway.nat', 'unknown-preset', 'half-cone');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: { preset: 'nope' } } }], hosts: [] }, 'lans[0].gateway.nat.preset', 'unknown-preset');
    expectIssue({ hosts: [{ id: 'a', firewall: 'great-wall' }] }, 'hosts[a].firewall', 'bad-firewall', 'great-wall');
    const policy = { name: 'p', stateful: true, outbound: { rules: [], default: 'allow' }, inbound: { rules: [], default: 'deny' } };
    expectIssue({ hosts: [{ id: 'a', firewall: { ...policy, udpFlowLifetimeMs: -1 } }] }, 'hosts[a].firewall.udpFlowLifetimeMs', 'bad-firewall');
    expectIssue({ hosts: [{ id: 'a', firewall: { ...policy, stateful: 'yes' } }] }, 'hosts[a].firewall', 'bad-firewall');
    expectIssue({ hosts: [{ id: 'a', firewall: { ...policy, inbound: { rules: [{ action: 'allow', ports: [70_000] }], default: 'deny' } } }] }, 'hosts[a].firewall.inbound.rules[0]', 'bad-firewall');
  });

  test('a negative latency, and other impossible links', () => {
    expectIssue({ hosts: [{ id: 'a', link: { latencyMs: -1 } }] }, 'hosts[a].link', 'bad-link', 'latencyMs');
    expectIssue({ internet: { link: { latencyMs: -5 } }, hosts: [] }, 'internet.link', 'bad-link');
    expectIssue({ lans: [{ ...home('h'), link: { jitterMs: -1 } }], hosts: [] }, 'lans[0].link', 'bad-link', 'jitterMs');
    expectIssue({ hosts: [{ id: 'a', link: { loss: 1.5 } }] }, 'hosts[a].link', 'bad-link', 'loss');
    expectIssue({ hosts: [{ id: 'a', link: { mtu: 20 } }] }, 'hosts[a].link', 'bad-link', 'mtu');
    expectIssue({ hosts: [{ id: 'a', link: { latencyMs: Number.NaN } }] }, 'hosts[a].link', 'bad-link');
  });

  test('NATs nested in a loop', () => {
    expectIssue({ lans: [home('x', 'y'), home('y', 'x', '10.0.0.0/24')], hosts: [] }, 'lans[0].gateway.outside.realm', 'nat-loop', 'x → y → x');
    expectIssue({ lans: [home('self', 'self')], hosts: [] }, 'lans[0].gateway.outside.realm', 'nat-loop');
  });

  test('an address outside its realm', () => {
    expectIssue({ lans: [home('h')], hosts: [{ id: 'a', realm: 'h', address: '192.168.2.5' }] }, 'hosts[a].address', 'address-out-of-realm', '192.168.1.0/24');
    expectIssue({ hosts: [{ id: 'a', address: '192.168.1.5' }] }, 'hosts[a].address', 'address-out-of-realm', 'public');
    expectIssue({ lans: [home('h')], hosts: [{ id: 'a', realm: 'h', address: '192.168.1.255' }] }, 'hosts[a].address', 'address-out-of-realm', 'broadcast');
    expectIssue({ lans: [home('h', 'internet', '8.8.8.0/24')], hosts: [] }, 'lans[0].subnet', 'address-out-of-realm');
    expectIssue({ lans: [home('h')], hosts: [{ id: 'a', realm: 'h', address: 'localhost' }] }, 'hosts[a].address', 'bad-address');
  });

  test('an unknown field', () => {
    expectIssue({ hosts: [{ id: 'a', colour: 'blue' }] }, 'hosts[0].colour', 'malformed', 'colour');
    expectIssue({ hosts: [], planets: [] }, 'topology.planets', 'malformed');
    expectIssue({ lans: [{ ...home('h'), vlan: 3 }], hosts: [] }, 'lans[0].vlan', 'malformed');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, upnp: true } }], hosts: [] }, 'lans[0].gateway.upnp', 'malformed');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: { mapping: 'endpoint-independent', magic: 1 } } }], hosts: [] }, 'lans[0].gateway.nat.magic', 'malformed');
    expectIssue({ hosts: [{ id: 'a', link: { bandwidth: 10 } }] }, 'hosts[a].link.bandwidth', 'malformed');
    // Misspelt fields of nested objects would silently mean "choose for me" or "any port".
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, outside: { realm: 'internet', adress: '198.51.100.9' } } }], hosts: [] }, 'lans[0].gateway.outside.adress', 'malformed');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, inside: { addr: '192.168.1.9' } } }], hosts: [] }, 'lans[0].gateway.inside.addr', 'malformed');
    expectIssue({ hosts: [{ id: 'a', interfaces: [{ realm: 'internet', adress: '198.51.100.9' }] }] }, 'hosts[0].interfaces[0].adress', 'malformed');
    expectIssue({ internet: { lnk: {} }, hosts: [] }, 'internet.lnk', 'malformed');
    const firewall = { name: 'x', stateful: true, outbound: { rules: [{ action: 'deny', port: [53] }], default: 'allow' }, inbound: { rules: [], default: 'deny' } };
    expectIssue({ hosts: [{ id: 'a', firewall }] }, 'hosts[a].firewall.outbound.rules[0].port', 'malformed');
  });

  test('malformed shapes, bad ids, bad behaviours, an exhausted subnet', () => {
    expectIssue(null, 'topology', 'malformed');
    expectIssue({ hosts: 'alice' }, 'topology.hosts', 'malformed');
    expectIssue({ hosts: [{ id: 'has space' }] }, 'hosts[0].id', 'bad-id');
    expectIssue({ lans: [home('dup')], hosts: [{ id: 'dup' }] }, 'hosts[0].id', 'duplicate-id');
    expectIssue({ hosts: [{ id: 'a', realm: 'internet', profile: 'open' }] }, 'hosts[0]', 'malformed');
    expectIssue({ hosts: [{ id: 'a', interfaces: [{ realm: 'internet' }], address: '198.51.100.4' }] }, 'hosts[0].address', 'malformed');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: { mapping: 'sometimes' } } }], hosts: [] }, 'lans[0].gateway.nat.mapping', 'bad-behaviour');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: { portRange: [5000, 4000] } } }], hosts: [] }, 'lans[0].gateway.nat.portRange', 'bad-behaviour');
    expectIssue({ lans: [{ ...home('h'), gateway: { ...home('h').gateway, nat: { udpMappingLifetimeMs: 0 } } }], hosts: [] }, 'lans[0].gateway.nat.udpMappingLifetimeMs', 'bad-behaviour');
    // A /30 has two usable addresses: the gateway and one host.
    expectIssue({ lans: [home('h', 'internet', '192.168.1.0/30')], hosts: [{ id: 'a', realm: 'h' }, { id: 'b', realm: 'h' }] }, 'hosts[b]', 'subnet-exhausted');
  });

  test('every problem is listed at once', () => {
    const error = refused({ hosts: [{ id: 'a', profile: 'nope' }, { id: 'b', link: { latencyMs: -1 }, address: '10.0.0.1' }, { id: 'c', colour: 1 }] });
    expect(error.issues.map((i) => i.code).sort()).toEqual(['malformed', 'unknown-profile']);
    // Shape problems stop the resolver before it looks further; a well-shaped spec gets every other issue.
    const second = refused({ hosts: [{ id: 'b', link: { latencyMs: -1 }, address: '10.0.0.1' }, { id: 'c', realm: 'nowhere' }] });
    expect(second.issues.map((i) => i.code).sort()).toEqual(['address-out-of-realm', 'bad-link', 'unknown-realm']);
    expect(second.message).toContain('3 problems');
  });
});

/** One defect to put into an otherwise valid topology, with where it must be reported. */
type Defect = { readonly name: string; readonly apply: (spec: MutableSpec) => void; readonly path: string; readonly code: TopologyIssueCode };
type MutableSpec = { lans: Array<Record<string, unknown>>; hosts: Array<Record<string, unknown>> };

const DEFECTS: readonly Defect[] = [
  { name: 'address used twice', apply: (s) => s.hosts.push({ id: 'dup', address: '198.51.100.77' }, { id: 'dup2', address: '198.51.100.77' }), path: 'hosts[dup2].address', code: 'address-in-use' },
  { name: 'host declared twice', apply: (s) => s.hosts.push({ id: 'twice' }, { id: 'twice' }), path: `hosts[${'{n}'}].id`, code: 'host-in-two-realms' },
  { name: 'NAT with no outside', apply: (s) => s.lans.push({ id: 'orphan', subnet: '172.16.0.0/24', gateway: { id: 'orphan-nat', nat: 'full-cone' } }), path: 'lans[{m}].gateway.outside', code: 'nat-without-outside' },
  { name: 'unknown profile', apply: (s) => s.hosts.push({ id: 'weird', profile: 'wormhole' }), path: 'hosts[{n0}].profile', code: 'unknown-profile' },
  { name: 'negative latency', apply: (s) => s.hosts.push({ id: 'slow', link: { latencyMs: -3 } }), path: 'hosts[slow].link', code: 'bad-link' },
  {
    name: 'NAT loop',
    apply: (s) => s.lans.push({ id: 'loop-a', subnet: '172.16.1.0/24', gateway: { id: 'loop-a-nat', nat: 'full-cone', outside: { realm: 'loop-b' } } }, { id: 'loop-b', subnet: '172.16.2.0/24', gateway: { id: 'loop-b-nat', nat: 'full-cone', outside: { realm: 'loop-a' } } }),
    path: 'lans[{m}].gateway.outside.realm',
    code: 'nat-loop',
  },
  { name: 'address outside the subnet', apply: (s) => s.hosts.push({ id: 'lost', realm: 'base', address: '172.31.9.9' }), path: 'hosts[lost].address', code: 'address-out-of-realm' },
  { name: 'unknown field', apply: (s) => s.hosts.push({ id: 'odd', nickname: 'x' }), path: 'hosts[{n0}].nickname', code: 'malformed' },
];

describe('one defect in a random valid topology', () => {
  const hostArb = fc.array(fc.constantFrom<NetworkProfileName>(...NETWORK_PROFILE_NAMES), { maxLength: 5 });

  prop([hostArb, fc.constantFrom(...DEFECTS)], runs(100))('is reported at its path, and nothing is built', (profiles, defect) => {
    const spec: MutableSpec = {
      lans: [{ id: 'base', subnet: '10.9.0.0/16', gateway: { id: 'base-nat', nat: 'port-restricted', outside: { realm: 'internet' } } }],
      hosts: profiles.map((profile, i) => ({ id: `h${i}`, profile })),
    };
    expect(() => createWorld(spec as unknown as TopologySpec)).not.toThrow();
    const lansBefore = spec.lans.length;
    const hostsBefore = spec.hosts.length;
    defect.apply(spec);
    const path = defect.path.replace('{n}', String(hostsBefore + 1)).replace('{n0}', String(hostsBefore)).replace('{m}', String(lansBefore));
    expectIssue(spec, path, defect.code);
  });
});

describe('valid topologies', () => {
  const specArb = fc
    .record({
      profiles: fc.array(fc.constantFrom<NetworkProfileName>(...NETWORK_PROFILE_NAMES), { maxLength: 6 }),
      lanHosts: fc.integer({ min: 0, max: 5 }),
      servers: fc.integer({ min: 0, max: 3 }),
    })
    .map(
      ({ profiles, lanHosts, servers }): TopologySpec => ({
        lans: [{ id: 'office', subnet: '172.20.0.0/29', gateway: { id: 'office-nat', nat: 'symmetric', outside: { realm: 'internet' } } }],
        hosts: [
          ...profiles.map((profile, i) => ({ id: `p${i}`, profile })),
          ...Array.from({ length: lanHosts }, (_, i) => ({ id: `o${i}`, realm: 'office' })),
          ...Array.from({ length: servers }, (_, i) => ({ id: `s${i}` })),
        ],
      }),
    );

  prop([specArb], runs(100))('resolve with every address unique in its realm, inside its subnet, and public on the internet', (spec) => {
    const plan = resolveTopology(spec);
    const seen = new Map<string, Set<string>>();
    const realms = new Map(plan.realms.map((r) => [r.id, r]));
    const claim = (realm: string, address: string) => {
      const set = seen.get(realm) ?? new Set();
      expect(set.has(address), `${address} twice on ${realm}`).toBe(false);
      set.add(address);
      seen.set(realm, set);
      const r = realms.get(realm)!;
      if (r.subnet) expect(subnetContains(r.subnet, address)).toBe(true);
      else expect(scopeOf(address)).toBe('public');
    };
    for (const nat of plan.nats) {
      claim(nat.inside.realm, nat.inside.address);
      claim(nat.outside.realm, nat.outside.address);
    }
    for (const host of plan.hosts) for (const i of host.interfaces) claim(i.realm, i.address);
    expect(plan.hosts.map((h) => h.id)).toEqual(spec.hosts.map((h) => h.id));
    // A NAT's inside takes the LAN's first address (.1), as routers do.
    for (const nat of plan.nats) expect(nat.inside.address.endsWith('.1')).toBe(true);
  });

  test('profiles expand into named LANs and NATs, innermost first', () => {
    const spec = expandProfiles({ hosts: [{ id: 'alice', profile: 'cgnat' }, { id: 'bob', profile: 'open' }] });
    expect(spec.lans!.map((l) => [l.id, l.subnet, l.gateway!.id, l.gateway!.outside.realm])).toEqual([
      ['alice-home', '192.168.1.0/24', 'alice-home-nat', 'alice-carrier'],
      ['alice-carrier', '100.64.0.0/10', 'alice-carrier-nat', 'internet'],
    ]);
    expect(spec.hosts).toEqual([{ id: 'alice', realm: 'alice-home' }, { id: 'bob', realm: 'internet' }]);
    const world = createWorld({ hosts: [{ id: 'alice', profile: 'cgnat' }] });
    expect(world.natsAbove('alice').map((n) => n.id)).toEqual(['alice-home-nat', 'alice-carrier-nat']);
    expect(subnetContains(parseSubnet('100.64.0.0/10'), world.nat('alice-home-nat').outside.address)).toBe(true);
  });

  test('profile firewalls sit on the outermost NAT, or on the host when it has none', () => {
    const world = createWorld({ hosts: [{ id: 'a', profile: 'web-only' }] });
    expect(world.nat('a-home-nat').firewall?.policy.name).toBe('web-only');
    expect(world.host('a').firewall).toBeUndefined();
  });
});

describe('generated addresses are stable', () => {
  const profiles = Object.keys(NETWORK_PROFILES) as (keyof typeof NETWORK_PROFILES)[];
  prop([fc.array(fc.option(fc.constantFrom(...profiles), { nil: undefined }), { minLength: 1, maxLength: 8 }), fc.option(fc.constantFrom(...profiles), { nil: undefined })], runs(100))(
    'adding a host at the end never moves the addresses of the hosts and NATs before it',
    (hostProfiles, extra) => {
      const hosts = hostProfiles.map((profile, i) => (profile ? { id: `h${i}`, profile } : { id: `h${i}` }));
      const before = resolveTopology({ hosts });
      const after = resolveTopology({ hosts: [...hosts, extra ? { id: 'late', profile: extra } : { id: 'late' }] });
      const addressesOf = (plan: typeof before) => [...plan.hosts.map((h) => [h.id, h.interfaces.map((i) => i.address)]), ...plan.nats.map((n) => [n.id, n.outside.address])];
      for (const [id, addresses] of addressesOf(before)) expect(addressesOf(after).find(([other]) => other === id)?.[1]).toEqual(addresses);
    },
  );
});
