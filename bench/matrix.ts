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
 *
 * One cold run is one sample of a noisy figure (the JIT's background compiler
 * shares the second core with whatever else runs), so `--fresh N` runs the
 * matrix once in each of N fresh processes and reports their median and range:
 *
 *     npx tsx bench/matrix.ts --fresh 9
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NETWORK_PROFILE_NAMES, type NetworkProfileName } from '../src/sim/index.js';
import { runMatrix, type MatrixRun } from '../src/lab/matrix.js';
import { type ConnectCell } from '../src/lab/cell.js';
import { findPath } from '../src/lab/oracle.js';

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

export interface FreshRunsResult {
  readonly name: string;
  /** The cold runs' wall milliseconds, one per fresh process, sorted. */
  readonly coldMs: readonly number[];
  readonly medianMs: number;
  readonly virtualMs: number;
  readonly detail: string;
}

/**
 * The matrix once in each of `runs` fresh processes (this file with `--cold-json`,
 * under the same Node options, so tsx too): the first-run figure as a
 * distribution rather than one sample.
 */
export function benchMatrixFresh(runs: number, options: { all?: boolean } = {}): FreshRunsResult {
  const script = fileURLToPath(import.meta.url);
  const samples: { wallMs: number; virtualMs: number; cells: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, script, '--cold-json', ...(options.all ? ['--all'] : [])], { encoding: 'utf8' });
    samples.push(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
  }
  const coldMs = samples.map((x) => x.wallMs).sort((a, b) => a - b);
  const medianMs = coldMs[Math.floor((coldMs.length - 1) / 2)] ?? Number.NaN;
  const virtualMs = samples[0]?.virtualMs ?? 0;
  const cells = samples[0]?.cells ?? 0;
  const ms = (x: number | undefined) => `${Math.round(x ?? Number.NaN).toLocaleString('en-US')} ms`;
  return {
    name: `the NAT matrix, first run in each of ${runs} fresh processes (${cells} cells${options.all ? ', every profile' : ''})`,
    coldMs,
    medianMs,
    virtualMs,
    detail: `median ${ms(medianMs)} (${Math.round(virtualMs / medianMs).toLocaleString('en-US')}× real time), fastest ${ms(coldMs[0])}, slowest ${ms(coldMs[coldMs.length - 1])}; all: ${coldMs.map((x) => Math.round(x)).join(', ')}`,
  };
}

// Run when executed, not when imported by bench/run.ts: `npx tsx bench/matrix.ts [--all] [--fresh N]`,
// in a fresh process, so that the first run is really a cold one.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const all = process.argv.includes('--all');
  const profiles = all ? {} : { profiles: ISSUE_MATRIX_PROFILES };
  const freshAt = process.argv.indexOf('--fresh');
  if (process.argv.includes('--cold-json')) {
    // One sample for benchMatrixFresh: the first run only, as JSON on the last line.
    const run = runMatrix({ seed: 1, oracle: false, ...profiles });
    console.log(JSON.stringify({ wallMs: run.wallMs, virtualMs: run.virtualMs, cells: run.cells.length }));
  } else if (freshAt >= 0) {
    const r = benchMatrixFresh(Number(process.argv[freshAt + 1] ?? 5), { all });
    console.log(`${r.name}\n    ${r.detail}`);
  } else {
    const r = benchMatrix(profiles);
    console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit} on the first run\n    ${r.detail}`);
  }
}
