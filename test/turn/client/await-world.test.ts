/**
 * Awaiting a simulated operation before `world.run()` (a new user's first
 * program): the world runs while the program waits (ARCHITECTURE.md,
 * principle 1), so the script prints its result and exits 0, where Node used
 * to exit with code 13 and say nothing. It stops where a script stepping the
 * world itself would: the same seed gives the same trace.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = 'test/turn/client/await-world.script.ts';

/** Runs the script under tsx (as `npx tsx` would), bounded. */
function run(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${SCRIPT} ${mode} did not end within 30 s; it printed ${stdout}${stderr}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('awaiting the simulated world before running it', () => {
  it('whenAllocated settles with the allocation and the script exits 0, at the event and with the trace a stepping script gets', async () => {
    const [awaited, stepped] = await Promise.all([run('await'), run('step')]);
    expect(awaited).toMatchObject({ code: 0, stderr: '' });
    const result = JSON.parse(awaited.stdout) as { relayed: unknown; now: number; trace: string };
    expect(result.relayed).toMatch(/^198\.51\.100\.1:\d+$/);
    expect(result.now).toBeGreaterThan(0);
    expect(stepped).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(stepped.stdout)).toEqual(result);
  });

  it('runStunTransaction settles with the Binding response and the script exits 0', async () => {
    const ran = await run('binding');
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toMatchObject({ outcome: 'success', mapped: expect.stringMatching(/^203\.0\.113\.\d+:\d+$/) });
  });
});
