/**
 * The NAT matrix: every network profile as the offerer against every profile
 * as the answerer, without and with a TURN server. Each cell gets a world of
 * its own (cell-topology.ts), a STUN server and maybe a TURN server started
 * in it, and two ICE agents that try to connect; separately, in another world
 * built from the same topology, the oracle (oracle.ts) says whether they
 * should have.
 *
 * The agents come in through one function, `ConnectCell`, so the runner does
 * not care how they are started; `connectIceAgents` (matrix-agents.ts) is the
 * one that runs ours.
 */
import { SeededRandom, createWorld, type NetworkProfileName, type World } from '../sim/index.js';
import { type TransportAddress } from '../io/index.js';
import { startBindingServer } from '../stun/binding-server.js';
import { startSimTurnServer } from '../turn/server/sim.js';
import type { AgentOutcome, CellServers, ConnectCell } from './cell.js';
import { connectIceAgents } from './matrix-agents.js';
import { ANSWERER, MATRIX_PROFILES, OFFERER, STUN_SERVER, TURN_CREDENTIALS, TURN_ROUTES, TURN_SERVER, cellName, cellTopology, matrixCells, type MatrixCell } from './cell-topology.js';
import { findPath, type OracleVerdict } from './oracle.js';

/** One line of `matrix --json`, its keys in the order. */
export interface MatrixCellResult extends AgentOutcome {
  readonly a: NetworkProfileName;
  readonly b: NetworkProfileName;
  readonly turn: boolean;
}

/**
 * One cell of the NAT matrix, run: the agents' result, the oracle's verdict
 * (when asked), and what it cost (virtual ms, wall ms) with the seed that
 * reproduces it. `agreesWithOracle` judges it.
 */
export interface CellRun {
  readonly cell: MatrixCell;
  readonly result: MatrixCellResult;
  /** Undefined when the run was asked not to consult the oracle. */
  readonly oracle: OracleVerdict | undefined;
  /** The cell world's virtual time when the agents were done. */
  readonly virtualMs: number;
  /** Wall time of the cell: its world and its agents. */
  readonly wallMs: number;
  /** Wall time of the oracle's probes (0 when it was not asked). */
  readonly oracleWallMs: number;
  /** The cell's own seed (derived from the matrix seed and the cell's name). */
  readonly seed: number;
}

/** How `runCell` runs one cell: the matrix seed, the agents that connect, and whether to ask the oracle too. */
export interface CellOptions {
  /** The matrix seed; each cell forks its own from it. Default 1. */
  readonly seed?: number;
  /** Default: our ICE agents. */
  readonly connect?: ConnectCell;
  /** Also ask the oracle (in a world of its own); default true. */
  readonly oracle?: boolean;
}

/**
 * Which matrix to run: the profiles (rows and columns), without and/or with
 * TURN, the matrix seed, who connects the agents (ours by default) and
 * whether the oracle is consulted.
 */
export interface MatrixOptions extends CellOptions {
  /** Rows and columns; default every profile. */
  readonly profiles?: readonly NetworkProfileName[];
  /** Which tables: default [false, true] (without TURN, then with). */
  readonly turn?: readonly boolean[];
}

/** A whole NAT matrix, run (`runMatrix`): every cell in row order, the seed, and the time it took (wall ms, and the cells' virtual ms). `matrixTables` and `matrixJsonLines` print its cells' results. */
export interface MatrixRun {
  readonly seed: number;
  readonly profiles: readonly NetworkProfileName[];
  readonly cells: readonly CellRun[];
  /** Wall time of the whole run: the cells' worlds and agents, and the oracle when asked. */
  readonly wallMs: number;
  /** Of which the oracle's (its probes run in worlds of their own, after each cell). */
  readonly oracleWallMs: number;
  /** The sum of the cells' virtual times. */
  readonly virtualMs: number;
}

/**
 * A cell's seed: forked from the matrix seed by the cell's name, so a cell's
 * world is the same whether it runs alone, in a subset or in the whole matrix.
 */
export function cellSeed(seed: number, cell: MatrixCell): number {
  return new SeededRandom(seed).fork(cellName(cell)).seed;
}

/**
 * The cell's world with its servers running. Trace payloads are off: nobody
 * reads the matrix's packets byte by byte, and hex-encoding every datagram
 * was a good part of a cell's cost.
 */
