/**
 * The NAT matrix benchmark: every profile against every profile, without and
 * with TURN, our ICE agents in each cell (the goal: under 2 s of wall
 * time on a 2-core machine), and, reported apart, the oracle over the same
 * cells.
 *
 *     npx tsx bench/matrix.ts
 *
 * The first run is the one `npm run matrix` pays for (cold: the JIT has seen
 * nothing yet); the best of the following ones is the steady state.
 */
import { runMatrix, type ConnectCell } from '../src/ice/matrix.js';
import { matrixCells } from '../src/ice/matrix-topology.js';
import { findPath } from '../src/ice/oracle.js';
import { cellSeed } from '../src/ice/matrix.js';

export interface MatrixBenchResult {
  readonly name: string;
  /** Wall milliseconds of the first (cold) run of the whole matrix. */
  readonly value: number;
  readonly unit: 'ms';
  readonly detail: string;
  readonly cells: number;
  readonly wallMs: number;
  /** The best of the warm runs. */
  readonly warmWallMs: number;
  /** The cells' virtual time, summed. */
  readonly virtualMs: number;
  /** Virtual time per wall time, over the cold run. */
  readonly speedUp: number;
  readonly connected: number;
  /** Wall milliseconds of the oracle over the same cells (not part of `wallMs`). */
  readonly oracleWallMs: number;
}

export function benchMatrix(options: { seed?: number; warmRuns?: number; connect?: ConnectCell } = {}): MatrixBenchResult {
  const seed = options.seed ?? 1;
  const run = () => runMatrix({ seed, oracle: false, ...(options.connect ? { connect: options.connect } : {}) });
  const cold = run();
  let warmWallMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < (options.warmRuns ?? 2); i++) warmWallMs = Math.min(warmWallMs, run().wallMs);

  const oracleStart = performance.now();
  for (const cell of matrixCells(cold.profiles)) findPath(cell, { seed: cellSeed(seed, cell) });
  const oracleWallMs = performance.now() - oracleStart;

  const cells = cold.cells.length;
  const connected = cold.cells.filter((c) => c.result.connected).length;
  const speedUp = cold.virtualMs / cold.wallMs;
  return {
    name: `the NAT matrix (${cold.profiles.length}² profiles × without/with TURN)`,
    value: cold.wallMs,
    unit: 'ms',
    detail:
      `${cells} cells (${connected} connected), ${(cold.virtualMs / 1000).toFixed(1)} virtual s in ${cold.wallMs.toFixed(0)} ms wall cold, ` +
      `${warmWallMs.toFixed(0)} ms warm: ${Math.round(speedUp).toLocaleString('en-US')}× faster than real time; the oracle over the same cells: ${oracleWallMs.toFixed(0)} ms`,
    cells,
    wallMs: cold.wallMs,
    warmWallMs,
    virtualMs: cold.virtualMs,
    speedUp,
    connected,
    oracleWallMs,
  };
}

// Run when executed, not when imported by bench/run.ts.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const r = benchMatrix();
  console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}\n    ${r.detail}`);
}
