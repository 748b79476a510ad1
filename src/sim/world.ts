/**
 * A world: a validated topology brought to life on one virtual clock, one
 * seeded random source and one trace.
 *
 * Two ways to let its time pass, and they give the same trace: a script runs
 * it (`run`, `runFor`, or `clock.step()`), or a program awaits what happens in
 * it (`await whenAllocated(client)`, `await runStunTransaction(...)`,
 * `await awaitCall(link)`): those promises hold the clock, which then runs
 * itself while the program waits and stops at the event that settles them
 * (clock.ts, `hold`). A promise that waits on a world with nothing left to
 * run rejects with a `WorldIdleError` that says what it waited for.
 */
import { formatAddress } from '../io/address.js';
import { VirtualClock, type RunOptions, type RunResult } from './clock.js';
import { Firewall, type FirewallPolicy } from './firewall.js';
import { Host } from './host.js';
import { Link, linkProblem, type LinkQuality } from './link.js';
import { NatBox } from './nat-box.js';
import { MdnsResponders } from './mdns.js';
import { NatTable } from './nat.js';
import { Network, type Attachment, type NetworkNode, type Realm } from './network.js';
import { SeededRandom } from './random.js';
import { resolveTopology, type TopologyPlan } from './topology.js';
import { type TopologySpec } from './topology-spec.js';
import { Trace, type TraceOptions } from './trace.js';

/** How a world is built: its seed, and what its trace keeps. */
export interface WorldOptions {
  /** Same topology and seed, same trace, byte for byte. Default 1. */
  readonly seed?: number;
  readonly trace?: TraceOptions;
}

/** A running simulated world: hosts, NATs and links on one virtual clock, random source and trace (see the top of this file). */
export class World {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly trace: Trace;
  readonly plan: TopologyPlan;
  /** The mDNS responders of every LAN: `.local` names for host candidates. */
  readonly mdns: MdnsResponders;
  private readonly network: Network;
  private readonly realmsById = new Map<string, Realm>();
  private readonly hostsById = new Map<string, Host>();
  private readonly natsById = new Map<string, NatBox>();
  private readonly attachmentsById = new Map<string, Attachment>();
  private nextConnectionId = 1;

  /** Validates `spec` (throwing a `TopologyError` that lists every problem) and builds the world. */
  constructor(spec: TopologySpec, options: WorldOptions = {}) {
    this.plan = resolveTopology(spec);
    this.clock = new VirtualClock();
    this.random = new SeededRandom(options.seed ?? 1);
    this.trace = new Trace(() => this.clock.now(), options.trace);
    this.network = new Network(this.clock, this.trace);
    this.mdns = new MdnsResponders(this.clock, this.random.fork('mdns'), this.trace);

    for (const realm of this.plan.realms) this.realmsById.set(realm.id, { ...realm, byAddress: new Map(), gateway: undefined });
    for (const nat of this.plan.nats) {
      const random = this.random.fork(`nat:${nat.id}`);
      const table = new NatTable(nat.behaviour, nat.outside.address, this.clock, random, {
        onCreate: (m) =>
          this.trace.record('nat.mapping.create', {
            nat: nat.id,
            protocol: m.protocol,
            internal: formatAddress(m.internal),
            external: formatAddress(m.external),
            ...(m.destination !== undefined ? { destination: m.destination } : {}),
          }),
        onExpire: (m) =>
          this.trace.record('nat.mapping.expire', {
            nat: nat.id,
            protocol: m.protocol,
            internal: formatAddress(m.internal),
            external: formatAddress(m.external),
            idleMs: this.clock.now() - m.lastUsedAt,
          }),
      });
      const box = new NatBox(nat.id, table, this.network, this.firewallFor(nat.firewall));
      box.inside = this.attach(box, nat.inside.realm, nat.inside.address, nat.inside.link);
      box.outside = this.attach(box, nat.outside.realm, nat.outside.address, nat.outside.link);
      this.realmsById.get(nat.inside.realm)!.gateway = box.inside;
      this.natsById.set(nat.id, box);
    }
    for (const plan of this.plan.hosts) {
      const host = new Host(plan.id, this.network, this.random.fork(`host:${plan.id}`), this.firewallFor(plan.firewall), () => this.nextConnectionId++);
      for (const i of plan.interfaces) host.interfaces.push(this.attach(host, i.realm, i.address, i.link));
      this.hostsById.set(plan.id, host);
    }
  }

