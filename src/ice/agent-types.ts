/**
 * The ICE agent's public shapes: what it is given, what it can be told,
 * what it tells, and the timing it runs on. The machine is agent.ts.
 */
import type { TransportAddress } from '../io/address.js';
import type { RandomSource } from '../io/random.js';
import type { StunTiming } from '../stun/rto.js';
import type { TurnCredentials } from '../turn/client/types.js';
import type { CandidateType, IceCandidate } from '../wire/ice-candidate.js';
import type { IceConnectionState, IceGatheringState, IceTrace } from './agent-trace.js';
import type { LocalCandidate } from './candidate.js';
import type { IceEnvironment } from './environment.js';
import type { IceRole, RelayProtocol } from './priority.js';

/**
 * A TURN server the ICE agent gathers relayed candidates from (RFC 8445
 * §5.1.1.2, RFC 8656), as an RTCIceServer with a `turn:` URL names one: its
 * address, the transport to it, and the long-term credentials.
 */
export interface IceTurnServer {
  /** The TURN server's transport address. */
  readonly address: TransportAddress;
  /** The transport to the server (RFC 8656 §3.1): a relayed candidate of each. */
  readonly transport: 'udp' | 'tcp';
  /** Username and password for the server's long-term credentials (RFC 8489 §9.2). */
  readonly credentials: TurnCredentials;
}

/**
 * The agent's timers. Where RFC 8445 leaves the value to the agent, the
 * default is libwebrtc's (p2p/base/p2p_constants.h, connection.h).
 */
export interface IceTiming {
  /** RFC 8445 §14.2: Ta, the pacing of checks, default 50 ms (libwebrtc's WEAK_PING_INTERVAL is 48 ms). */
  readonly taMs: number;
  /**
   * A check gives up after this long without a response. RFC 8445 §14.3
   * leaves Rc and Rm to STUN; libwebrtc calls a connection that never
   * answered dead after CONNECTION_WRITE_TIMEOUT, 15 s, and so does this agent
   * (the transaction's deadline; its RTO schedule is RFC 8445 §14.3's).
   */
  readonly checkTimeoutMs: number;
  /** RFC 7675 §5.1: a consent check every 5 s, randomised to 0.8-1.2 of it. */
  readonly consentIntervalMs: number;
  /** RFC 7675 §5.1: consent expires 30 s after the last response: the agent fails. */
  readonly consentTimeoutMs: number;
  /**
   * A consent check unanswered this long makes the agent disconnected:
   * libwebrtc's WEAK_CONNECTION_RECEIVE_TIMEOUT, 2.5 s (connection.h).
   * libwebrtc measures it from the last packet received; the simulated call
   * carries no media, so it is measured from the consent check.
   */
  readonly disconnectedAfterMs: number;
  /**
   * The controlling agent nominates the best valid pair once no better pair
   * can still succeed, or this long after its first valid pair: libwebrtc's
   * switching delay while a connection receives (RECEIVING_SWITCHING_DELAY, 1 s).
   */
  readonly nominationDelayMs: number;
  /**
   * RFC 8863 §4: the PAC timer. The agent does not call itself failed before
   * this long after checks could start (39.5 s, the STUN transaction timeout).
   */
  readonly pacTimeoutMs: number;
  /** The STUN and TURN transactions of gathering: RFC 8489 §6.2 defaults (39.5 s without an answer). */
  readonly gathering: Partial<StunTiming>;
}

/**
 * The agent's timers unless its input's `timing` says otherwise, all in ms:
 * Ta 50, a check given up after 15 s, consent every 5 s and lost after 30 s
 * (RFC 7675), disconnected after 2.5 s without a consent response,
 * nomination 1 s after the first valid pair, the PAC timer 39.5 s (RFC
 * 8863), and RFC 8489's transaction timing for gathering.
 */
export const DEFAULT_ICE_TIMING: IceTiming = {
  taMs: 50,
  checkTimeoutMs: 15_000,
  consentIntervalMs: 5_000,
  consentTimeoutMs: 30_000,
  disconnectedAfterMs: 2_500,
  nominationDelayMs: 1_000,
  pacTimeoutMs: 39_500,
  gathering: {},
};

