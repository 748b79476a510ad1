/**
 * Topologies resolved: their validation, and the plan a world is built from.
 *
 * A `TopologySpec` (topology-spec.ts) is what a scenario file holds: LANs (each maybe behind a
 * gateway NAT whose outside sits on the internet or on another LAN), and hosts
 * on those realms. `resolveTopology` checks all of it, fills in what was left
 * out (addresses, links) deterministically, and returns a plan the world is
 * built from; or throws one `TopologyError` listing every problem, before
 * anything exists.
 */
import { broadcastAddress, nthAddress, parseSubnet, scopeOf, subnetContains, subnetSize, isIPv4, type Subnet } from './address.js';
import { TopologyError, type TopologyIssue, type TopologyIssueCode } from './errors.js';
import { DEFAULT_INTERNET_LINK, DEFAULT_LAN_LINK, linkProblem, resolveLink, type LinkQuality, type LinkSpec } from './link.js';
import { FIREWALL_PRESETS, firewallPolicyProblems, type FirewallPolicy, type FirewallPresetName } from './firewall.js';
import { isObject } from './plain-data.js';
import { INTERNET, type GatewaySpec, type HostSpec, type InterfaceSpec, type LanSpec, type NatBehaviourSpec, type TopologySpec } from './topology-spec.js';
import { DEFAULT_NAT_BEHAVIOUR, natBehaviourProblems, type NatBehaviour } from './nat.js';
import { NAT_PRESETS, NETWORK_PROFILES, isNatPresetName, isNetworkProfileName, type NatPresetName, type NetworkProfile, type NetworkProfileName } from './profiles.js';

// ---- the resolved plan ------------------------------------------------------

export interface RealmPlan {
  readonly id: string;
  readonly kind: 'internet' | 'lan';
  readonly subnet: Subnet | undefined;
}

export interface AttachmentPlan {
  readonly realm: string;
  readonly address: string;
  readonly link: LinkQuality;
}

export interface NatPlan {
  readonly id: string;
  readonly behaviour: NatBehaviour;
  readonly inside: AttachmentPlan;
  readonly outside: AttachmentPlan;
  readonly firewall: FirewallPolicy | undefined;
}

export interface HostPlan {
  readonly id: string;
  readonly interfaces: readonly AttachmentPlan[];
  readonly firewall: FirewallPolicy | undefined;
}

/**
 * A topology with everything decided: every realm, NAT (with its full
 * behaviour) and host interface, with its address and link quality. What
 * `resolveTopology` returns and the world is built from.
 */
export interface TopologyPlan {
  readonly realms: readonly RealmPlan[];
  readonly nats: readonly NatPlan[];
  readonly hosts: readonly HostPlan[];
}

/** Public addresses handed out when a spec leaves them out: the RFC 5737 documentation ranges. */
const PUBLIC_POOL = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24'].map(parseSubnet);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks a topology spec read from anywhere (a scenario file, user input)
 * and fills in what it leaves out (addresses, links) deterministically,
 * without building a world: a way to validate a spec and see the addresses
 * it will get. `createWorld` calls it.
 *
 * @throws {TopologyError} listing every problem found, before anything is built.
 */
export function resolveTopology(input: unknown): TopologyPlan {
  return new Resolver().resolve(input);
}

/** Expands `profile` hosts into explicit LANs and gateways (ids `<host>-<layer>` and `<host>-<layer>-nat`). */
export function expandProfiles(spec: TopologySpec): TopologySpec {
  const lans: LanSpec[] = [...(spec.lans ?? [])];
  const hosts = spec.hosts.map((host): HostSpec => {
    if (host.profile === undefined || !isNetworkProfileName(host.profile)) return host;
    const profile: NetworkProfile = NETWORK_PROFILES[host.profile];
    const { profile: _dropped, ...rest } = host;
    if (profile.layers.length === 0) return { ...rest, realm: INTERNET, ...(profile.firewall && !host.firewall ? { firewall: profile.firewall } : {}) };
    profile.layers.forEach((layer, i) => {
      const outer = profile.layers[i + 1];
      const isEdge = outer === undefined;
      lans.push({
        id: `${host.id}-${layer.name}`,
        subnet: layer.subnet,
        gateway: {
          id: `${host.id}-${layer.name}-nat`,
          nat: layer.nat,
          outside: { realm: isEdge ? INTERNET : `${host.id}-${outer.name}` },
          ...(isEdge && profile.firewall ? { firewall: profile.firewall } : {}),
        },
      });
    });
    return { ...rest, realm: `${host.id}-${profile.layers[0]!.name}` };
  });
  return { ...spec, lans, hosts };
}

