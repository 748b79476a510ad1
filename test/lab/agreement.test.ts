/**
 * Agreement between the agents and the oracle, both ways
 * (`disagreement`/`agreesWithOracle` in src/lab/matrix.ts): the agents
 * connect iff a path exists; over a direct pair only where a direct path
 * exists; and through a relay only where none does (RFC 8445 ranks relayed
 * candidates last, §5.1.2.2, and RFC 8656 §1 says to use a TURN server "only
 * when a direct communication path cannot be found"). First the rule on
 * made-up verdicts, one case at a time and then all of them; then real cells,
 * with stand-in agents that pick the wrong kind of pair.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentOutcome, CandidateKind, ConnectCell } from '../../src/lab/cell.js';
import { agreesWithOracle, disagreement, runCell, type CellRun } from '../../src/lab/matrix.js';
import type { DirectCandidateKind, DirectPath, OracleVerdict } from '../../src/lab/oracle.js';
import { prop, runs } from '../sim/support.js';

const SIDE = { host: '192.0.2.1:5000', srflx: null, turn: [], relayPeer: false } as const;
const DIRECT: DirectPath = { from: 'a', local: '10.0.0.2:5000', remote: '203.0.113.5:6000', remoteKind: 'srflx' };

function verdict(path: boolean, direct: DirectPath | null): OracleVerdict {
  return { path, direct, relay: path && direct === null, a: SIDE, b: SIDE, explanation: 'made up' };
}

function outcome(connected: boolean, local: CandidateKind | null = null, remote: CandidateKind | null = null): AgentOutcome {
  return connected ? { connected, local, remote, protocol: 'udp', ms: 10 } : { connected, local: null, remote: null, protocol: null, ms: null };
}

function run(result: AgentOutcome, oracle: OracleVerdict | undefined): CellRun {
  return { cell: { a: 'open', b: 'open', turn: true }, result: { a: 'open', b: 'open', turn: true, ...result }, oracle, virtualMs: 0, wallMs: 0, oracleWallMs: 0, seed: 1 };
}

describe('the rule', () => {
  it('connected where the oracle finds no path: a disagreement', () => {
    expect(disagreement(run(outcome(true, 'srflx', 'srflx'), verdict(false, null)))).toMatch(/connected \(srflx\/srflx\) where the oracle finds no path/);
  });

  it('failed where the oracle finds a path, direct or relayed: a disagreement', () => {
    expect(disagreement(run(outcome(false), verdict(true, DIRECT)))).toMatch(/failed where the oracle finds a direct path/);
    expect(disagreement(run(outcome(false), verdict(true, null)))).toMatch(/failed where the oracle finds a relayed path only/);
  });

  it('a direct pair where the oracle finds only a relayed path: a disagreement', () => {
    expect(disagreement(run(outcome(true, 'prflx', 'srflx'), verdict(true, null)))).toMatch(/connected directly \(prflx\/srflx\) where the oracle finds no direct path/);
  });

  it('a relayed pair, on either side, where a direct path exists: a disagreement, naming the direct path', () => {
    for (const [local, remote] of [['relay', 'srflx'], ['host', 'relay'], ['relay', 'relay']] as const) {
      const why = disagreement(run(outcome(true, local, remote), verdict(true, DIRECT)));
      expect(why, `${local}/${remote}`).toBe(`the agents connected through a relay (${local}/${remote}) where a direct path exists: a's check from 10.0.0.2:5000 to the other's srflx address 203.0.113.5:6000 was answered`);
    }
  });

  it('agreement: no path and no connection; a direct pair on a direct path; a relayed pair where only a relay works', () => {
    expect(disagreement(run(outcome(false), verdict(false, null)))).toBeUndefined();
    expect(disagreement(run(outcome(true, 'srflx', 'prflx'), verdict(true, DIRECT)))).toBeUndefined();
    expect(disagreement(run(outcome(true, 'relay', 'srflx'), verdict(true, null)))).toBeUndefined();
  });

  it('without the oracle\'s verdict there is nothing to disagree with', () => {
    expect(disagreement(run(outcome(true, 'relay', 'relay'), undefined))).toBeUndefined();
  });

  const kind = fc.constantFrom<CandidateKind>('host', 'srflx', 'prflx', 'relay');
  const directKind = fc.constantFrom<DirectCandidateKind>('host', 'srflx', 'prflx');
  prop([fc.boolean(), kind, kind, fc.boolean(), fc.option(directKind, { nil: undefined })], runs(300))(
    'agree exactly when: connected iff a path, and when connected, relayed iff no direct path',
    (connected, local, remote, path, directKindOrNone) => {
      const direct = path && directKindOrNone !== undefined ? { ...DIRECT, remoteKind: directKindOrNone } : null;
      const r = run(outcome(connected, local, remote), verdict(path, direct));
      const relayed = local === 'relay' || remote === 'relay';
      const expected = connected === path && (!connected || relayed === (direct === null));
      expect(agreesWithOracle(r)).toBe(expected);
      expect(disagreement(r) === undefined).toBe(expected);
    },
  );
});

describe('real cells, stand-in agents', () => {
  /** Agents that always take the relay when there is a TURN server, whatever else would work. */
  const relayLovers: ConnectCell = ({ cell, world }) => {
    world.runFor(100);
    return cell.turn ? { connected: true, local: 'relay', remote: 'relay', protocol: 'udp', ms: 50 } : { connected: false, local: null, remote: null, protocol: null, ms: null };
  };

  it('two cone NATs with a TURN server, connected through the relay: flagged, a direct path exists', () => {
    const cell = runCell({ a: 'full-cone', b: 'port-restricted', turn: true }, { connect: relayLovers });
    expect(cell.oracle?.direct).not.toBeNull();
    expect(disagreement(cell)).toMatch(/^the agents connected through a relay \(relay\/relay\) where a direct path exists: [ab]'s check from \S+ to the other's (host|srflx|prflx) address \S+ was answered$/);
  });

  it('symmetric against port-restricted with a TURN server, connected through the relay: agreed, no direct path exists', () => {
    const cell = runCell({ a: 'symmetric', b: 'port-restricted', turn: true }, { connect: relayLovers });
    expect(cell.oracle).toMatchObject({ path: true, direct: null });
    expect(disagreement(cell)).toBeUndefined();
  });
});
