/**
 * The NAT matrix for people and for programs: a table per TURN setting (rows
 * the offerer's profile, columns the answerer's, each cell the offerer's
 * selected pair as `local/remote` candidate types, or FAIL), and JSON Lines
 * with exactly the fields the issue lists, in its order.
 */
import type { MatrixCellResult } from './matrix.js';
import type { NetworkProfileName } from '../sim/index.js';

/** Marks a pair whose packets leave the offerer over TCP (TURN over TCP): `relay/relay*`. */
export const TCP_MARK = '*';
/** Marks a cell where the agents and the oracle disagree. */
export const DISAGREE_MARK = '!';
/** Stands for a candidate type the agent did not report. */
export const UNKNOWN_KIND = '?';

/** `srflx/prflx`, `relay/srflx*` (over TCP), or `FAIL`. */
export function cellLabel(result: Pick<MatrixCellResult, 'connected' | 'local' | 'remote' | 'protocol'>): string {
  if (!result.connected) return 'FAIL';
  return `${result.local ?? UNKNOWN_KIND}/${result.remote ?? UNKNOWN_KIND}${result.protocol === 'tcp' ? TCP_MARK : ''}`;
}

export interface TableOptions {
  /** Cells to flag with `!` (the agents and the oracle disagree there). */
  readonly flagged?: (result: MatrixCellResult) => boolean;
}

/**
 * One table: the results with `turn` equal to the given value, laid out by the
 * given profiles. Long column names wrap at their hyphens, so a column is as
 * wide as its widest cell, not as its name.
 */
export function matrixTable(results: readonly MatrixCellResult[], profiles: readonly NetworkProfileName[], turn: boolean, options: TableOptions = {}): string[] {
  const byCell = new Map<string, MatrixCellResult>(results.filter((r) => r.turn === turn).map((r) => [`${r.a}|${r.b}`, r]));
  const label = (a: string, b: string) => {
    const r = byCell.get(`${a}|${b}`);
    if (r === undefined) return '';
    return `${cellLabel(r)}${options.flagged?.(r) ? DISAGREE_MARK : ''}`;
  };
  const cells = profiles.map((a) => profiles.map((b) => label(a, b)));
  const widths = profiles.map((b, j) => Math.max(...cells.map((row) => row[j]!.length), ...wrapName(b, 1).map((l) => l.length)));
  const headers = profiles.map((b, j) => wrapName(b, Math.max(widths[j]!, 8)));
  const colWidths = profiles.map((_, j) => Math.max(widths[j]!, ...headers[j]!.map((l) => l.length)));
  const rowWidth = Math.max('offerer \\ answerer'.length, ...profiles.map((p) => p.length));
  const headerLines = Math.max(...headers.map((h) => h.length));

  const lines: string[] = [];
  for (let i = 0; i < headerLines; i++) {
    const first = i === headerLines - 1 ? 'offerer \\ answerer' : '';
    lines.push([first.padEnd(rowWidth), ...headers.map((h, j) => (h[i - (headerLines - h.length)] ?? '').padEnd(colWidths[j]!))].join('  ').trimEnd());
  }
  lines.push(['-'.repeat(rowWidth), ...colWidths.map((w) => '-'.repeat(w))].join('  '));
  profiles.forEach((a, i) => lines.push([a.padEnd(rowWidth), ...cells[i]!.map((c, j) => c.padEnd(colWidths[j]!))].join('  ').trimEnd()));
  return lines;
}

/** Both tables with their titles and, under them, a legend of every word and mark they can show. */
export function matrixTables(results: readonly MatrixCellResult[], profiles: readonly NetworkProfileName[], options: TableOptions = {}): string[] {
  const lines: string[] = [];
  for (const turn of [false, true]) {
    if (!results.some((r) => r.turn === turn)) continue;
    if (lines.length > 0) lines.push('');
    lines.push(turn ? 'With a TURN server (UDP on 3478, TCP on 443):' : 'Without TURN (a STUN server only):', '');
    lines.push(...matrixTable(results, profiles, turn, options));
  }
  lines.push('', ...matrixLegend(results, options));
  return lines;
}

/**
 * What the tables mean: rows, columns, the four candidate types of RFC 8445
 * §5.1.1 and §7.2.5.3.1 (every one can appear in a cell), FAIL, and each mark
 * the given results put in a cell (`*`, `!`, `?`), so nothing printed is left
 * unexplained and nothing explained is absent.
 */
export function matrixLegend(results: readonly MatrixCellResult[], options: TableOptions = {}): string[] {
  const connected = results.filter((r) => r.connected);
  const marks: string[] = [];
  if (connected.some((r) => r.protocol === 'tcp')) marks.push(`  ${TCP_MARK}      a's packets on that pair leave its host over TCP (TURN over TCP to port 443)`);
  if (options.flagged !== undefined && results.some((r) => options.flagged?.(r))) marks.push(`  ${DISAGREE_MARK}      the agents and the oracle disagree about this cell (explained below)`);
  if (connected.some((r) => r.local === null || r.remote === null)) marks.push(`  ${UNKNOWN_KIND}      the agent connected but did not report that candidate's type`);
  return [
    "Rows: the offerer a (the controlling agent). Columns: the answerer b. A cell: the pair a's agent selected, as",
    "the type of a's candidate / the type of b's candidate (as a knows it):",
    '  host   an address of the host itself, on its own network interface (RFC 8445 §5.1.1.1)',
    '  srflx  server-reflexive: the host\'s address as a STUN or TURN server saw it; behind a NAT, the address the NAT',
    '         gave it (RFC 8445 §5.1.1.2)',
    "  prflx  peer-reflexive: an address learned from the connectivity checks themselves, not gathered before. As",
    "         a's candidate: the address b's answer to a's check said the check came from (XOR-MAPPED-ADDRESS), which",
    "         a had no candidate for (RFC 8445 §7.2.5.3.1). As b's: the source of a check that arrived from b and",
    "         matched none of the candidates b had sent a (§7.3.1.3). A NAT that maps each destination anew",
    '         (symmetric) gives its host a new address toward the peer, which is learned this way.',
    '  relay  relayed: an address on the TURN server, which relays to and from the host (RFC 8656)',
    '  FAIL   no pair worked: ICE failed',
    ...marks,
  ];
}

/** One JSON object per cell, keys exactly `a, b, turn, connected, local, remote, protocol, ms`. */
export function matrixJsonLines(results: readonly MatrixCellResult[]): string[] {
  return results.map((r) =>
    JSON.stringify({ a: r.a, b: r.b, turn: r.turn, connected: r.connected, local: r.local, remote: r.remote, protocol: r.protocol, ms: r.ms }),
  );
}

/** "symmetric-then-cone" in lines of at most `width`, broken after hyphens (a word longer than `width` stays whole). */
function wrapName(name: string, width: number): string[] {
  const parts = name.split(/(?<=-)/);
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line !== '' && line.length + part.length > width) {
      lines.push(line);
      line = '';
    }
    line += part;
  }
  if (line !== '') lines.push(line);
  return lines;
}
