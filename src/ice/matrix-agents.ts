/**
 * The matrix's `ConnectCell` for our ICE agents. The agent is being built in
 * src/ice/agent*.ts; until it lands this says so instead of pretending.
 */
import type { AgentOutcome, CellSetting } from './matrix.js';

export function connectIceAgents(setting: CellSetting): AgentOutcome {
  throw new Error(`the ICE agent has not landed yet: cannot run cell ${setting.cell.a}→${setting.cell.b}; pass { connect } to run the matrix with another`);
}
