/**
 * A NAT's translation table, as RFC 4787 (UDP) and RFC 5382 (TCP) describe its
 * behaviour: how it *maps* an internal endpoint to an external one, how it
 * *filters* what comes back, how it picks external ports, and when mappings
 * die. This file is the NAT's brain only (sans-IO): the world feeds it packets'
 * addresses and applies its verdicts.
 */
import { formatAddress, type Protocol, type TransportAddress } from '../io/address.js';
import type { TimerHandle, VirtualClock } from './clock.js';
import { isPositiveDuration, unknownFields, type Problem } from './plain-data.js';
import type { SeededRandom } from './random.js';

/**
 * RFC 4787 §4.1: which destinations share one mapping.
 * - endpoint-independent: one external ip:port for an internal ip:port, whatever the destination (EIM);
 * - address-dependent: one per destination IP address (ADM);
 * - address-and-port-dependent: one per destination ip:port (APDM).
 */
export type MappingBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * RFC 4787 §5: which sources may send in through a mapping.
 * - endpoint-independent: anyone (EIF);
 * - address-dependent: an IP address the internal endpoint has sent to (ADF);
 * - address-and-port-dependent: an ip:port the internal endpoint has sent to (APDF).
 */
export type FilteringBehaviour = MappingBehaviour;

/**
 * RFC 4787 §4.2.1 / §4.2.2: how the external port is chosen.
 * - preserve: the internal port when free (common in home routers), else a random free one;
 * - sequential: the next free port after the last one given out (predictable, hence the "port prediction" tricks);
 * - random: a uniformly random free port (what RFC 6056 recommends and many CGNs do).
 */
export type PortAssignment = 'preserve' | 'sequential' | 'random';

/**
 * How a NAT behaves, field by field in the words of RFC 4787 (UDP) and RFC
 * 5382 (TCP): its mapping, filtering and port assignment, its mapping
 * lifetimes (ms), refresh, hairpinning and port range. A topology names a
 * preset (`NAT_PRESETS`) or gives these fields; unset ones come from
 * `DEFAULT_NAT_BEHAVIOUR`.
 */
export interface NatBehaviour {
  readonly mapping: MappingBehaviour;
  readonly filtering: FilteringBehaviour;
  readonly portAssignment: PortAssignment;
  /** UDP mapping idle timeout. RFC 4787 REQ-5: at least 2 minutes, 5 recommended. */
  readonly udpMappingLifetimeMs: number;
  /** TCP mapping idle timeout once established. RFC 5382 REQ-5: at least 2 h 4 min. */
  readonly tcpEstablishedLifetimeMs: number;
  /** TCP mapping timeout before establishment or after FIN/RST. RFC 5382 REQ-5: at least 4 minutes. */
  readonly tcpTransitoryLifetimeMs: number;
  /** RFC 4787 REQ-6: outbound traffic always refreshes; inbound refresh is the NAT's choice. */
  readonly inboundRefresh: boolean;
  /** RFC 4787 REQ-9: can hosts inside reach each other through the NAT's own external address? */
  readonly hairpinning: boolean;
  /** First and last external port the NAT hands out. */
  readonly portRange: readonly [number, number];
}

/**
 * The behaviour RFC 4787 recommends, and a typical home router has: endpoint-
 * independent mapping (REQ-1), address-and-port-dependent filtering, port
 * preservation, a 2-minute UDP lifetime (REQ-5), RFC 5382's TCP lifetimes,
 * hairpinning (REQ-9).
 */
export const DEFAULT_NAT_BEHAVIOUR: NatBehaviour = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  portAssignment: 'preserve',
  udpMappingLifetimeMs: 120_000,
  tcpEstablishedLifetimeMs: 7_440_000,
  tcpTransitoryLifetimeMs: 240_000,
  inboundRefresh: false,
  hairpinning: true,
  portRange: [1024, 65535],
};

/** Every mapping behaviour of RFC 4787 §4.1 (and filtering behaviour of §5), in order from most to least permissive: to validate input or to sweep a matrix. */
export const MAPPING_BEHAVIOURS: readonly MappingBehaviour[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
/** Every port assignment of RFC 4787 §4.2 this simulator models: to validate input or to sweep a matrix. */
export const PORT_ASSIGNMENTS: readonly PortAssignment[] = ['preserve', 'sequential', 'random'];

/** What is wrong with a behaviour read from untrusted data (a scenario file), field by field. */
export function natBehaviourProblems(behaviour: Record<string, unknown>): Problem[] {
  const problems = unknownFields(behaviour, Object.keys(DEFAULT_NAT_BEHAVIOUR));
  const oneOf = (field: string, allowed: readonly string[]) => {
    if (!allowed.includes(behaviour[field] as string)) problems.push({ field, message: `${field} must be one of ${allowed.join(', ')}` });
  };
  oneOf('mapping', MAPPING_BEHAVIOURS);
  oneOf('filtering', MAPPING_BEHAVIOURS);
  oneOf('portAssignment', PORT_ASSIGNMENTS);
  for (const field of ['udpMappingLifetimeMs', 'tcpEstablishedLifetimeMs', 'tcpTransitoryLifetimeMs']) {
    if (!isPositiveDuration(behaviour[field])) problems.push({ field, message: `${field} must be a positive number of ms` });
  }
  for (const field of ['inboundRefresh', 'hairpinning']) {
    if (typeof behaviour[field] !== 'boolean') problems.push({ field, message: `${field} must be true or false` });
  }
  const range = behaviour.portRange;
  if (!(Array.isArray(range) && range.length === 2 && range.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535) && range[0] <= range[1])) {
    problems.push({ field: 'portRange', message: 'portRange must be [low, high] with 1 <= low <= high <= 65535' });
  }
  return problems;
}

