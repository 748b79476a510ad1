/**
 * rtc-machines: what an app imports (ARCHITECTURE.md, "Public surface").
 *
 * Every name here is chosen, not swept in: the IO contract every world
 * implements, the simulated world and its scenarios, the STUN and TURN
 * servers and clients, the ICE agent, their machines with their command and
 * event types, the trace, narration and pcap. The rest lives behind subpaths
 * (`rtc-machines/sim` for the whole simulator, `rtc-machines/wire` for the
 * byte codecs, `rtc-machines/lab` for the NAT matrix and its oracle,
 * `rtc-machines/node` for real sockets) or stays internal, so that it can
 * change without breaking anyone.
 *
 * Nothing this entry's types name needs Node's types: an app type-checks
 * against it without `@types/node`.
 */

// ---- layer 0: the IO contract --------------------------------------------------------------
export {
  AddressError,
  addressFamily,
  cryptoRandom,
  formatAddress,
  parseTransportAddress,
  realClock,
  sameAddress,
  TransportError,
  type AddressFamily,
  type Clock,
  type DatagramTransport,
  type Protocol,
  type RandomSource,
  type StreamState,
  type StreamTransport,
  type TransportAddress,
  type TransportErrorCode,
} from './io/index.js';

// ---- layer 1: the simulated world, its scenarios and its trace ------------------------------
export { createWorld, World, type WorldOptions } from './sim/world.js';
export type { Host } from './sim/host.js';
export type { VirtualClock } from './sim/clock.js';
export type { SeededRandom } from './sim/random.js';
export { TopologyError, type TopologyIssue, type TopologyIssueCode } from './sim/errors.js';
export type { GatewaySpec, HostSpec, InterfaceSpec, LanSpec, TopologySpec } from './sim/topology-spec.js';
export type { LinkSpec } from './sim/link.js';
export { NETWORK_PROFILE_NAMES, NETWORK_PROFILES, type NetworkProfile, type NetworkProfileName } from './sim/profiles.js';
export { parseScenario, runScenario, ScenarioError, type Scenario, type ScenarioRun, type ScriptStep } from './sim/scenario.js';
export { Trace, type DropReason, type Hop, type TraceKind, type TraceKinds, type TraceListener, type TraceRecord, type TraceRecordOf } from './sim/trace.js';

// ---- layer 2: STUN -------------------------------------------------------------------------
export {
  startBindingServer,
  stunBindingServerMachine,
  type BindingServerEvent,
  type BindingServerInput,
  type BindingServerStartOptions,
  type StunBindingServerActor,
} from './stun/binding-server.js';
export { bindingRequest, mappedAddress, runStunTransaction, startStunTransaction, type BindingRequestOptions, type StunRunOptions } from './stun/client.js';
export {
  stunTransactionMachine,
  type StunRequest,
  type StunTransactionActor,
  type StunTransactionInput,
  type StunTransactionOutcome,
} from './stun/transaction.js';
export { DEFAULT_STUN_TIMING, StunTimingError, type StunTiming } from './stun/rto.js';
export { datagramFlow, streamFlow, type StunFlow } from './stun/flow.js';

// ---- layer 2: TURN -------------------------------------------------------------------------
export { TURN_PORT, startSimTurnServer, type SimTurnServer, type SimTurnServerOptions } from './turn/server/sim.js';
export { serverAllocations, turnServerMachine, type TurnServerActor, type TurnServerEvent, type TurnServerInput } from './turn/server/machine.js';
export { TurnConfigError, type TurnServerConfig } from './turn/server/config.js';
export { PeerPolicyError, type PeerPolicySpec } from './turn/server/peer-policy.js';
export { startSimTurnClient, type SimTurnClient, type SimTurnClientOptions } from './turn/client/sim.js';
export { endOfClient, startTurnClient, whenAllocated, type AllocationResult, type TurnClientRunOptions } from './turn/client/run.js';
export { turnClientMachine, type TurnClientActor, type TurnClientEvent } from './turn/client/machine.js';
export { relayedTransport } from './turn/client/relayed-transport.js';
export type {
  TurnAllocation,
  TurnClientCommand,
  TurnClientEnd,
  TurnClientEndKind,
  TurnClientInput,
  TurnClientListener,
  TurnClientNotification,
  TurnCredentials,
} from './turn/client/types.js';

// ---- layer 3: ICE --------------------------------------------------------------------------
export { iceAgentMachine, startIceAgent, type IceAgentActor, type IceAgentEvent, type IceAgentRunOptions } from './ice/agent.js';
export {
  DEFAULT_ICE_TIMING,
  type IceAgentCommand,
  type IceAgentEmitted,
  type IceAgentInput,
  type IceTiming,
  type IceTurnServer,
  type RemoteCandidateInput,
  type SelectedPair,
} from './ice/agent-types.js';
export type { IceConnectionState, IceGatheringState } from './ice/agent-trace.js';
export type { IceRole } from './ice/priority.js';
export type { IceCredentials } from './ice/credentials.js';
export { simIceEnvironment, type IceEnvironment, type IceMdns } from './ice/environment.js';
export { awaitCall, connectAgents, runCall, type AgentLink, type CallResult, type ConnectOptions } from './ice/connect.js';
export type { IceCandidate } from './wire/ice-candidate.js';

// ---- layer 7: narration and pcap -----------------------------------------------------------
export { journey, narrate, narrateRecord, type NarrationOptions } from './inspect/narrate.js';
export { PCAP_EPOCH_SECONDS, pcapFromTrace, type PcapOptions } from './inspect/pcap.js';
export { summarize, summaryTable } from './inspect/summary.js';
