/**
 * rtc-machines/sim: the simulated world (layer 1), for those who build
 * topologies, NATs, firewalls and links of their own or drive hosts' sockets
 * directly. The main entry re-exports the part most apps need (`createWorld`,
 * the profiles, scenarios and the trace); this entry adds the pieces.
 *
 * The IO contract (src/io/index.ts, itself a chosen list) is re-exported
 * whole, since a simulated socket is one of its implementations.
 */
export * from '../io/index.js';
export { createWorld, World, type WorldOptions } from './world.js';
export { ClockError, VirtualClock, WorldIdleError, type RunOptions, type RunResult, type TimerHandle } from './clock.js';
export { SeededRandom } from './random.js';
export { TopologyError, type TopologyIssue, type TopologyIssueCode } from './errors.js';
export { resolveTopology, type TopologyPlan } from './topology.js';
export { INTERNET, type GatewaySpec, type HostSpec, type InterfaceSpec, type LanSpec, type NatBehaviourSpec, type TopologySpec } from './topology-spec.js';
export {
  isNatPresetName,
  isNetworkProfileName,
  NAT_PRESETS,
  NETWORK_PROFILE_NAMES,
  NETWORK_PROFILES,
  type NatPresetName,
  type NetworkProfile,
  type NetworkProfileName,
  type ProfileLayer,
} from './profiles.js';
export {
  DEFAULT_NAT_BEHAVIOUR,
  MAPPING_BEHAVIOURS,
  PORT_ASSIGNMENTS,
  type FilteringBehaviour,
  type MappingBehaviour,
  type NatBehaviour,
  type NatMapping,
  type PortAssignment,
} from './nat.js';
export { NatBox } from './nat-box.js';
export { Firewall, FIREWALL_PRESETS, type FirewallDirection, type FirewallPolicy, type FirewallPresetName, type FirewallRule, type FirewallVerdict } from './firewall.js';
export { DEFAULT_INTERNET_LINK, DEFAULT_LAN_LINK, Link, MIN_MTU, TCP_OVERHEAD, UDP_OVERHEAD, type LinkQuality, type LinkSpec } from './link.js';
export { EPHEMERAL_PORTS, Host, type BindOptions } from './host.js';
export { SimUdpSocket } from './udp.js';
export { CONNECT_TIMEOUT_MS, SimTcpConnection, SimTcpListener, SYN_RETRANSMIT_DELAYS_MS } from './stream.js';
export { MDNS_QUERY_TIMEOUT_MS, MdnsResponders } from './mdns.js';
export type { Attachment, Packet, Realm, Segment, SegmentFlag } from './network.js';
export { isIPv4, parseSubnet, PRIVATE_RANGES, scopeOf, SHARED_ADDRESS_SPACE, subnetContains, type AddressScope, type Subnet } from './address.js';
export { Trace, type DropReason, type Hop, type NetTraceKinds, type TraceKind, type TraceKinds, type TraceListener, type TraceOptions, type TraceRecord, type TraceRecordOf } from './trace.js';
export { parseScenario, runScenario, ScenarioError, type ConnectOutcome, type Destination, type Scenario, type ScenarioRun, type ScriptStep, type SendOutcome } from './scenario.js';
