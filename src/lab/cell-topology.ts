/**
 * The world of one cell of the NAT matrix, as data.
 *
 * A cell is two endpoints and a yes/no for TURN: the offerer `a` (the
 * controlling agent) and the answerer `b`, each on its own LAN behind its own
 * NAT chain of a network profile (`open` is a public address with no NAT), one
 * STUN server and, when `turn`, one TURN server, both on the public internet.
 * The agents' run and the oracle's probes are both built from this one spec, so
 * they see the same network (each in its own world).
 *
 * The profiles are the foundation's NETWORK_PROFILES, every one of them: a new
 * profile there is a new row and column here.
 */
import { NETWORK_PROFILE_NAMES, type NetworkProfileName, type TopologySpec } from '../sim/index.js';

/** Every network profile, in the foundation's order: the matrix's rows and columns. */
export const MATRIX_PROFILES: readonly NetworkProfileName[] = NETWORK_PROFILE_NAMES;

/** The host ids of a cell's world. */
export const OFFERER = 'a';
export const ANSWERER = 'b';
export type Side = typeof OFFERER | typeof ANSWERER;

/** The STUN server: RFC 5737 documentation addresses, as the tests use, and the IANA port (RFC 8489 §18.6). */
export const STUN_SERVER = { id: 'stun', address: '198.51.100.1', port: 3478 } as const;

/**
 * The TURN server listens on 3478 over UDP and TCP (RFC 8656 §3.1) and, as
 * real deployments do, takes TCP on 443 as well: a firewall that lets only the
 * web out (the `web-only` profile) still lets a client reach it there. (Real
 * deployments run TURN over TLS on 443; the simulation has no TLS, and a
 * firewall that filters by port cannot tell the difference.)
 */
export const TURN_SERVER = { id: 'turn', address: '198.51.100.2', port: 3478, webPort: 443 } as const;

export interface TurnRoute {
  readonly transport: 'udp' | 'tcp';
  readonly port: number;
}

/**
 * The TURN URLs the agents are given, `turn:…:3478?transport=udp` and
 * `turn:…:443?transport=tcp`: one relayed candidate each. UDP is the cheap
 * path for everyone who has UDP; TCP on 443 is the one way out of both
 * `udp-blocked` and `web-only` (TCP on 3478 would add a third allocation per
 * agent and no path that 443 lacks here). The oracle probes exactly these.
 */
export const TURN_ROUTES: readonly TurnRoute[] = [
  { transport: 'udp', port: TURN_SERVER.port },
  { transport: 'tcp', port: TURN_SERVER.webPort },
];

/** "udp:3478", "tcp:443". */
export function routeName(route: TurnRoute): string {
  return `${route.transport}:${route.port}`;
}

/** Long-term credentials the agents use with the matrix's TURN server. */
export const TURN_CREDENTIALS = { realm: 'matrix.example', username: 'matrix', password: 'matrix-secret' } as const;

/** One cell of the NAT matrix: the offerer's network profile, the answerer's, and whether a TURN server is there. */
export interface MatrixCell {
  /** The offerer's profile (controlling agent). */
  readonly a: NetworkProfileName;
  /** The answerer's profile (controlled agent). */
  readonly b: NetworkProfileName;
  /** Whether the cell has a TURN server (over UDP 3478 and TCP 443) besides the STUN server. */
  readonly turn: boolean;
}

/** The cell's topology: servers first (fixed addresses), then a and b with their profiles. */
export function cellTopology(cell: MatrixCell): TopologySpec {
  return {
    hosts: [
      { id: STUN_SERVER.id, address: STUN_SERVER.address },
      ...(cell.turn ? [{ id: TURN_SERVER.id, address: TURN_SERVER.address }] : []),
      { id: OFFERER, profile: cell.a },
      { id: ANSWERER, profile: cell.b },
    ],
  };
}

/**
 * Every cell, the table without TURN first, then with; within a table row by
 * row (the offerer's profile), column by column (the answerer's).
 */
export function matrixCells(profiles: readonly NetworkProfileName[] = MATRIX_PROFILES, turns: readonly boolean[] = [false, true]): MatrixCell[] {
  return turns.flatMap((turn) => profiles.flatMap((a) => profiles.map((b) => ({ a, b, turn }))));
}

/** A cell's name, e.g. "symmetric→port-restricted+turn": its label in messages and the label its seed is forked by. */
export function cellName(cell: MatrixCell): string {
  return `${cell.a}→${cell.b}${cell.turn ? '+turn' : ''}`;
}
