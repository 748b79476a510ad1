/**
 * The ICE agent's records in the one trace (ARCHITECTURE.md, principle 4).
 *
 * Every STUN exchange the agent makes is already traced by the transaction
 * that carries it (`stun.request`, `stun.retransmit`, `stun.response`,
 * `stun.timeout`, with the agent's label), and every TURN step by the TURN
 * client (`turn.client.*`). These records say what those cannot: what a
 * packet meant to ICE. A candidate gathered, learned or dropped; a pair
 * changing state; a check sent, answered, failed, or refused with 487; a
 * nomination; the selected pair; the W3C states; consent; a restart.
 *
 * Fields are plain JSON: addresses as "ip:port", pair priorities (beyond
 * 2^53) as decimal text, pairs by the id pairing.ts gives them.
 */
import type { Trace } from '../sim/trace.js';
import type { CandidateType } from '../wire/ice-candidate.js';
import type { PairState } from './pairing.js';
import type { IceRole } from './priority.js';

/** The W3C `RTCIceGatheringState` (webrtc-pc §5.6). */
export type IceGatheringState = 'new' | 'gathering' | 'complete';

/** The W3C `RTCIceConnectionState` (webrtc-pc §4.3.3, from the RTCIceTransportStates of §5.6). */
export type IceConnectionState = 'new' | 'checking' | 'connected' | 'completed' | 'failed' | 'disconnected' | 'closed';

interface AgentFields {
  /** The agent's label (a host id in the simulator). */
  readonly agent: string;
}

interface CandidateFields {
  readonly type: CandidateType;
  readonly transport: 'udp' | 'tcp';
  /** "ip:port" (for a remote `.local` candidate, the name until it is resolved). */
  readonly address: string;
  readonly priority: number;
  readonly foundation: string;
}

declare module '../sim/trace.js' {
  interface TraceKinds {
    /** Gathering moved on (RTCIceGatheringState). */
    'ice.gathering': AgentFields & { readonly state: IceGatheringState; readonly generation: number };
    /**
     * A candidate: one of ours gathered (and signalled as `signalled`, a
     * `.local` name for an mDNS host candidate), dropped as redundant
     * (RFC 8445 §5.1.3), learned as peer-reflexive (§7.2.5.3.1); or one of the
     * peer's added, resolved, learned as peer-reflexive (§7.3.1.3) or dropped.
     */
    'ice.candidate': AgentFields &
      CandidateFields & {
        readonly side: 'local' | 'remote';
        readonly event: 'gathered' | 'redundant' | 'prflx' | 'added' | 'resolved' | 'unresolved' | 'dropped';
        /** The base "ip:port" of a local candidate. */
        readonly base?: string;
        /** The STUN or TURN server a srflx or relay candidate came from. */
        readonly server?: string;
        readonly relayProtocol?: string;
        /** The candidate as the agent signals it (RFC 8839 line), for local candidates that are signalled. */
        readonly signalled?: string;
        readonly reason?: string;
      };
    /** A pair entered a state of the check list (RFC 8445 §6.1.2.6), became valid (§7.2.5.3.2), or left the list (§8.1.2). */
    'ice.pair': AgentFields & {
      readonly pair: string;
      readonly state: PairState | 'valid' | 'removed';
      readonly local: CandidateType;
      readonly remote: CandidateType;
      /** RFC 8445 §6.1.2.3, decimal. */
      readonly priority: string;
    };
    /** A connectivity check (RFC 8445 §7.2.4): sent, or how it ended. The STUN records of its transaction carry the same `transaction`. */
    'ice.check': AgentFields & {
      readonly pair: string;
      readonly event: 'sent' | 'succeeded' | 'failed' | 'cancelled' | 'role-conflict';
      readonly transaction?: string;
      readonly triggered?: boolean;
      readonly useCandidate?: boolean;
      /** RFC 8445 §14.3: the RTO this check's transaction retransmits with. */
      readonly rtoMs?: number;
      /** A success response's XOR-MAPPED-ADDRESS, "ip:port". */
      readonly mapped?: string;
      readonly reason?: string;
    };
    /** A Binding request the agent received on one of its bases, and what it answered (RFC 8445 §7.3). */
    'ice.answer': AgentFields & {
      readonly from: string;
      /** The base it arrived on (for a relayed base, the relayed address). */
      readonly to: string;
      readonly event: 'answered' | 'rejected' | 'role-conflict' | 'ignored';
      readonly transaction?: string;
      readonly code?: number;
      readonly useCandidate?: boolean;
      readonly reason?: string;
    };
    /** The controlling agent nominates a valid pair (RFC 8445 §8.1.1); either agent learns the nomination succeeded. */
    'ice.nomination': AgentFields & { readonly pair: string; readonly event: 'nominating' | 'nominated' };
    /** The selected pair (RFC 8445 §8.1.1; RTCIceTransport.getSelectedCandidatePair()). */
    'ice.selected': AgentFields & {
      readonly pair: string;
      readonly local: string;
      readonly remote: string;
      readonly localType: CandidateType;
      readonly remoteType: CandidateType;
      readonly protocol: 'udp' | 'tcp';
      readonly relayProtocol?: string;
    };
    /** RTCIceConnectionState changed. */
    'ice.state': AgentFields & { readonly state: IceConnectionState; readonly previous: IceConnectionState; readonly reason?: string };
    /** The agent changed role (RFC 8445 §7.3.1.1 on a request, §7.2.5.1 on a 487). */
    'ice.role': AgentFields & { readonly role: IceRole; readonly previous: IceRole; readonly why: string };
    /** Consent freshness on the selected pair (RFC 7675). */
    'ice.consent': AgentFields & {
      readonly pair: string;
      readonly event: 'check' | 'fresh' | 'stale' | 'expired';
      readonly transaction?: string;
    };
    /** A signaling message between two agents, as `connectAgents` delivers it (sent, then delivered after the signaling delay). */
    'ice.signal': {
      readonly from: string;
      readonly to: string;
      readonly event: 'sent' | 'delivered';
      readonly message: 'credentials' | 'candidate' | 'end-of-candidates';
      readonly ufrag: string;
      readonly candidate?: string;
    };
    /** An ICE restart (RFC 8445 §9): new credentials, new gathering and checks. */
    'ice.restart': AgentFields & { readonly generation: number; readonly ufrag: string; readonly why: string };
  }
}

/** What the agent needs of a trace: the simulator's `Trace`, or anything with its `record`. */
/** Where the agent writes; `wanted` false (a trace that keeps nothing and has no listeners) lets it skip building records. */
export type IceTrace = Pick<Trace, 'record'> & { readonly wanted?: boolean };
