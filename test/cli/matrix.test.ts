/**
 * `rtc matrix`: the command line, the tables and the JSON Lines. A stand-in
 * for the agents (built from the oracle's own verdict) makes the layout tests
 * independent of the agent; the last block runs our agents for real.
 */
import { describe, expect, it } from 'vitest';
import type { CellSetting } from '../../src/lab/cell.js';
import type { AgentOutcome } from '../../src/lab/cell.js';
import type { ConnectCell } from '../../src/lab/cell.js';
import { MATRIX_PROFILES } from '../../src/lab/cell-topology.js';
import { findPath } from '../../src/lab/oracle.js';
import { cellLabel, matrixTable } from '../../src/lab/matrix-table.js';
import { rtc } from './support.js';

/** Agents that do what the oracle says, and run the clock a little so virtual time passes. */
const modelAgents: ConnectCell = ({ cell, world }: CellSetting): AgentOutcome => {
  world.runFor(100);
  const v = findPath(cell);
  if (!v.path) return { connected: false, local: null, remote: null, protocol: null, ms: null };
  if (v.direct) return { connected: true, local: 'srflx', remote: v.direct.remoteKind, protocol: 'udp', ms: 80 };
  return { connected: true, local: 'relay', remote: 'relay', protocol: v.a.turn[0]?.startsWith('tcp') ? 'tcp' : 'udp', ms: 120 };
};

/** Agents that always connect, host/host: wrong wherever no path exists. */
const liarAgents: ConnectCell = () => ({ connected: true, local: 'host', remote: 'host', protocol: 'udp', ms: 1 });

function matrix(args: string[], connect: ConnectCell = modelAgents) {
  return rtc(['matrix', ...args], { seams: { connect } });
}

