/**
 * The `matrix` command: every network profile as the offerer against every
 * profile as the answerer, without and with a TURN server, as two tables, or
 * as JSON Lines (one object per cell, the fields in its order).
 *
 * The table is checked against the oracle (src/lab/oracle.ts), cell by cell:
 * a cell where the agents connected and no path exists, or failed where one
 * does, is flagged and explained, and the command exits 1.
 *
 * Exit codes: 0 done; 1 the agents and the oracle disagree somewhere; 2 the
 * command line is wrong.
 */
import { Option, type Command } from 'commander';
import { agreesWithOracle, runMatrix, type CellRun, type MatrixRun } from '../lab/matrix.js';
import { MATRIX_PROFILES, cellName } from '../lab/cell-topology.js';
import { matrixJsonLines, matrixTables } from '../lab/matrix-table.js';
import type { NetworkProfileName } from '../sim/index.js';
import { action, type CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, argParser, readChoiceList } from './options.js';
import { seedRule } from './simulate.js';

interface MatrixOptions {
  readonly json?: boolean;
  readonly seed: number;
  readonly profiles: readonly NetworkProfileName[];
  readonly oracle: boolean;
}

export function registerMatrix(program: Command, context: CliContext): void {
  program
    .command('matrix')
    .summary('every NAT profile against every other, with and without TURN: which candidate pair ICE selects')
    .description(
      'Every network profile as the offerer (rows) against every one as the answerer (columns), without\n' +
        "and with a TURN server; each cell shows the offerer's selected pair as local/remote candidate types,\n" +
        'or FAIL. Each cell is checked against an oracle that probes the simulated network with plain sockets.',
    )
    .option('--json', 'one JSON object per cell, one a line, instead of the tables: {"a","b","turn","connected","local","remote","protocol","ms"} (the oracle is not run)')
    .addOption(new Option('--seed <n>', 'the matrix seed; same seed, same matrix').argParser(argParser(seedRule)).default(1))
    .addOption(
      new Option('--profiles <list>', `only these profiles, comma-separated (default: all of them: ${MATRIX_PROFILES.join(', ')})`)
        .argParser(argParser((text) => readChoiceList(text, MATRIX_PROFILES)))
        .default(MATRIX_PROFILES, 'all'),
    )
    .option('--no-oracle', "skip the oracle's check (the tables then flag nothing)")
    .action(action(context, (options: MatrixOptions) => matrix(options, context)));
}

function matrix(options: MatrixOptions, { io, seams }: CliContext): number {
  // In the foundation's order, once each, whatever order they were given in.
  const profiles = MATRIX_PROFILES.filter((p) => options.profiles.includes(p));
  const oracle = options.oracle && options.json !== true;
  const run = runMatrix({ seed: options.seed, profiles, oracle, ...(seams.connect ? { connect: seams.connect } : {}) });
  const results = run.cells.map((c) => c.result);
  if (options.json === true) {
    io.out(matrixJsonLines(results).join('\n'));
    return EXIT_OK;
  }
  const disagreements = run.cells.filter((c) => !agreesWithOracle(c));
  const flagged = new Set(disagreements.map((c) => c.result));
  io.out(
    [
      headline(run, oracle),
      '',
      ...matrixTables(results, run.profiles, oracle ? { flagged: (r) => flagged.has(r) } : {}),
      ...(oracle ? ['', ...oracleSummary(run.cells, disagreements)] : []),
    ].join('\n'),
  );
  return disagreements.length > 0 ? EXIT_FAILED : EXIT_OK;
}

/** What ran, and how fast: the agents' cells, and the oracle apart (it is a check, not the simulation). */
function headline(run: MatrixRun, oracle: boolean): string {
  const agentsMs = Math.max(1, run.wallMs - run.oracleWallMs);
  const speed = `${Math.round(run.virtualMs / agentsMs).toLocaleString('en-US')}× real time`;
  const oracleNote = oracle ? `; the oracle's probes in ${formatMs(run.oracleWallMs)} more` : '';
  return `NAT matrix, seed ${run.seed}: ${run.cells.length} cells, ${formatMs(run.virtualMs)} of virtual time in ${formatMs(agentsMs)} of wall time (${speed})${oracleNote}`;
}

function oracleSummary(cells: readonly CellRun[], disagreements: readonly CellRun[]): string[] {
  if (disagreements.length === 0) {
    return [`The oracle agrees with all ${cells.length} cells: the agents connected exactly where the oracle found a path, and over a direct (non-relay) pair only where it found a direct one.`];
  }
  return [
    `The oracle disagrees with ${disagreements.length} of ${cells.length} cells:`,
    ...disagreements.map((c) => {
      const said = c.result.connected ? `connected (${c.result.local}/${c.result.remote})` : 'failed';
      return `  ${cellName(c.cell)}: the agents ${said}; oracle: ${c.oracle?.explanation ?? 'not asked'}`;
    }),
  ];
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
