/** The matrix's legend: the candidate types always, and each mark exactly when a cell shows it. */
import { describe, expect, it } from 'vitest';
import type { MatrixCellResult } from '../../src/lab/matrix.js';
import { cellLabel, matrixLegend, matrixTables, type TableOptions } from '../../src/lab/matrix-table.js';

const cell = (over: Partial<MatrixCellResult>): MatrixCellResult => ({ a: 'open', b: 'open', turn: false, connected: true, local: 'host', remote: 'srflx', protocol: 'udp', ms: 10, ...over });

describe('matrixLegend', () => {
  it('explains the four candidate types and FAIL, with prflx as RFC 8445 learns it', () => {
    const legend = matrixLegend([cell({})]).join('\n');
    for (const word of ['host', 'srflx', 'prflx', 'relay', 'FAIL']) expect(legend).toMatch(new RegExp(`^  ${word}\\s+\\S`, 'm'));
    expect(legend).toContain('(RFC 8445 §7.2.5.3.1)');
    expect(legend).toContain('(§7.3.1.3)');
  });

  const cases: [string, MatrixCellResult[], TableOptions][] = [
    ['*', [cell({ protocol: 'tcp', local: 'relay' })], {}],
    ['?', [cell({ local: null })], {}],
    ['!', [cell({})], { flagged: () => true }],
  ];
  it.each(cases)('explains %s exactly when a cell shows it', (mark, results, options) => {
    const shown = results.some((r) => cellLabel(r).includes(mark)) || options.flagged !== undefined;
    expect(shown).toBe(true);
    expect(matrixLegend(results, options).some((l) => l.startsWith(`  ${mark} `))).toBe(true);
    expect(matrixLegend([cell({})]).some((l) => l.startsWith(`  ${mark} `))).toBe(false);
  });

  it('puts the legend under the tables', () => {
    const lines = matrixTables([cell({}), cell({ turn: true })], ['open']);
    expect(lines.findIndex((l) => l.startsWith('Rows:'))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('With a TURN server')));
  });
});
