/**
 * What one cell of the matrix is to the agents that run in it: the setting
 * they are given (a world whose servers already run, and who is who) and the
 * outcome they report. The runner (matrix.ts) builds settings and collects
 * outcomes; `connectIceAgents` (matrix-agents.ts) is one `ConnectCell`.
 */
import type { TransportAddress } from '../io/address.js';
import type { World } from '../sim/index.js';
import type { MatrixCell } from './cell-topology.js';

/** A candidate's type (RFC 8445 §5.1.1): host, server-reflexive, peer-reflexive or relayed. */
export type CandidateKind = 'host' | 'srflx' | 'prflx' | 'relay';
/** The transport the offerer's packets on the selected pair leave its host by. */
export type PairProtocol = 'udp' | 'tcp';

/** What the agents made of a cell: the fields of the JSON besides the cell itself. */
export interface AgentOutcome {
  readonly connected: boolean;
  /** The types of the candidates of the offerer's selected pair: its own, the answerer's. */
  readonly local: CandidateKind | null;
  readonly remote: CandidateKind | null;
  /**
   * How the offerer's packets on the selected pair leave its host: the local
   * candidate's transport, or for a relayed candidate the transport to the TURN
   * server (a relayed address over TURN-TCP is `tcp`).
   */
  readonly protocol: PairProtocol | null;
  /** Virtual milliseconds from the start of the cell to the offerer's `connected`. */
  readonly ms: number | null;
}

/** The servers of a cell's world, as the agents are configured with them. */
export interface CellServers {
  readonly stun: TransportAddress;
  readonly turn?: {
    /** The TURN URLs the agents are given (TURN_ROUTES). */
    readonly routes: readonly { readonly transport: 'udp' | 'tcp'; readonly address: TransportAddress }[];
    readonly realm: string;
    readonly username: string;
    readonly password: string;
  };
}

/** Everything a `ConnectCell` gets: a world whose servers already run, and who is who. */
export interface CellSetting {
  readonly cell: MatrixCell;
  readonly world: World;
  readonly servers: CellServers;
  /** Host ids. */
  readonly offerer: string;
  readonly answerer: string;
}

/** Starts two agents in the setting, runs its world until they connected or gave up, and says how it went. */
export type ConnectCell = (setting: CellSetting) => AgentOutcome;