export function buildCellWorld(cell: MatrixCell, seed: number): { world: World; servers: CellServers } {
  const world = createWorld(cellTopology(cell), { seed, trace: { payloads: false, retain: false } });
  const stunHost = world.host(STUN_SERVER.id);
  const stun = { address: STUN_SERVER.address, port: STUN_SERVER.port };
  startBindingServer({ socket: stunHost.bindUdp({ port: stun.port }), trace: world.trace, agent: STUN_SERVER.id }, { clock: world.clock });
  if (!cell.turn) return { world, servers: { stun } };

  const server = startSimTurnServer(world, TURN_SERVER.id, {
    port: TURN_SERVER.port,
    config: { realm: TURN_CREDENTIALS.realm, users: { [TURN_CREDENTIALS.username]: TURN_CREDENTIALS.password } },
  });
  // TURN over TCP on 443 too: a second listener handing its connections to the same server (RFC 8656 §3.1 allows any port).
  world.host(TURN_SERVER.id).listenTcp({ port: TURN_SERVER.webPort }, (stream) => server.actor.send({ type: 'connection', stream }));
  const turn = {
    routes: TURN_ROUTES.map((route) => ({ transport: route.transport, address: { address: server.address.address, port: route.port } })),
    realm: TURN_CREDENTIALS.realm,
    username: TURN_CREDENTIALS.username,
    password: TURN_CREDENTIALS.password,
  };
  return { world, servers: { stun, turn } };
}

/**
 * Runs one cell: builds its world (the two profiles, a STUN server, maybe a
 * TURN server over UDP 3478 and TCP 443), lets the two agents try to connect
 * until they settle, then, in a world of its own built from the same
 * topology and seed, asks the oracle whether they should have. Synchronous:
 * the cell's world runs on virtual time.
 */
export function runCell(cell: MatrixCell, options: CellOptions = {}): CellRun {
  const start = performance.now();
  const seed = cellSeed(options.seed ?? 1, cell);
  const { world, servers } = buildCellWorld(cell, seed);
  const outcome = (options.connect ?? connectIceAgents)({ cell, world, servers, offerer: OFFERER, answerer: ANSWERER });
  const result: MatrixCellResult = {
    a: cell.a,
    b: cell.b,
    turn: cell.turn,
    connected: outcome.connected,
    local: outcome.local,
    remote: outcome.remote,
    protocol: outcome.protocol,
    ms: outcome.ms,
  };
  const agentsDone = performance.now();
  const oracle = options.oracle === false ? undefined : findPath(cell, { seed });
  return { cell, result, oracle, virtualMs: world.clock.now(), wallMs: agentsDone - start, oracleWallMs: performance.now() - agentsDone, seed };
}

/**
 * Runs the NAT matrix: every profile as offerer against every profile as
 * answerer, without and with TURN by default, each cell in a world of its
 * own with a seed forked from the matrix seed by the cell's name (so a cell
 * gives the same result alone, in a subset, or in the whole matrix).
 *
 * @example
 * const run = runMatrix({ profiles: ['open', 'symmetric'], turn: [false] });
 * for (const line of matrixTables(run.cells.map((c) => c.result), run.profiles)) console.log(line);
 */
export function runMatrix(options: MatrixOptions = {}): MatrixRun {
  const seed = options.seed ?? 1;
  const profiles = options.profiles ?? MATRIX_PROFILES;
  const start = performance.now();
  const cells = matrixCells(profiles, options.turn).map((cell) => runCell(cell, { ...options, seed }));
  const wallMs = performance.now() - start;
  return { seed, profiles, cells, wallMs, oracleWallMs: cells.reduce((sum, c) => sum + c.oracleWallMs, 0), virtualMs: cells.reduce((sum, c) => sum + c.virtualMs, 0) };
}

/**
 * Why the agents and the oracle disagree about a cell, in one sentence, or
 * undefined when they agree. Agreement is two-sided:
 * - the agents connect iff the oracle finds a path;
 * - they connect over a direct pair (host, srflx or prflx on both sides) only
 *   where the oracle finds a direct path, and through a relay only where it
 *   finds none. ICE tries every pair and ranks relayed candidates last
 *   (RFC 8445 §5.1.2.2: type preference 0 for relayed, §6.1.2.3 pair
 *   priority), so agents that settle on a relay although a direct path exists
 *   spend a TURN server's bandwidth for nothing (RFC 8656 §1: "it is best to
 *   use a TURN server only when a direct communication path cannot be
 *   found"): a disagreement as real as a missed path.
 * Without the oracle's verdict (not asked) there is nothing to disagree with.
 */
export function disagreement(run: CellRun): string | undefined {
  const oracle = run.oracle;
  if (oracle === undefined) return undefined;
  const { connected, local, remote } = run.result;
  if (connected && !oracle.path) return `the agents connected (${local}/${remote}) where the oracle finds no path`;
  if (!connected && oracle.path) return `the agents failed where the oracle finds ${oracle.direct !== null ? 'a direct path' : 'a relayed path only'}`;
  if (!connected) return undefined;
  const relayed = local === 'relay' || remote === 'relay';
  if (!relayed && oracle.direct === null) return `the agents connected directly (${local}/${remote}) where the oracle finds no direct path`;
  if (relayed && oracle.direct !== null) {
    const d = oracle.direct;
    return `the agents connected through a relay (${local}/${remote}) where a direct path exists: ${d.from}'s check from ${d.local} to the other's ${d.remoteKind} address ${d.remote} was answered`;
  }
  return undefined;
}

/** The agents did what the oracle says they can (see `disagreement`). */
export function agreesWithOracle(run: CellRun): boolean {
  return disagreement(run) === undefined;
}
