/**
 * The layer table of ARCHITECTURE.md, enforced: dependency-cruiser checks
 * every import of src/ against .dependency-cruiser.cjs (no upward import, no
 * XState in io/, sim/ or wire/, sim/ only as types above it, real sockets only
 * behind rtc-machines/node, no cycles). A violation fails here with the
 * offending import and the rule's reason.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The package's exports hide its bin; it lives where npm installs it.
const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly { readonly name: string }[];
}
interface CruiseResult {
  readonly summary: { readonly violations: readonly Violation[]; readonly totalCruised: number };
}

function cruise(): CruiseResult {
  let out: string;
  try {
    out = execFileSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    // depcruise exits non-zero when it finds violations; its JSON is still on stdout.
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout === undefined || stdout === '') throw new Error(`dependency-cruiser could not run: ${String(error)}`);
    out = stdout;
  }
  return JSON.parse(out) as CruiseResult;
}

describe('the layers of ARCHITECTURE.md', () => {
  const result = cruise();

  it('reads the whole of src/', () => {
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  });

  it('no import crosses a layer upward, and no rule of .dependency-cruiser.cjs is broken', () => {
    const lines = result.summary.violations.map((v) =>
      v.cycle !== undefined ? `${v.rule.name}: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}` : `${v.rule.name}: ${v.from} → ${v.to}`,
    );
    expect(lines).toEqual([]);
  });
});
