/** `npm run bench`: every benchmark, one line each. Figures are wall-clock on this machine; compare runs on one machine only. */
import { benchDatagramsThroughTwoNats, benchIdleTimeredWorld, type BenchResult } from './sim.js';

const results: BenchResult[] = [benchDatagramsThroughTwoNats(), benchDatagramsThroughTwoNats(200_000, { retain: false }), benchIdleTimeredWorld()];

for (const r of results) {
  console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}\n    ${r.detail}`);
}