class Resolver {
  private readonly issues: TopologyIssue[] = [];
  private readonly realms = new Map<string, RealmPlan & { link: LinkQuality }>();
  /** Addresses taken per realm, explicit ones first. */
  private readonly used = new Map<string, Set<string>>();

  resolve(input: unknown): TopologyPlan {
    const spec = this.checkShape(input);
    if (!spec) throw new TopologyError(this.issues);
    const expanded = expandProfiles(spec);
    const lans = expanded.lans ?? [];

    this.realms.set(INTERNET, { id: INTERNET, kind: 'internet', subnet: undefined, link: this.link(expanded.internet?.link, DEFAULT_INTERNET_LINK, 'internet.link') });
    this.used.set(INTERNET, new Set());
    this.checkIds(lans, expanded.hosts);
    lans.forEach((lan, i) => this.addLan(lan, `lans[${i}]`));
    this.checkNatNesting(lans);

    // Explicit addresses are claimed before any is generated, so generated ones never collide.
    // Generated ones are then handed out in declaration order: the NATs of the declared LANs first,
    // then host by host, each host's own profile NATs just before it, so that adding a host to the
    // end of a topology never moves the addresses of those before it.
    const ownerOf = new Map<string, number>();
    spec.hosts.forEach((host, k) => {
      if (host.profile !== undefined && isNetworkProfileName(host.profile)) for (const layer of NETWORK_PROFILES[host.profile].layers) ownerOf.set(`${host.id}-${layer.name}`, k);
    });
    const pending: { order: number; fills: Array<() => void> }[] = [];
    const queue = (order: number) => {
      const fills: Array<() => void> = [];
      pending.push({ order, fills });
      return fills;
    };
    const nats = lans.flatMap((lan, i) => (lan.gateway ? [this.planNat(lan, `lans[${i}].gateway`, queue(ownerOf.get(lan.id) ?? -1))] : []));
    const hosts = expanded.hosts.map((host, k) => this.planHost(host, `hosts[${host.id}]`, queue(k + 0.5)));
    for (const { fills } of pending.sort((a, b) => a.order - b.order)) for (const fill of fills) fill();

    if (this.issues.length > 0) throw new TopologyError(this.issues);
    return {
      realms: [...this.realms.values()].map(({ id, kind, subnet }) => ({ id, kind, subnet })),
      nats: nats.filter((n): n is NatPlan => n !== undefined),
      hosts: hosts.filter((h): h is HostPlan => h !== undefined),
    };
  }

  private issue(path: string, code: TopologyIssueCode, message: string): void {
    this.issues.push({ path, code, message });
  }

