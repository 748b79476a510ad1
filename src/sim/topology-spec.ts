/**
 * Topologies as data: what a scenario file or a `createWorld` call writes.
 * topology.ts checks a spec and resolves it into the plan a world is built from.
 */
import type { FirewallPolicy, FirewallPresetName } from './firewall.js';
import type { LinkSpec } from './link.js';
import type { NatBehaviour } from './nat.js';
import type { NatPresetName, NetworkProfileName } from './profiles.js';

/** The id of the public realm every world has: a LAN's gateway or a host with `realm: INTERNET` sits on the internet. */
export const INTERNET = 'internet';

/**
 * A network as data, what a scenario file holds: LANs (each maybe behind a
 * NAT whose outside is on the internet or on another LAN) and hosts on those
 * realms or given a network profile. Addresses and links left out are filled
 * in deterministically. `createWorld` builds it; `resolveTopology` only checks it.
 *
 * @example
 * const world = createWorld({ hosts: [{ id: 'alice', profile: 'symmetric' }, { id: 'stun' }] });
 */
export interface TopologySpec {
  /** The public realm every world has; its default access link. */
  readonly internet?: { readonly link?: LinkSpec };
  readonly lans?: readonly LanSpec[];
  readonly hosts: readonly HostSpec[];
}

/** A LAN: its id, its address range and, usually, the NAT (`gateway`) that connects it to the realm outside. */
export interface LanSpec {
  readonly id: string;
  /** A private (RFC 1918) or shared (RFC 6598, 100.64/10) range, CIDR. */
  readonly subnet: string;
  /** The default access link of this LAN's attachments. */
  readonly link?: LinkSpec;
  /** The NAT between this LAN and the realm outside it; without one the LAN is isolated. */
  readonly gateway?: GatewaySpec;
}

/** A NAT's behaviour in a gateway spec: a preset to start from (default `DEFAULT_NAT_BEHAVIOUR`) and any fields of `NatBehaviour` that differ from it. */
export type NatBehaviourSpec = Partial<NatBehaviour> & { readonly preset?: NatPresetName };

/**
 * A LAN's NAT: its id, its behaviour (a preset name or fields), its outside
 * (the realm above it, and maybe its external address), its inside (the LAN's
 * gateway address, `.1` of the subnet by default) and maybe a firewall.
 */
export interface GatewaySpec {
  readonly id: string;
  readonly nat: NatPresetName | NatBehaviourSpec;
  readonly outside: { readonly realm: string; readonly address?: string; readonly link?: LinkSpec };
  readonly inside?: { readonly address?: string; readonly link?: LinkSpec };
  readonly firewall?: FirewallPresetName | FirewallPolicy;
}

/** One interface of a multi-homed host (`HostSpec.interfaces`): the realm it is on, maybe its address and access link. */
export interface InterfaceSpec {
  readonly realm: string;
  readonly address?: string;
  readonly link?: LinkSpec;
}

/**
 * A host is given one of: `realm` (+ `address`), a list of `interfaces`, or a
 * `profile`, which builds the host its own chain of LANs and NATs. With none of
 * them it sits on the internet.
 */
export interface HostSpec {
  readonly id: string;
  readonly realm?: string;
  readonly address?: string;
  readonly link?: LinkSpec;
  readonly interfaces?: readonly InterfaceSpec[];
  readonly profile?: NetworkProfileName;
  readonly firewall?: FirewallPresetName | FirewallPolicy;
}
