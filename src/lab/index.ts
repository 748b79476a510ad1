/**
 * Layer 7, the lab: experiments over the protocol. The NAT matrix (ICE between
 * every pair of network profiles, with and without TURN), the oracle that
 * says from the topology alone which cells can connect and how, and their
 * tables. Exported as `rtc-machines/lab`.
 */
export { runMatrix, runCell, agreesWithOracle, disagreement, type MatrixRun, type CellRun, type CellOptions, type MatrixCellResult, type MatrixOptions } from './matrix.js';
export type { AgentOutcome, CandidateKind, CellServers, CellSetting, ConnectCell, PairProtocol } from './cell.js';
export { connectIceAgents } from './matrix-agents.js';
export { findPath, findPathIn, type OracleVerdict } from './oracle.js';
export { MATRIX_PROFILES, matrixCells, cellTopology, type MatrixCell } from './cell-topology.js';
export { matrixTables, matrixJsonLines } from './matrix-table.js';