/**
 * One NAT mapping (RFC 4787 §4): an internal endpoint bound to an external
 * one, with what it remembers for filtering (§5) and when it expires (ms of
 * virtual time). Read them with `natBox.table.mappings()`; the NAT updates
 * the mutable fields as traffic passes.
 */
export interface NatMapping {
  readonly protocol: Protocol;
  readonly internal: TransportAddress;
  readonly external: TransportAddress;
  /** For ADM/APDM: the destination this mapping serves ("ip" or "ip:port"); undefined for EIM. */
  readonly destination: string | undefined;
  readonly createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** TCP only: has traffic come back (the connection is established)? */
  established: boolean;
  /** Remote addresses the internal endpoint sent to through this mapping: address-dependent filtering's memory. */
  readonly contactedAddresses: Set<string>;
  /** Remote ip:ports the internal endpoint sent to through this mapping: address-and-port-dependent filtering's memory. */
  readonly contactedEndpoints: Set<string>;
}

export type InboundVerdict =
  | { readonly ok: true; readonly mapping: NatMapping }
  | { readonly ok: false; readonly reason: 'no-mapping' | 'filtered'; readonly detail: string };

export interface NatTableEvents {
  onCreate(mapping: NatMapping): void;
  onExpire(mapping: NatMapping): void;
}

export class NatTable {
  private readonly byKey = new Map<string, NatMapping>();
  private readonly byExternalPort: Record<Protocol, Map<number, NatMapping>> = { udp: new Map(), tcp: new Map() };
  /** Each live mapping's pending expiry timer and the time it is due. */
  private readonly timers = new Map<NatMapping, { readonly handle: TimerHandle; readonly due: number }>();
  private nextSequential: Record<Protocol, number>;

  constructor(
    readonly behaviour: NatBehaviour,
    readonly externalAddress: string,
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
    private readonly events: NatTableEvents,
  ) {
    const [low, high] = behaviour.portRange;
    // Sequential NATs start somewhere in their range, not always at its first port.
    const start = random.int(low, high);
    this.nextSequential = { udp: start, tcp: start };
  }

  /** The live mappings, oldest first. */
  mappings(): NatMapping[] {
    return [...this.byKey.values()];
  }

  /**
   * An internal endpoint sends to `remote`: find or create its mapping (RFC 4787 §4.1),
   * remember the destination for filtering (§5) and refresh the timer (§4.3).
   * Returns undefined when the port range is exhausted.
   */
  outbound(protocol: Protocol, internal: TransportAddress, remote: TransportAddress): NatMapping | undefined {
    const destination = this.destinationKey(remote);
    const key = mappingKey(protocol, internal, destination);
    const now = this.clock.now();
    let mapping = this.byKey.get(key);
    if (!mapping) {
      const port = this.choosePort(protocol, internal.port);
      if (port === undefined) return undefined;
      mapping = {
        protocol,
        internal,
        external: { address: this.externalAddress, port },
        destination,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: now,
        established: false,
        contactedAddresses: new Set(),
        contactedEndpoints: new Set(),
      };
      this.byKey.set(key, mapping);
      this.byExternalPort[protocol].set(port, mapping);
      this.events.onCreate(mapping);
      this.refresh(mapping);
      this.armExpiry(key, mapping);
    } else {
      this.refresh(mapping);
    }
    mapping.contactedAddresses.add(remote.address);
    mapping.contactedEndpoints.add(formatAddress(remote));
    return mapping;
  }

