/**
 * The documented commands as a user runs them in a checkout, through npm:
 * `npm run -s …` keeps npm's banner off standard output, so every line of a
 * JSON output parses (`| jq` works). Real processes, so this is what a shell sees.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Every line of standard output, parsed: throws on the first that is not JSON. */
function jsonLines(stdout: string): unknown[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
}

describe('JSON output through npm run -s is pure JSON Lines', () => {
  it('npm run -s sim -- nat-tour --format json', async () => {
    const ran = await run(NPM, ['run', '-s', 'sim', '--', 'nat-tour', '--format', 'json']);
    expect(ran.code, ran.stderr).toBe(0);
    const records = jsonLines(ran.stdout) as { seq: number; kind: string }[];
    expect(records.length).toBeGreaterThan(100);
    expect(records[0]).toMatchObject({ seq: 0, kind: 'note' });
  });

  it('npm run -s matrix -- --json (two profiles, to stay fast)', async () => {
    const ran = await run(NPM, ['run', '-s', 'matrix', '--', '--json', '--profiles', 'open,symmetric']);
    expect(ran.code, ran.stderr).toBe(0);
    const cells = jsonLines(ran.stdout) as Record<string, unknown>[];
    expect(cells).toHaveLength(8);
    for (const c of cells) expect(Object.keys(c)).toEqual(['a', 'b', 'turn', 'connected', 'local', 'remote', 'protocol', 'ms']);
  });

  it('npm run -s rtc -- stun decode', async () => {
    const ran = await run(NPM, ['run', '-s', 'rtc', '--', 'stun', 'decode'], '0001 0000 2112a442 b7e7a701bc34d686fa87dfae\n');
    expect(ran.code, ran.stderr).toBe(0);
    expect(jsonLines(ran.stdout)).toEqual([expect.objectContaining({ type: 'Binding request', transactionId: 'b7e7a701bc34d686fa87dfae' })]);
  });
});

describe('the command from src/, as tsx runs it', () => {
  it("--version reads the package's own package.json, relative to the module", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const ran = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--version']);
    expect(ran).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a usage error exits 2 with one line on standard error and no stack', async () => {
    const ran = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--seed', 'abc']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(ran.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });
});
