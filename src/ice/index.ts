/**
 * Layer 3, ICE: the pure foundation the agent machines stand on. Nothing here
 * knows XState, a clock or a socket.
 *
 * - address.ts: IP family, link-local, canonical transport addresses, libwebrtc's address precedence;
 * - candidate.ts: local candidates (with base and server), redundant candidates (RFC 8445 §5.1.3);
 * - priority.ts: candidate priorities (§5.1.2) as libwebrtc chooses them, PRIORITY of checks (§7.1.1), pair priority (§6.1.2.3);
 * - foundation.ts: foundations (§5.1.1.3);
 * - pairing.ts: forming, ordering, pruning and limiting pairs (§6.1.2.2-§6.1.2.5, RFC 6544 §6.2);
 * - checklist.ts: check lists, their states, the triggered-check queue, the valid list and nomination (§6.1.2.6-§8.1.2);
 * - trickle.ts: check lists that grow as candidates trickle in (RFC 8838).
 *
 * Candidate lines themselves (RFC 8839) are the wire's: src/wire/ice-candidate.ts.
 */

export { addressPrecedence, canonicalAddress, isIPv6LinkLocal, transportAddressKey } from './address.js';
export {
  baseKey,
  candidateAddressKey,
  eliminateRedundantCandidates,
  findLocalCandidate,
  isOwnBase,
  isRedundantWith,
  type LocalCandidate,
} from './candidate.js';
export {
  LIBWEBRTC_TYPE_PREFERENCE,
  MAX_TURN_SERVERS,
  RFC_TYPE_PREFERENCE,
  candidatePriority,
  libwebrtcPriority,
  localPreference,
  pairPriority,
  pairPriorityFor,
  peerReflexivePriority,
  priorityParts,
  typePreference,
  type IceRole,
  type LocalPreferenceInputs,
  type PriorityInputs,
  type RelayProtocol,
} from './priority.js';
export { computeFoundation, foundationKey, remotePeerReflexiveFoundation, type FoundationInputs } from './foundation.js';
export {
  DEFAULT_MAX_PAIRS,
  canPair,
  comparePairs,
  formPairs,
  limitPairs,
  makePair,
  pairId,
  withRole,
  type CandidatePair,
  type PairState,
} from './pairing.js';
export {
  changeRole,
  retrigger,
  checkFailed,
  checkSucceeded,
  formCheckListSet,
  hasNomination,
  iceState,
  nextCheck,
  nominate,
  requestReceived,
  selectedPair,
  setInitialStates,
  streamComponents,
  type CheckList,
  type CheckListOptions,
  type CheckListSet,
  type CheckListState,
  type CheckListUpdate,
  type DataStream,
  type ScheduledCheck,
  type ValidPair,
} from './checklist.js';
export { addCandidates, endOfCandidates } from './trickle.js';

// ---- the agent (XState machines over the pure modules above) ---------------------------------
export { iceAgentMachine, startIceAgent, type IceAgentActor, type IceAgentEvent, type IceAgentMachineInput, type IceAgentRunOptions } from './agent.js';
export {
  DEFAULT_ICE_TIMING,
  type IceAgentCommand,
  type IceAgentEmitted,
  type IceAgentInput,
  type IceTiming,
  type IceTurnServer,
  type RemoteCandidateInput,
  type SelectedPair,
} from './agent-types.js';
export type { IceConnectionState, IceGatheringState, IceTrace } from './agent-trace.js';
export type { AgentContext as IceAgentContext, Generation as IceGeneration, Selected as IceSelected, Base as IceBase } from './agent-context.js';
export { simIceEnvironment, type IceEnvironment, type IceMdns } from './environment.js';
export { nodeIceEnvironment, type NodeIceEnvironmentOptions } from './environment-node.js';
export { ICE_PWD_LENGTH, ICE_UFRAG_LENGTH, credentialsProblem, generateCredentials, generateTieBreaker, iceChars, type IceCredentials } from './credentials.js';
export { buildCheckRequest, type CheckRequest, type CheckRequestInputs } from './check-request.js';
export { judgeRequest, type AnswerContext, type RequestJudgement } from './answer.js';
export { connectionStateOf } from './states.js';
export { awaitCall, connectAgents, runCall, type AgentLink, type CallResult, type ConnectOptions, type SignalingWorld } from './connect.js';