  /** A packet from `remote` arrives for external port `externalPort`: may it in, and to whom (RFC 4787 §5)? */
  inbound(protocol: Protocol, externalPort: number, remote: TransportAddress): InboundVerdict {
    const mapping = this.byExternalPort[protocol].get(externalPort);
    if (!mapping) {
      return { ok: false, reason: 'no-mapping', detail: `no ${protocol} mapping on external port ${externalPort}` };
    }
    const from = formatAddress(remote);
    const filtering = this.behaviour.filtering;
    if (filtering === 'address-dependent' && !mapping.contactedAddresses.has(remote.address)) {
      return { ok: false, reason: 'filtered', detail: `address-dependent filtering: ${formatAddress(mapping.internal)} never sent to ${remote.address} through ${formatAddress(mapping.external)}` };
    }
    if (filtering === 'address-and-port-dependent' && !mapping.contactedEndpoints.has(from)) {
      return { ok: false, reason: 'filtered', detail: `address-and-port-dependent filtering: ${formatAddress(mapping.internal)} never sent to ${from} through ${formatAddress(mapping.external)}` };
    }
    if (protocol === 'tcp') mapping.established = true;
    // RFC 4787 REQ-6 leaves inbound refresh of UDP mappings to the NAT. A TCP receiver, though,
    // acknowledges what it gets, and its outbound ACKs refresh the mapping (RFC 5382 REQ-5's idle
    // timeout). The simulated TCP sends no ACKs, so an inbound segment stands for its ACK here;
    // otherwise a connection that only receives would lose its mapping after the transitory timeout.
    if (this.behaviour.inboundRefresh || protocol === 'tcp') this.refresh(mapping);
    return { ok: true, mapping };
  }

  /** RFC 5382 REQ-5: after FIN or RST the mapping falls back to the short, transitory timeout. */
  closing(mapping: NatMapping): void {
    mapping.established = false;
    mapping.expiresAt = Math.min(mapping.expiresAt, this.clock.now() + this.behaviour.tcpTransitoryLifetimeMs);
    // The expiry timer may be armed for the (2 h) established lifetime; it only ever re-arms
    // *later*, so an earlier expiry needs its own timer, or the mapping would outlive the
    // transitory timeout RFC 5382 REQ-5 gives it by hours.
    const timer = this.timers.get(mapping);
    if (timer !== undefined && timer.due > mapping.expiresAt) {
      this.clock.clearTimeout(timer.handle);
      this.armExpiry(mappingKey(mapping.protocol, mapping.internal, mapping.destination), mapping);
    }
  }

  private refresh(mapping: NatMapping): void {
    const now = this.clock.now();
    mapping.lastUsedAt = now;
    mapping.expiresAt = now + this.lifetimeOf(mapping);
  }

  private lifetimeOf(mapping: NatMapping): number {
    if (mapping.protocol === 'udp') return this.behaviour.udpMappingLifetimeMs;
    return mapping.established ? this.behaviour.tcpEstablishedLifetimeMs : this.behaviour.tcpTransitoryLifetimeMs;
  }

  /**
   * One timer per mapping: when it fires early (the mapping was refreshed) it re-arms
   * for the new expiry; so refreshes cost nothing and the expiry is traced at its exact time.
   */
  private armExpiry(key: string, mapping: NatMapping): void {
    const due = mapping.expiresAt;
    const handle = this.clock.scheduleAt(due, () => {
      this.timers.delete(mapping);
      if (this.byKey.get(key) !== mapping) return;
      if (mapping.expiresAt > this.clock.now()) return this.armExpiry(key, mapping);
      this.byKey.delete(key);
      this.byExternalPort[mapping.protocol].delete(mapping.external.port);
      this.events.onExpire(mapping);
    });
    this.timers.set(mapping, { handle, due });
  }

  private destinationKey(remote: TransportAddress): string | undefined {
    switch (this.behaviour.mapping) {
      case 'endpoint-independent':
        return undefined;
      case 'address-dependent':
        return remote.address;
      case 'address-and-port-dependent':
        return formatAddress(remote);
    }
  }

  private choosePort(protocol: Protocol, internalPort: number): number | undefined {
    const used = this.byExternalPort[protocol];
    const [low, high] = this.behaviour.portRange;
    if (used.size > high - low) return undefined;
    switch (this.behaviour.portAssignment) {
      case 'preserve':
        if (internalPort >= low && internalPort <= high && !used.has(internalPort)) return internalPort;
        return this.randomFree(used, low, high);
      case 'sequential': {
        let port = this.nextSequential[protocol];
        while (used.has(port)) port = port >= high ? low : port + 1;
        this.nextSequential[protocol] = port >= high ? low : port + 1;
        return port;
      }
      case 'random':
        return this.randomFree(used, low, high);
    }
  }

  private randomFree(used: Map<number, NatMapping>, low: number, high: number): number {
    // A few random draws find a free port in any table that is not nearly full; then scan.
    for (let i = 0; i < 32; i++) {
      const port = this.random.int(low, high);
      if (!used.has(port)) return port;
    }
    let port = this.random.int(low, high);
    while (used.has(port)) port = port >= high ? low : port + 1;
    return port;
  }
}

function mappingKey(protocol: Protocol, internal: TransportAddress, destination: string | undefined): string {
  return `${protocol} ${formatAddress(internal)} ${destination ?? '*'}`;
}