  private checkShape(input: unknown): TopologySpec | undefined {
    if (!isObject(input)) return void this.issue('topology', 'malformed', 'a topology must be an object with a "hosts" list');
    this.onlyKeys(input, ['internet', 'lans', 'hosts'], 'topology');
    if (!Array.isArray(input.hosts)) return void this.issue('topology.hosts', 'malformed', 'must be a list of hosts');
    if (input.lans !== undefined && !Array.isArray(input.lans)) return void this.issue('topology.lans', 'malformed', 'must be a list of LANs');
    if (input.internet !== undefined && !isObject(input.internet)) return void this.issue('topology.internet', 'malformed', 'must be an object');
    // Nested objects are held to their fields too: a misspelt "adress" must not silently mean "pick one for me".
    if (input.internet !== undefined) this.onlyKeys(input.internet, ['link'], 'internet');
    const lans = (input.lans ?? []) as unknown[];
    lans.forEach((lan, i) => {
      if (!isObject(lan)) return this.issue(`lans[${i}]`, 'malformed', 'a LAN must be an object');
      this.onlyKeys(lan, ['id', 'subnet', 'link', 'gateway'], `lans[${i}]`);
      if (lan.gateway !== undefined) {
        if (!isObject(lan.gateway)) return this.issue(`lans[${i}].gateway`, 'malformed', 'a gateway must be an object');
        this.onlyKeys(lan.gateway, ['id', 'nat', 'outside', 'inside', 'firewall'], `lans[${i}].gateway`);
        if (isObject(lan.gateway.outside)) this.onlyKeys(lan.gateway.outside, ['realm', 'address', 'link'], `lans[${i}].gateway.outside`);
        if (isObject(lan.gateway.inside)) this.onlyKeys(lan.gateway.inside, ['address', 'link'], `lans[${i}].gateway.inside`);
      }
    });
    (input.hosts as unknown[]).forEach((host, i) => {
      if (!isObject(host)) return this.issue(`hosts[${i}]`, 'malformed', 'a host must be an object');
      this.onlyKeys(host, ['id', 'realm', 'address', 'link', 'interfaces', 'profile', 'firewall'], `hosts[${i}]`);
      const forms = ['realm', 'interfaces', 'profile'].filter((k) => host[k] !== undefined);
      if (forms.length > 1) this.issue(`hosts[${i}]`, 'malformed', `give one of realm, interfaces or profile, not ${forms.join(' and ')}`);
      for (const key of ['address', 'link'] as const) {
        // With interfaces these would be silently ignored: each interface has its own.
        if (host.interfaces !== undefined && host[key] !== undefined) this.issue(`hosts[${i}].${key}`, 'malformed', `a host with interfaces gives each interface its own ${key}`);
      }
      if (host.profile !== undefined && !(typeof host.profile === 'string' && isNetworkProfileName(host.profile))) {
        this.issue(`hosts[${i}].profile`, 'unknown-profile', `unknown network profile ${JSON.stringify(host.profile)}; known: ${Object.keys(NETWORK_PROFILES).join(', ')}`);
      }
      if (host.interfaces !== undefined && (!Array.isArray(host.interfaces) || host.interfaces.length === 0 || !host.interfaces.every(isObject))) {
        this.issue(`hosts[${i}].interfaces`, 'malformed', 'must be a non-empty list of { realm, address?, link? }');
      } else if (Array.isArray(host.interfaces)) {
        host.interfaces.forEach((iface: Record<string, unknown>, j: number) => this.onlyKeys(iface, ['realm', 'address', 'link'], `hosts[${i}].interfaces[${j}]`));
      }
    });
    return this.issues.length > 0 ? undefined : (input as unknown as TopologySpec);
  }

