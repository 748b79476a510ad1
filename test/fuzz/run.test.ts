/** fuzz/run.ts's command line: a bad value or an unknown flag is refused (exit 2), never run as some other number. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function fuzz(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'fuzz/run.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run fuzz -- <flags>', () => {
  it.each([
    [['--count', 'abc'], "option '--count <n>' argument 'abc' is invalid: not a whole number from 1 to 2,147,483,647"],
    [['--count', '0'], "option '--count <n>' argument '0' is invalid: out of range"],
    [['--seed', ''], "option '--seed <n>' argument '' is invalid: empty; expected a whole number from 0 to 4,294,967,295"],
    [['--seed', '-1'], "option '--seed <n>' argument '-1' is invalid"],
    [['--time-bound', '1.5'], "option '--time-bound <ms>' argument '1.5' is invalid"],
    [['--replay', 'x'], "option '--replay <index>' argument 'x' is invalid"],
    [['--cout', '5'], "unknown option '--cout' (Did you mean --count?)"],
    [['extra'], 'too many arguments'],
  ])('%j is refused: exit 2, one line, nothing run', async (args, message) => {
    const ran = await fuzz(args);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^npm run fuzz --: .*; see npm run fuzz -- --help\n$/);
    expect(ran.stderr).toContain(message);
  });

  it('refuses a FUZZ_SEED that is not a seed', async () => {
    const ran = await fuzz(['--count', '1'], { FUZZ_SEED: 'abc' });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('FUZZ_SEED="abc" is invalid');
  });

  it('runs exactly the inputs asked for, and --help prints the flags', async () => {
    const ran = await fuzz(['--count', '5', '--seed', '7']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^wire fuzz: seed 7, 5 inputs, time bound 1000 ms per input$/m);
    expect(ran.stdout).toMatch(/^inputs: 5 {2}\(seed 7\)/m);
    const help = await fuzz(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run fuzz -- \[options\]/);
    for (const flag of ['--seed', '--count', '--time-bound', '--replay']) expect(help.stdout).toContain(flag);
  });
});