/**
 * What the ICE agent (RFC 8445) is given: where it runs (its environment of
 * interfaces and sockets), its initial role, the STUN and TURN servers to
 * gather from, and optionally the transport policy, mDNS host candidates,
 * timing (ms), randomness and trace. The input of `iceAgentMachine` and
 * `startIceAgent`.
 */
export interface IceAgentInput {
  /** The host's interfaces, sockets and mDNS: `simIceEnvironment(world.host(id), world.mdns)` or `nodeIceEnvironment(...)`. */
  readonly environment: IceEnvironment;
  /** The role the agent starts in (RFC 8445 §6.1.1: the offerer is controlling); a role conflict may switch it (§7.3.1.1). */
  readonly role: IceRole;
  /** STUN servers (UDP) for server-reflexive candidates. TURN servers over UDP serve as STUN servers too, as in libwebrtc. */
  readonly stunServers?: readonly TransportAddress[];
  /** TURN servers for relayed candidates, one relayed candidate per server and transport. */
  readonly turnServers?: readonly IceTurnServer[];
  /** W3C RTCIceTransportPolicy: 'relay' gathers and checks relayed candidates only. */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** Signal host candidates as mDNS `.local` names, as browsers do; default true (needs `environment.mdns`). */
  readonly mdnsHostCandidates?: boolean;
  /** Fields of `DEFAULT_ICE_TIMING` to change, ms. */
  readonly timing?: Partial<IceTiming>;
  /** ufrag, pwd, tie-breaker, transaction ids, consent jitter: a seeded fork in the simulator. */
  readonly random?: RandomSource;
  /** Where the agent records candidates, checks, pairs and states (a world's trace); none by default. */
  readonly trace?: IceTrace;
  /** Names the agent in the trace (a host id). */
  readonly agent?: string;
}

/** A candidate as the peer signalled it (an RFC 8839 line, with or without `a=`), or parsed. */
export type RemoteCandidateInput = IceCandidate | string;

/**
 * What an app tells the ICE agent (`actor.send(...)`): the peer's
 * credentials, candidates and end-of-candidates as signaling brings them
 * (trickle, RFC 8838), a restart (RFC 8445 §9), and close. A command the
 * agent cannot take is answered with a `refused` event, never thrown.
 */
export type IceAgentCommand =
  | { readonly type: 'remote.credentials'; readonly ufrag: string; readonly pwd: string }
  /** `ufrag`, when given, names the generation the candidate belongs to: one of an older generation is dropped. */
  | { readonly type: 'remote.candidate'; readonly candidate: RemoteCandidateInput; readonly ufrag?: string }
  | { readonly type: 'remote.end-of-candidates'; readonly ufrag?: string }
  /** RFC 8445 §9: new credentials, gathering and checks; the selected pair carries on until a new one is selected. */
  | { readonly type: 'restart' }
  | { readonly type: 'close' };

/** The selected pair, as RTCIceCandidatePair and the matrix describe it. */
export interface SelectedPair {
  readonly id: string;
  readonly local: LocalCandidate;
  readonly remote: IceCandidate;
  readonly localType: CandidateType;
  readonly remoteType: CandidateType;
  /** The candidates' transport. */
  readonly protocol: 'udp' | 'tcp';
  /** For a relayed local candidate: the transport to the TURN server. */
  readonly relayProtocol?: RelayProtocol;
}

/** What the agent tells (`actor.on(type, ...)`). */
export type IceAgentEmitted =
  /** Our ufrag and pwd, at the start and after each restart: signal them. */
  | { readonly type: 'local.credentials'; readonly ufrag: string; readonly pwd: string }
  /** A candidate to signal (trickle, RFC 8838): its line is `candidate:...` (RFC 8839). */
  | { readonly type: 'local.candidate'; readonly candidate: IceCandidate; readonly line: string; readonly ufrag: string }
  | { readonly type: 'local.end-of-candidates'; readonly ufrag: string }
  | { readonly type: 'gathering-state'; readonly state: IceGatheringState }
  | { readonly type: 'connection-state'; readonly state: IceConnectionState }
  | { readonly type: 'selected-pair'; readonly pair: SelectedPair }
  | { readonly type: 'role'; readonly role: IceRole }
  /** A command or remote input the agent refused (principle 5: errors are values). */
  | { readonly type: 'refused'; readonly command: IceAgentCommand['type']; readonly reason: string };
