/**
 * Named NAT behaviours and network profiles, as data.
 *
 * ## RFC 3489's four names, in RFC 4787's terms
 * RFC 3489 (the classic STUN RFC, obsoleted) sorted NATs into four types. RFC 4787
 * §3 explains why that was too coarse and splits each NAT into independent
 * behaviours: mapping (§4.1), filtering (§5), port assignment (§4.2), timers
 * (§4.3) and hairpinning (§6). The old names map onto the new ones like this:
 *
 * | RFC 3489 name            | mapping (RFC 4787 §4.1)        | filtering (RFC 4787 §5)        |
 * |--------------------------|--------------------------------|--------------------------------|
 * | full cone                | endpoint-independent           | endpoint-independent           |
 * | (address) restricted cone| endpoint-independent           | address-dependent              |
 * | port restricted cone     | endpoint-independent           | address-and-port-dependent     |
 * | symmetric                | address-and-port-dependent     | address-and-port-dependent     |
 *
 * "Symmetric" covers any NAT whose mapping is not endpoint-independent (an
 * address-dependent mapping is "symmetric" too in RFC 3489's eyes); it is the
 * case where the server-reflexive address learnt from a STUN server is useless
 * to a peer, and only a relay (TURN) or a peer-reflexive discovery helps.
 */
import { DEFAULT_NAT_BEHAVIOUR, type NatBehaviour } from './nat.js';
import type { FirewallPresetName } from './firewall.js';

/**
 * NATs by name, each a full `NatBehaviour`: RFC 3489's four classic types in
 * RFC 4787's terms (see the table above) and a carrier-grade NAT (RFC 6888).
 * A topology's gateway may name one (`nat: 'symmetric'`) instead of spelling
 * the behaviour out.
 */
export const NAT_PRESETS = {
  'full-cone': { ...DEFAULT_NAT_BEHAVIOUR, mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'address-restricted': { ...DEFAULT_NAT_BEHAVIOUR, mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted': { ...DEFAULT_NAT_BEHAVIOUR, mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { ...DEFAULT_NAT_BEHAVIOUR, mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portAssignment: 'random' },
  /**
   * A carrier-grade NAT (RFC 6888): endpoint-independent mapping is required
   * (REQ-1, after RFC 4787 REQ-1); we take endpoint-independent filtering, the
   * RFC 4787 REQ-8 choice for transparency, random ports from a large pool, and hairpinning
   * (RFC 6888 REQ-9), which lets two subscribers of one carrier reach each other.
   */
  'carrier-grade': { ...DEFAULT_NAT_BEHAVIOUR, mapping: 'endpoint-independent', filtering: 'endpoint-independent', portAssignment: 'random' },
} as const satisfies Record<string, NatBehaviour>;

/** The name of one of `NAT_PRESETS`, as a gateway's `nat` (or a `NatBehaviourSpec`'s `preset`) may give it. */
export type NatPresetName = keyof typeof NAT_PRESETS;

/** One layer of a profile: a NAT and the LAN behind it. Layers are listed from the host outwards. */
export interface ProfileLayer {
  /** Short name used in generated ids: host "alice", layer "home" → LAN "alice-home", NAT "alice-home-nat". */
  readonly name: string;
  readonly nat: NatPresetName;
  readonly subnet: string;
}

/**
 * A kind of network a host can sit in, by name (`{ id: 'alice', profile:
 * 'cgnat' }` in a topology): the chain of NATs and LANs the world builds
 * around the host, and maybe a firewall at its edge.
 */
export interface NetworkProfile {
  readonly name: string;
  /** One sentence for lists and narration. */
  readonly summary: string;
  /** The RFC 3489 name, where there is one. */
  readonly rfc3489?: string;
  /** From the host outwards; empty for a host with a public address. */
  readonly layers: readonly ProfileLayer[];
  /** A firewall at the network's edge (the outermost NAT, or the host itself when there is none). */
  readonly firewall?: FirewallPresetName;
}

const home = (nat: NatPresetName): ProfileLayer => ({ name: 'home', nat, subnet: '192.168.1.0/24' });

/**
 * Every network profile a host can be given: open (public address), one NAT
 * of each RFC 3489 type, stacked NATs, a carrier-grade NAT behind a home NAT,
 * and two firewalled networks (UDP blocked, web only). The NAT matrix runs
 * every pair of them.
 */
export const NETWORK_PROFILES = {
  open: { name: 'open', summary: 'a public address, no NAT, no firewall', layers: [] },
  'full-cone': { name: 'full-cone', rfc3489: 'full cone', summary: 'one NAT: endpoint-independent mapping and filtering', layers: [home('full-cone')] },
  'address-restricted': {
    name: 'address-restricted',
    rfc3489: 'restricted cone',
    summary: 'one NAT: endpoint-independent mapping, address-dependent filtering',
    layers: [home('address-restricted')],
  },
  'port-restricted': {
    name: 'port-restricted',
    rfc3489: 'port restricted cone',
    summary: 'one NAT: endpoint-independent mapping, address-and-port-dependent filtering (the usual home router)',
    layers: [home('port-restricted')],
  },
  symmetric: {
    name: 'symmetric',
    rfc3489: 'symmetric',
    summary: 'one NAT: a new mapping, with a random port, for every destination ip:port; address-and-port-dependent filtering',
    layers: [home('symmetric')],
  },
  'double-cone': {
    name: 'double-cone',
    summary: 'two full-cone NATs stacked (a router behind the ISP box)',
    layers: [home('full-cone'), { name: 'isp', nat: 'full-cone', subnet: '10.0.0.0/24' }],
  },
  'symmetric-then-cone': {
    name: 'symmetric-then-cone',
    summary: 'a symmetric NAT behind a full-cone NAT',
    layers: [home('symmetric'), { name: 'isp', nat: 'full-cone', subnet: '10.0.0.0/24' }],
  },
  cgnat: {
    name: 'cgnat',
    summary: 'a port-restricted home NAT behind a carrier-grade NAT (RFC 6598 shared address space between them)',
    layers: [home('port-restricted'), { name: 'carrier', nat: 'carrier-grade', subnet: '100.64.0.0/10' }],
  },
  'udp-blocked': {
    name: 'udp-blocked',
    summary: 'a port-restricted NAT whose firewall drops all UDP: only TCP gets out (TURN over TCP)',
    layers: [home('port-restricted')],
    firewall: 'block-udp',
  },
  'web-only': {
    name: 'web-only',
    summary: 'a corporate network: a port-restricted NAT whose firewall lets out only TCP to ports 80 and 443',
    layers: [home('port-restricted')],
    firewall: 'web-only',
  },
} as const satisfies Record<string, NetworkProfile>;

/** The name of one of `NETWORK_PROFILES`, as a host's `profile` in a topology. */
export type NetworkProfileName = keyof typeof NETWORK_PROFILES;

/** The names of `NETWORK_PROFILES`, in their declaration order (the order of lists and of the NAT matrix's rows). */
export const NETWORK_PROFILE_NAMES = Object.keys(NETWORK_PROFILES) as NetworkProfileName[];

/** Whether `name` names one of `NETWORK_PROFILES`: to check a name from the command line or a file before using it. */
export function isNetworkProfileName(name: string): name is NetworkProfileName {
  return Object.hasOwn(NETWORK_PROFILES, name);
}

/** Whether `name` names one of `NAT_PRESETS`: to check a name from the command line or a file before using it. */
export function isNatPresetName(name: string): name is NatPresetName {
  return Object.hasOwn(NAT_PRESETS, name);
}
