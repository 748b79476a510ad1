/**
 * The `matrix` command: every network profile as the offerer against every
 * profile as the answerer, without and with a TURN server, as two tables, or
 * as JSON Lines (one object per cell, the fields in its order).
 *
 * The table is checked against the oracle (src/ice/oracle.ts), cell by cell:
 * a cell where the agents connected and no path exists, or failed where one
 * does, is flagged and explained, and the command exits 1.
 *
 * Exit codes: 0 done; 1 the agents and the oracle disagree somewhere; 2 the
 * command line is wrong.
 */
import { parseArgs } from 'node:util';
import { agreesWithOracle, runMatrix, type CellRun, type MatrixRun } from '../lab/matrix.js';
import { type ConnectCell } from '../lab/cell.js';
import { MATRIX_PROFILES, cellName } from '../lab/cell-topology.js';
import { matrixJsonLines, matrixTables } from '../lab/matrix-table.js';
import { isNetworkProfileName, type NetworkProfileName } from '../sim/index.js';

export const MATRIX_HELP = `Usage: npm run rtc -- matrix [options]        (short: npm run matrix)

  Every network profile as the offerer (rows) against every one as the answerer
  (columns), without and with a TURN server; each cell shows the offerer's
  selected pair as local/remote candidate types, or FAIL. Each cell is checked
  against an oracle that probes the simulated network with plain sockets.

      --json            one JSON object per cell instead of the tables:
                        {"a","b","turn","connected","local","remote","protocol","ms"}
      --seed N          the matrix seed (default 1); same seed, same matrix
      --profiles LIST   only these profiles, comma-separated (default: all of them:
                        ${MATRIX_PROFILES.join(', ')})
      --no-oracle       skip the oracle's check (the tables then flag nothing)`;

type Out = (text: string) => void;

class UsageError extends Error {}

export interface MatrixCommandOptions {
  /** The agents to run; ours by default (tests plug in others). */
  readonly connect?: ConnectCell;
}

export async function matrixCommand(args: readonly string[], out: Out, err: Out, options: MatrixCommandOptions = {}): Promise<number> {
  let parsed: { json: boolean; seed: number; profiles: readonly NetworkProfileName[]; oracle: boolean } | 'help';
  try {
    parsed = parse(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`rtc-machines matrix: ${e.message}\n\n${MATRIX_HELP}`);
    return 2;
  }
  if (parsed === 'help') {
    out(MATRIX_HELP);
    return 0;
  }
  const run = runMatrix({ seed: parsed.seed, profiles: parsed.profiles, oracle: parsed.oracle && !parsed.json, ...(options.connect ? { connect: options.connect } : {}) });
  const results = run.cells.map((c) => c.result);
  if (parsed.json) {
    out(matrixJsonLines(results).join('\n'));
    return 0;
  }
  const disagreements = run.cells.filter((c) => !agreesWithOracle(c));
  const flagged = new Set(disagreements.map((c) => c.result));
  out(
    [
      headline(run, parsed.oracle),
      '',
      ...matrixTables(results, run.profiles, parsed.oracle ? { flagged: (r) => flagged.has(r) } : {}),
      ...(parsed.oracle ? ['', ...oracleSummary(run.cells, disagreements)] : []),
    ].join('\n'),
  );
  return disagreements.length > 0 ? 1 : 0;
}

/** What ran, and how fast: the agents' cells, and the oracle apart (it is a check, not the simulation). */
function headline(run: MatrixRun, oracle: boolean): string {
  const agentsMs = run.wallMs - run.oracleWallMs;
  const speed = `${Math.round(run.virtualMs / agentsMs).toLocaleString('en-US')}× real time`;
  const oracleNote = oracle ? `; the oracle's probes in ${formatMs(run.oracleWallMs)} more` : '';
  return `NAT matrix, seed ${run.seed}: ${run.cells.length} cells, ${formatMs(run.virtualMs)} of virtual time in ${formatMs(agentsMs)} of wall time (${speed})${oracleNote}`;
}

function oracleSummary(cells: readonly CellRun[], disagreements: readonly CellRun[]): string[] {
  if (disagreements.length === 0) return [`The oracle agrees with all ${cells.length} cells: the agents connected exactly where a path exists, over a relay where only a relay exists.`];
  return [
    `The oracle disagrees with ${disagreements.length} of ${cells.length} cells:`,
    ...disagreements.map((c) => {
      const said = c.result.connected ? `connected (${c.result.local}/${c.result.remote})` : 'failed';
      return `  ${cellName(c.cell)}: the agents ${said}; oracle: ${c.oracle?.explanation ?? 'not asked'}`;
    }),
  ];
}

function parse(args: readonly string[]): { json: boolean; seed: number; profiles: readonly NetworkProfileName[]; oracle: boolean } | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean' },
        seed: { type: 'string' },
        profiles: { type: 'string' },
        'no-oracle': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (values.seed !== undefined && (values.seed.trim() === '' || !Number.isSafeInteger(seed))) throw new UsageError(`--seed must be an integer, got ${JSON.stringify(values.seed)}`);
  let profiles: readonly NetworkProfileName[] = MATRIX_PROFILES;
  if (values.profiles !== undefined) {
    const names = values.profiles.split(',').map((n) => n.trim());
    const unknown = names.filter((n) => !isNetworkProfileName(n));
    if (names.length === 0 || unknown.length > 0 || names.includes('')) {
      throw new UsageError(`--profiles: unknown profile ${JSON.stringify(unknown[0] ?? '')}; known: ${MATRIX_PROFILES.join(', ')}`);
    }
    // In the foundation's order, once each, whatever order they were given in.
    profiles = MATRIX_PROFILES.filter((p) => names.includes(p));
  }
  return { json: values.json === true, seed, profiles, oracle: values['no-oracle'] !== true };
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