describe('matrix: the command line', () => {
  it('prints its usage with --help', async () => {
    const { code, out } = await matrix(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: rtc-machines matrix \[options\]/);
    expect(out).toContain('--json');
    expect(out).toContain('--profiles <list>');
  });

  it.each([
    [['--seed'], "option '--seed <n>' argument missing"],
    [['--seed', 'x'], "option '--seed <n>' argument 'x' is invalid: not a whole number"],
    [['--seed', '1.5'], 'not a whole number'],
    [['--seed', ''], "argument '' is invalid: empty"],
    [['--profiles', 'open,moon'], 'unknown "moon"; known: open, full-cone,'],
    [['--profiles', ''], 'an empty name in ""'],
    [['--frobnicate'], "unknown option '--frobnicate'"],
    [['--jsn'], "unknown option '--jsn' (Did you mean --json?)"],
    [['extra'], "too many arguments for 'matrix'"],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const { code, out, err } = await matrix(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')).toHaveLength(2);
    expect(err).toContain(message);
    expect(err).toMatch(/^rtc-machines matrix: .*; see rtc-machines matrix --help\n$/);
  });
});

describe('matrix: the tables', () => {
  it('prints one table without TURN and one with, rows and columns in profile order, checked against the oracle', async () => {
    const { code, out, err } = await matrix(['--profiles', 'symmetric,open,port-restricted,udp-blocked']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    const without = lines.indexOf('Without TURN (a STUN server only):');
    const withTurn = lines.findIndex((l) => l.startsWith('With a TURN server'));
    expect(without).toBeGreaterThan(0);
    expect(withTurn).toBeGreaterThan(without);
    const rowOf = (from: number, profile: string) => lines.slice(from).find((l) => l.startsWith(`${profile} `))!.split(/\s+/).slice(1);
    // Columns in the foundation's order: open, port-restricted, symmetric, udp-blocked.
    expect(rowOf(without, 'symmetric')).toEqual(['srflx/host', 'FAIL', 'FAIL', 'FAIL']);
    expect(rowOf(withTurn, 'symmetric')).toEqual(['srflx/host', 'relay/relay', 'relay/relay', 'relay/relay']);
    expect(rowOf(withTurn, 'udp-blocked')).toEqual(['relay/relay*', 'relay/relay*', 'relay/relay*', 'relay/relay*']);
    expect(out).toMatch(/The oracle agrees with all 32 cells/);
    expect(out).toMatch(/^NAT matrix, seed 1: 32 cells, /);
  });

  it('flags and explains every cell where the agents and the oracle disagree, and exits 1', async () => {
    const { code, out } = await matrix(['--profiles', 'open,symmetric,port-restricted'], liarAgents);
    expect(code).toBe(1);
    expect(out).toMatch(/The oracle disagrees with 6 of 18 cells:/);
    expect(out).toContain('symmetric→port-restricted: the agents connected (host/host); oracle: no direct path');
    expect(out).toContain('host/host!');
    expect(out).toContain('  !      the agents and the oracle disagree about this cell (explained below)');
  });

  it('--no-oracle checks nothing', async () => {
    const { code, out } = await matrix(['--profiles', 'symmetric,port-restricted', '--no-oracle'], liarAgents);
    expect(code).toBe(0);
    expect(out).not.toContain('oracle');
    expect(out).not.toContain('!');
  });

  it('wraps long column names at their hyphens so a column is as wide as its cells', () => {
    const results = MATRIX_PROFILES.flatMap((a) => MATRIX_PROFILES.map((b) => ({ a, b, turn: false, connected: true, local: 'srflx' as const, remote: 'prflx' as const, protocol: 'udp' as const, ms: 1 })));
    const lines = matrixTable(results, MATRIX_PROFILES, false);
    expect(lines[0]).toMatch(/address-\s+port-\s+.*symmetric-/);
    expect(lines.find((l) => l.startsWith('offerer'))).toMatch(/restricted\s+restricted\s+.*then-cone/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(150);
    expect(lines.filter((l) => l.includes('srflx/prflx'))).toHaveLength(MATRIX_PROFILES.length);
  });

  it('labels a cell by its pair, marks TCP, and says FAIL', () => {
    expect(cellLabel({ connected: true, local: 'srflx', remote: 'prflx', protocol: 'udp' })).toBe('srflx/prflx');
    expect(cellLabel({ connected: true, local: 'relay', remote: 'srflx', protocol: 'tcp' })).toBe('relay/srflx*');
    expect(cellLabel({ connected: false, local: null, remote: null, protocol: null })).toBe('FAIL');
  });
});

describe('matrix --json', () => {
  it('prints one object per cell with exactly the issue fields, in its order', async () => {
    const { code, out } = await matrix(['--json', '--profiles', 'open,symmetric,udp-blocked']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(18);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objects) expect(Object.keys(o)).toEqual(['a', 'b', 'turn', 'connected', 'local', 'remote', 'protocol', 'ms']);
    expect(objects[0]).toEqual({ a: 'open', b: 'open', turn: false, connected: true, local: 'srflx', remote: 'host', protocol: 'udp', ms: 80 });
    expect(objects.find((o) => o.a === 'symmetric' && o.b === 'udp-blocked' && o.turn === false)).toEqual({
      a: 'symmetric', b: 'udp-blocked', turn: false, connected: false, local: null, remote: null, protocol: null, ms: null,
    });
    expect(objects.slice(0, 9).every((o) => o.turn === false) && objects.slice(9).every((o) => o.turn === true)).toBe(true);
  });

  it('same seed, same output', async () => {
    const first = await matrix(['--json', '--seed', '7', '--profiles', 'cgnat,full-cone']);
    const second = await matrix(['--json', '--seed', '7', '--profiles', 'full-cone,cgnat']);
    expect(second.out).toBe(first.out);
  });
});

describe('matrix with our ICE agents', () => {
  it('prints the whole matrix, both tables, every profile, checked cell by cell against the oracle', async () => {
    const { code, out } = await rtc(['matrix']);
    const lines = out.split('\n');
    for (const title of ['Without TURN (a STUN server only):', 'With a TURN server (UDP on 3478, TCP on 443):']) {
      const from = lines.indexOf(title);
      expect(from).toBeGreaterThan(0);
      for (const p of MATRIX_PROFILES) expect(lines.slice(from).some((l) => l.startsWith(`${p} `)), `${title} ${p}`).toBe(true);
    }
    expect(out).toMatch(/^NAT matrix, seed 1: 200 cells, /);
    // With TURN, no FAIL anywhere.
    const withTurn = lines.slice(lines.findIndex((l) => l.startsWith('With a TURN server')));
    expect(withTurn.slice(0, withTurn.findIndex((l) => l.startsWith('Rows:'))).join('\n')).not.toContain('FAIL');
    expect(out).toContain('The oracle agrees with all 200 cells');
    // Under the tables, every type and mark they show is explained; prflx with the RFC's sections.
    const legend = lines.slice(lines.findIndex((l) => l.startsWith('Rows:')));
    const tableText = lines.slice(0, lines.findIndex((l) => l.startsWith('Rows:'))).join('\n');
    for (const word of ['host', 'srflx', 'prflx', 'relay', 'FAIL']) {
      expect(tableText, word).toContain(word);
      expect(legend.some((l) => l.startsWith(`  ${word.padEnd(5)}  `)), word).toBe(true);
    }
    expect(tableText).toContain('*');
    expect(legend).toContain("  *      a's packets on that pair leave its host over TCP (TURN over TCP to port 443)");
    expect(tableText).not.toMatch(/[!?]/);
    expect(legend.join('\n')).not.toMatch(/^ {2}[!?] /m);
    expect(legend.join('\n')).toMatch(/prflx  peer-reflexive: .*RFC 8445 §7\.2\.5\.3\.1.*§7\.3\.1\.3/s);
    expect(code).toBe(0);
  });

  it('--json: one line per cell, the known cells as everyone expects', async () => {
    const { code, out, err } = await rtc(['matrix', '--json', '--profiles', 'full-cone,port-restricted,symmetric,udp-blocked']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const cells = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(cells).toHaveLength(32);
    const at = (a: string, b: string, turn: boolean) => cells.find((c) => c.a === a && c.b === b && c.turn === turn);
    expect(at('full-cone', 'full-cone', false)).toMatchObject({ connected: true, local: 'srflx', remote: 'srflx', protocol: 'udp' });
    expect(at('port-restricted', 'symmetric', false)).toMatchObject({ connected: false, local: null, ms: null });
    expect(at('udp-blocked', 'symmetric', true)).toMatchObject({ connected: true, local: 'relay', protocol: 'tcp' });
  });
});