  private onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.issue(`${path}.${key}`, 'malformed', `unknown field ${JSON.stringify(key)}; expected one of ${allowed.join(', ')}`);
    }
  }

  private checkIds(lans: readonly LanSpec[], hosts: readonly HostSpec[]): void {
    const seen = new Map<string, string>([[INTERNET, 'the internet']]);
    const claim = (id: unknown, path: string, what: string) => {
      if (typeof id !== 'string' || !ID.test(id)) return this.issue(path, 'bad-id', `${what} id must be letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`);
      const previous = seen.get(id);
      if (previous !== undefined) {
        const code = what === 'host' && previous.startsWith('host') ? 'host-in-two-realms' : 'duplicate-id';
        return this.issue(path, code, `id ${JSON.stringify(id)} is already used by ${previous}${code === 'host-in-two-realms' ? ': a host is declared once (give it several interfaces to put it on several realms)' : ''}`);
      }
      seen.set(id, `${what} at ${path}`);
    };
    lans.forEach((lan, i) => {
      claim(lan.id, `lans[${i}].id`, 'LAN');
      if (lan.gateway) claim(lan.gateway.id, `lans[${i}].gateway.id`, 'NAT');
    });
    hosts.forEach((host, i) => claim(host.id, `hosts[${i}].id`, 'host'));
  }

  private addLan(lan: LanSpec, path: string): void {
    let subnet: Subnet;
    try {
      subnet = parseSubnet(String(lan.subnet));
    } catch (e) {
      return this.issue(`${path}.subnet`, 'bad-address', (e as Error).message);
    }
    const scope = scopeOf(subnet.network);
    if (scope !== 'private' && scope !== 'shared') {
      this.issue(`${path}.subnet`, 'address-out-of-realm', `${subnet.cidr} is not a private (RFC 1918) or shared (RFC 6598) range; hosts with public addresses belong on the internet`);
    }
    this.realms.set(lan.id, { id: lan.id, kind: 'lan', subnet, link: this.link(lan.link, DEFAULT_LAN_LINK, `${path}.link`) });
    this.used.set(lan.id, new Set());
  }

  /** Every NAT's outside must lead, NAT after NAT, to the internet. */
  private checkNatNesting(lans: readonly LanSpec[]): void {
    const outsideOf = new Map(lans.flatMap((lan) => (lan.gateway ? [[lan.id, lan.gateway.outside?.realm] as const] : [])));
    lans.forEach((lan, i) => {
      if (!lan.gateway) return;
      const outside = lan.gateway.outside;
      if (!isObject(outside) || typeof outside.realm !== 'string') {
        return this.issue(`lans[${i}].gateway.outside`, 'nat-without-outside', `NAT ${lan.gateway.id} has no outside: give outside.realm ("internet" or the id of the LAN it sits on)`);
      }
      if (!this.realms.has(outside.realm)) {
        return this.issue(`lans[${i}].gateway.outside.realm`, 'unknown-realm', `NAT ${lan.gateway.id} sits on unknown realm ${JSON.stringify(outside.realm)}`);
      }
      const visited = [lan.id];
      for (let realm: string | undefined = outside.realm; realm !== INTERNET; realm = outsideOf.get(realm)) {
        if (realm === undefined) return; // an isolated LAN further out: reachable nowhere, but not a loop
        if (visited.includes(realm)) {
          return this.issue(`lans[${i}].gateway.outside.realm`, 'nat-loop', `NATs nested in a circle: ${[...visited, realm].join(' → ')}`);
        }
        visited.push(realm);
      }
    });
  }

  private planNat(lan: LanSpec, path: string, pending: Array<() => void>): NatPlan | undefined {
    const gateway = lan.gateway!;
    const behaviour = this.behaviour(gateway.nat, `${path}.nat`);
    const firewall = gateway.firewall === undefined ? undefined : this.firewall(gateway.firewall, `${path}.firewall`);
    const outsideRealm = this.realms.get(gateway.outside?.realm);
    if (!behaviour || !outsideRealm || !this.realms.has(lan.id)) return undefined;
    const inside = this.attach(lan.id, gateway.inside?.address, gateway.inside?.link, `${path}.inside`, pending, 1);
    const outside = this.attach(outsideRealm.id, gateway.outside.address, gateway.outside.link, `${path}.outside`, pending);
    return { id: gateway.id, behaviour, inside, outside, firewall };
  }

  private planHost(host: HostSpec, path: string, pending: Array<() => void>): HostPlan | undefined {
    const interfaces: readonly InterfaceSpec[] = host.interfaces ?? [{ realm: host.realm ?? INTERNET, address: host.address, link: host.link }];
    const firewall = host.firewall === undefined ? undefined : this.firewall(host.firewall, `${path}.firewall`);
    const realmsSeen = new Set<string>();
    const planned = interfaces.map((spec, i) => {
      const where = host.interfaces ? `${path}.interfaces[${i}]` : path;
      if (!this.realms.has(spec.realm)) return void this.issue(`${where}.realm`, 'unknown-realm', `no realm ${JSON.stringify(spec.realm)}: use "internet" or a LAN id`);
      if (realmsSeen.has(spec.realm)) return void this.issue(where, 'host-in-two-realms', `host ${host.id} has two interfaces on ${spec.realm}`);
      realmsSeen.add(spec.realm);
      return this.attach(spec.realm, spec.address, spec.link, where, pending);
    });
    if (planned.some((p) => p === undefined)) return undefined;
    return { id: host.id, interfaces: planned as AttachmentPlan[], firewall };
  }

  /**
   * Claims an explicit address now, or defers choosing one until every explicit
   * address is known. The returned plan object is completed in place.
   */
  private attach(realmId: string, address: string | undefined, link: LinkSpec | undefined, path: string, pending: Array<() => void>, preferred?: number): AttachmentPlan {
    const realm = this.realms.get(realmId)!;
    const plan = { realm: realmId, address: '', link: this.link(link, realm.link, `${path}.link`) };
    const used = this.used.get(realmId)!;
    if (address !== undefined) {
      if (typeof address !== 'string' || !isIPv4(address)) {
        this.issue(`${path}.address`, 'bad-address', `not an IPv4 address: ${JSON.stringify(address)}`);
      } else if (realm.subnet ? !subnetContains(realm.subnet, address) : scopeOf(address) !== 'public') {
        const where = realm.subnet ? `LAN ${realmId} (${realm.subnet.cidr})` : 'the internet (it needs a public address)';
        this.issue(`${path}.address`, 'address-out-of-realm', `${address} cannot be on ${where}`);
      } else if (used.has(address)) {
        this.issue(`${path}.address`, 'address-in-use', `${address} is used twice on ${realmId}`);
      } else if (realm.subnet && realm.subnet.prefixLength < 31 && (address === realm.subnet.network || address === broadcastAddress(realm.subnet))) {
        this.issue(`${path}.address`, 'address-out-of-realm', `${address} is the network or broadcast address of ${realm.subnet.cidr}`);
      } else {
        used.add(address);
        plan.address = address;
      }
      return plan;
    }
    pending.push(() => {
      const chosen = this.freeAddress(realm, used, preferred);
      if (chosen === undefined) return this.issue(path, 'subnet-exhausted', `no free address left on ${realmId}`);
      used.add(chosen);
      plan.address = chosen;
    });
    return plan;
  }

  private freeAddress(realm: RealmPlan, used: Set<string>, preferred: number | undefined): string | undefined {
    const pools = realm.subnet ? [realm.subnet] : PUBLIC_POOL;
    for (const pool of pools) {
      const size = subnetSize(pool);
      const start = realm.subnet ? (preferred ?? 2) : 10;
      for (let n = start; n < size - 1; n++) {
        const candidate = nthAddress(pool, n);
        if (!used.has(candidate)) return candidate;
      }
      for (let n = 1; n < Math.min(start, size - 1); n++) {
        const candidate = nthAddress(pool, n);
        if (!used.has(candidate)) return candidate;
      }
    }
    return undefined;
  }

  private link(spec: LinkSpec | undefined, defaults: LinkQuality, path: string): LinkQuality {
    if (spec === undefined) return defaults;
    if (!isObject(spec)) {
      this.issue(path, 'bad-link', 'a link must be an object { latencyMs?, jitterMs?, loss?, mtu? }');
      return defaults;
    }
    this.onlyKeys(spec, ['latencyMs', 'jitterMs', 'loss', 'mtu'], path);
    const problem = linkProblem(spec);
    if (problem) this.issue(path, 'bad-link', problem);
    return resolveLink(spec, defaults);
  }

  private behaviour(spec: NatPresetName | NatBehaviourSpec | undefined, path: string): NatBehaviour | undefined {
    if (typeof spec === 'string') {
      if (isNatPresetName(spec)) return NAT_PRESETS[spec];
      return void this.issue(path, 'unknown-preset', `unknown NAT preset ${JSON.stringify(spec)}; known: ${Object.keys(NAT_PRESETS).join(', ')}`);
    }
    if (!isObject(spec)) return void this.issue(path, 'bad-behaviour', 'nat must be a preset name or an object of RFC 4787 behaviours');
    const { preset, ...overrides } = spec;
    if (preset !== undefined && !isNatPresetName(preset)) return void this.issue(`${path}.preset`, 'unknown-preset', `unknown NAT preset ${JSON.stringify(preset)}`);
    const behaviour: NatBehaviour = { ...(preset ? NAT_PRESETS[preset] : DEFAULT_NAT_BEHAVIOUR), ...overrides };
    const problems = natBehaviourProblems(behaviour as unknown as Record<string, unknown>);
    for (const p of problems) this.issue(`${path}.${p.field}`, p.field in DEFAULT_NAT_BEHAVIOUR ? 'bad-behaviour' : 'malformed', p.message);
    return problems.length === 0 ? behaviour : undefined;
  }

  private firewall(spec: FirewallPresetName | FirewallPolicy, path: string): FirewallPolicy | undefined {
    if (typeof spec === 'string') {
      if (Object.hasOwn(FIREWALL_PRESETS, spec)) return FIREWALL_PRESETS[spec];
      return void this.issue(path, 'bad-firewall', `unknown firewall preset ${JSON.stringify(spec)}; known: ${Object.keys(FIREWALL_PRESETS).join(', ')}`);
    }
    const problems = firewallPolicyProblems(spec);
    for (const p of problems) this.issue(p.field ? `${path}.${p.field}` : path, p.message.startsWith('unknown field') ? 'malformed' : 'bad-firewall', p.message);
    return problems.length === 0 ? spec : undefined;
  }
}
