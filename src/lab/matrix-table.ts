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

/** `srflx/prflx`, `relay/srflx*` (over TCP), or `FAIL`. */
export function cellLabel(result: Pick<MatrixCellResult, 'connected' | 'local' | 'remote' | 'protocol'>): string {
  if (!result.connected) return 'FAIL';
  return `${result.local ?? '?'}/${result.remote ?? '?'}${result.protocol === 'tcp' ? TCP_MARK : ''}`;
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

/** Both tables with their titles and a legend. */
export function matrixTables(results: readonly MatrixCellResult[], profiles: readonly NetworkProfileName[], options: TableOptions = {}): string[] {
  const lines: string[] = [];
  for (const turn of [false, true]) {
    if (!results.some((r) => r.turn === turn)) continue;
    if (lines.length > 0) lines.push('');
    lines.push(turn ? 'With a TURN server (UDP on 3478, TCP on 443):' : 'Without TURN (a STUN server only):', '');
    lines.push(...matrixTable(results, profiles, turn, options));
  }
  lines.push(
    '',
    `Rows: the offerer a (controlling). Columns: the answerer b. Cell: the types of a's selected pair, a's candidate/b's candidate;`,
    `${TCP_MARK} = a's packets leave over TCP (TURN over TCP); FAIL = no connection${options.flagged ? `; ${DISAGREE_MARK} = the agents and the oracle disagree` : ''}.`,
  );
  return lines;
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
