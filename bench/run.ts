/**
 * `npm run bench`: every benchmark, one result a line. Figures are wall-clock on this machine;
 * compare runs on one machine only. The matrix goes first: "cold" means the first run in a fresh
 * process, and the simulator's benchmarks leave a large heap behind them.
 */
import { NETWORK_PROFILE_NAMES } from '../src/sim/index.js';
import { ISSUE_MATRIX_PROFILES, benchMatrix, benchMatrixFresh } from './matrix.js';
import { benchDatagramsThroughTwoNats, benchIdleTimeredWorld, type BenchResult } from './sim.js';
import { benchStunCodec } from './stun-codec.js';

// Issue 5's goal is the matrix in under 2 s: its first run in fresh processes (what `npm run matrix`
// pays), as a median and range of several, since one cold run is one noisy sample.
const fresh = benchMatrixFresh(5);
console.log(`${fresh.name}: ${Math.round(fresh.medianMs).toLocaleString('en-US')} ms median\n    ${fresh.detail}`);

// In this process: the matrix of issue 5 (the foundation's profiles plus udp-blocked), then the whole one (web-only too).
for (const profiles of [ISSUE_MATRIX_PROFILES, NETWORK_PROFILE_NAMES]) {
  const r = benchMatrix({ profiles });
  console.log(`${r.name}: ${Math.round(r.warmWallMs).toLocaleString('en-US')} ms warm, ${Math.round(r.wallMs).toLocaleString('en-US')} ms on its first run\n    ${r.detail}`);
}

for (const r of await benchStunCodec()) {
  const relative = r.relativeToStunPackage === undefined ? '' : `, ${r.relativeToStunPackage.toFixed(2)}× the stun package`;
  console.log(`${r.name}: ${r.opsPerSec.toLocaleString('en-US')} ops/s\n    ${r.microsPerOp.toFixed(2)} µs per op, median of ${r.rounds} rounds${relative}`);
}

// A short warm-up first, so the first figure does not pay for the JIT; the run that keeps no trace
// goes before the one that keeps 800k records, whose heap would otherwise slow whatever follows it.
benchDatagramsThroughTwoNats(20_000, { retain: false });
const simResults: BenchResult[] = [benchDatagramsThroughTwoNats(200_000, { retain: false }), benchDatagramsThroughTwoNats(), benchIdleTimeredWorld()];
for (const r of simResults) {
  console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}\n    ${r.detail}`);
}