  host(id: string): Host {
    const host = this.hostsById.get(id);
    if (!host) throw new RangeError(`no host ${JSON.stringify(id)} in this world (hosts: ${[...this.hostsById.keys()].join(', ')})`);
    return host;
  }

  nat(id: string): NatBox {
    const nat = this.natsById.get(id);
    if (!nat) throw new RangeError(`no NAT ${JSON.stringify(id)} in this world (NATs: ${[...this.natsById.keys()].join(', ')})`);
    return nat;
  }

  get hosts(): Host[] {
    return [...this.hostsById.values()];
  }

  get nats(): NatBox[] {
    return [...this.natsById.values()];
  }

  /** The NATs between a host and the internet, innermost first (empty for a host on the internet). */
  natsAbove(hostId: string): NatBox[] {
    const chain: NatBox[] = [];
    let realm = this.host(hostId).interfaces[0]?.realm;
    while (realm?.gateway) {
      const nat = realm.gateway.node as NatBox;
      chain.push(nat);
      realm = nat.outside.realm;
    }
    return chain;
  }

  /** Attachment ids are "<node>@<realm>"; every host interface and NAT side has one. */
  get attachments(): string[] {
    return [...this.attachmentsById.keys()];
  }

  /** Takes a link down or up (a cable pulled, Wi-Fi lost); traced. */
  setLinkUp(attachmentId: string, up: boolean): void {
    const attachment = this.attachment(attachmentId);
    attachment.link.up = up;
    this.trace.record('link.state', { interface: attachmentId, up });
  }

  /** Changes a link's quality from now on. */
  setLinkQuality(attachmentId: string, quality: Partial<LinkQuality>): void {
    const link = this.attachment(attachmentId).link;
    // Held to the same rules as a topology's links: a negative latency or a NaN MTU would go unnoticed.
    const problem = linkProblem(quality);
    if (problem) throw new RangeError(`setLinkQuality(${JSON.stringify(attachmentId)}): ${problem}`);
    link.quality = { ...link.quality, ...quality };
  }

  run(options?: RunOptions): RunResult {
    return this.clock.run(options);
  }

  runFor(durationMs: number, options?: Omit<RunOptions, 'until'>): RunResult {
    return this.clock.runFor(durationMs, options);
  }

  private attachment(id: string): Attachment {
    const attachment = this.attachmentsById.get(id);
    if (!attachment) throw new RangeError(`no attachment ${JSON.stringify(id)} (attachments: ${this.attachments.join(', ')})`);
    return attachment;
  }

  private attach(node: NetworkNode, realmId: string, address: string, quality: LinkQuality): Attachment {
    const realm = this.realmsById.get(realmId)!;
    const id = `${node.id}@${realmId}`;
    const attachment: Attachment = { id, node, realm, address, link: new Link(quality, this.random.fork(`link:${id}`)) };
    realm.byAddress.set(address, attachment);
    this.attachmentsById.set(id, attachment);
    return attachment;
  }

  private firewallFor(policy: FirewallPolicy | undefined): Firewall | undefined {
    return policy ? new Firewall(policy, this.clock) : undefined;
  }
}

/**
 * Builds a simulated world from a topology spec: its hosts, LANs, NATs and
 * links on one virtual clock, one seeded random source and one trace. Same
 * spec and seed, same trace, byte for byte.
 *
 * @throws {TopologyError} listing every problem of the spec, before anything is built.
 * @example
 * const world = createWorld({ hosts: [{ id: 'alice', profile: 'port-restricted' }, { id: 'bob', profile: 'symmetric' }] }, { seed: 7 });
 */
export function createWorld(spec: TopologySpec, options?: WorldOptions): World {
  return new World(spec, options);
}
