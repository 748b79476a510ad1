/**
 * The NAT matrix benchmark: every profile against every profile, without and
 * with TURN, our ICE agents in each cell (the issue's goal: under 2 s of wall
 * time on a 2-core machine), and, timed apart, the oracle over the same cells.
 *
 *     npx tsx bench/matrix.ts
 *
 * The first run is what `npm run matrix` pays (cold: the JIT has seen nothing
 * yet); the best of the following runs is the steady state. The cells run one
 * after another on one thread: worker threads were tried and lose on two cores,
 * each worker paying its own module loading and JIT warm-up again.
 */
import { NETWORK_PROFILE_NAMES, type NetworkProfileName } from '../src/sim/index.js';
import { runMatrix, type ConnectCell, type MatrixRun } from '../src/ice/matrix.js';
import { findPath } from '../src/ice/oracle.js';

export interface MatrixBenchResult {
  readonly name: string;
  /** Wall milliseconds of the first (cold) run of the whole matrix. */
  readonly value: number;
  readonly unit: 'ms';
  readonly detail: string;
  readonly cells: number;
  readonly connected: number;
  /** The cold run. */
  readonly wallMs: number;
  /** The best of the warm runs. */
  readonly warmWallMs: number;
  /** The cells' virtual time, summed. */
  readonly virtualMs: number;
  /** Virtual time per wall time: cold, and warm. */
  readonly speedUp: number;
  readonly warmSpeedUp: number;
  /** Of the cold run: the share of wall time spent in the cells with a TURN server. */
  readonly turnShare: number;
  /** The oracle over the same cells (not part of `wallMs`). */
  readonly oracleWallMs: number;
}

export function benchMatrix(options: { seed?: number; warmRuns?: number; connect?: ConnectCell; profiles?: readonly NetworkProfileName[] } = {}): MatrixBenchResult {
  const seed = options.seed ?? 1;
  const run = (): MatrixRun => runMatrix({ seed, oracle: false, ...(options.connect ? { connect: options.connect } : {}), ...(options.profiles ? { profiles: options.profiles } : {}) });
  const cold = run();
  let warmWallMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < (options.warmRuns ?? 3); i++) warmWallMs = Math.min(warmWallMs, run().wallMs);

  const oracleStart = performance.now();
  for (const c of cold.cells) findPath(c.cell, { seed: c.seed });
  const oracleWallMs = performance.now() - oracleStart;

  const cells = cold.cells.length;
  const connected = cold.cells.filter((c) => c.result.connected).length;
  const turnWall = cold.cells.filter((c) => c.cell.turn).reduce((sum, c) => sum + c.wallMs, 0);
  const speedUp = cold.virtualMs / cold.wallMs;
  const warmSpeedUp = cold.virtualMs / warmWallMs;
  const times = (x: number) => `${Math.round(x).toLocaleString('en-US')}×`;
  return {
    name: `the NAT matrix (${cold.profiles.length}² profiles, without and with TURN)`,
    value: cold.wallMs,
    unit: 'ms',
    detail:
      `${cells} cells (${connected} connected), ${(cold.virtualMs / 1000).toFixed(1)} virtual s; ` +
      `${cold.wallMs.toFixed(0)} ms wall cold (${times(speedUp)} real time), ${warmWallMs.toFixed(0)} ms warm (${times(warmSpeedUp)}); ` +
      `${Math.round((100 * turnWall) / cold.wallMs)}% of it in the cells with TURN; the oracle over the same cells: ${oracleWallMs.toFixed(0)} ms`,
    cells,
    connected,
    wallMs: cold.wallMs,
    warmWallMs,
    virtualMs: cold.virtualMs,
    speedUp,
    warmSpeedUp,
    turnShare: turnWall / cold.wallMs,
    oracleWallMs,
  };
}

/** Issue 5's matrix: the foundation's profiles plus udp-blocked (web-only is ours on top). */
export const ISSUE_MATRIX_PROFILES: readonly NetworkProfileName[] = NETWORK_PROFILE_NAMES.filter((p) => p !== 'web-only');

// Run when executed, not when imported by bench/run.ts: `npx tsx bench/matrix.ts [--all]`, in a
// fresh process, so that the first run is really a cold one.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const r = benchMatrix(process.argv.includes('--all') ? {} : { profiles: ISSUE_MATRIX_PROFILES });
  console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit} on the first run\n    ${r.detail}`);
}
