/**
 * Layer 2, TURN (RFC 8656): the server as XState machines over the
 * transports of src/sim/transport.ts, with its wiring for the simulated world
 * (server-sim.ts) and for real sockets (server-node.ts, node-only).
 *
 * The TURN client will be exported from here too.
 */

// ---- server ---------------------------------------------------------------------
export {
  CHANNEL_LIFETIME_S,
  DEFAULT_ALLOCATION_LIFETIME_S,
  DEFAULT_ALLOCATION_QUOTA,
  DEFAULT_NONCE_LIFETIME_S,
  DEFAULT_TURN_SOFTWARE,
  MAX_ALLOCATION_LIFETIME_S,
  PERMISSION_LIFETIME_S,
  RESERVATION_LIFETIME_S,
  TurnConfigError,
  grantedLifetime,
  resolveServerConfig,
  type ResolvedServerConfig,
  type TurnServerConfig,
} from './server/config.js';
export { isBindableChannel, type ChannelNumberRange } from './server/channels.js';
export { DEFAULT_DENIED_PEERS, PeerPolicyError, compilePeerPolicy, type PeerPolicy, type PeerPolicySpec, type PeerVerdict } from './server/peer-policy.js';
export { createAuthenticator, type AuthOutcome, type Authenticator, type AuthenticatorOptions, type ResponseCredentials } from './server/auth.js';
export { planAllocate, type AllocatePlan } from './server/allocate.js';
export { dispatch, type AllocationEntry, type ClientMessage, type Dispatch, type DispatchState } from './server/dispatch.js';
export { fiveTupleKey, type ClientLink } from './server/respond.js';
export {
  noRelayBinder,
  relayBinder,
  type BindRelaySocket,
  type RelayBindEvent,
  type RelayBindInput,
  type RelayBinderLogic,
  type RelayBinderOptions,
  type RelayRequest,
} from './server/relay.js';
export { serverAllocations, turnServerMachine, type TurnServerActor, type TurnServerEvent, type TurnServerInput } from './server/machine.js';
export { allocationMachine, type AllocationActor, type AllocationEnded, type AllocationEvent, type AllocationInput } from './server/allocation/machine.js';
export { channelByNumber, channelByPeer, hasPermission, type AllocationState, type ChannelBinding } from './server/allocation/state.js';
export { decideAllocationRequest, type AllocationRequestDecision } from './server/allocation/requests.js';
export { judgeChannelData, judgePeerDatagram, judgeSend, type ToClient, type ToPeer } from './server/allocation/relay.js';
export type { AllocationEndReason, RelayFraming, TurnTrace, TurnTransportKind } from './server/trace.js';
export { TURN_PORT, simRelayBinder, startSimTurnServer, type SimTurnServer, type SimTurnServerOptions } from './server/sim.js';
export { nodeRelayBinder, startNodeTurnServer, type NodeTurnServer, type NodeTurnServerOptions } from './server/node.js';

// ---- client ---------------------------------------------------------------------
export { turnClientMachine, type TurnClientActor, type TurnClientEvent } from './client/machine.js';
export { whenAllocated, endOfClient, startTurnClient, type AllocationResult, type TurnClientRunOptions } from './client/run.js';
export { relayedTransport } from './client/relayed-transport.js';
export { startSimTurnClient, type SimTurnClient, type SimTurnClientOptions } from './client/sim.js';
export { startNodeTurnClient, type NodeTurnClient, type NodeTurnClientOptions } from './client/node.js';
export type {
  RequestFailure,
  TurnAllocation,
  TurnClientCommand,
  TurnClientEnd,
  TurnClientEndKind,
  TurnClientInput,
  TurnClientListener,
  TurnClientNotification,
  TurnClientNotificationSource,
  TurnCredentials,
} from './client/types.js';
export type { TurnClientContext } from './client/context.js';
export type { ChannelEntry, PermissionEntry } from './client/peers.js';
export { buildRequest, judgeOutcome, type ClientAuth, type RequestVerdict, type SignedRequest, type TurnRequestPurpose } from './client/requests.js';
export { CHANNEL_REFRESH_MS, DEFAULT_KEEPALIVE_INTERVAL_MS, PERMISSION_REFRESH_MS, allocationRefreshDelayMs } from './client/timing.js';
export type { TurnClientFraming, TurnClientTrace } from './client/trace.js';
