/**
 * Every shell command that README.md and docs/*.md show is run here, as a
 * reader would type it, so no page can promise a command that fails or a
 * flag that no longer exists.
 *
 * A ```sh block is read a line at a time; what follows two spaces and `#` is
 * the comment. Three kinds of line are treated specially, each for a stated
 * reason:
 * - the README's two set-up commands: `npm install` has run already (this
 *   suite runs after it), and `npm test` is this suite itself, which
 *   `.ci/run` runs (checked below: it calls exactly that command);
 * - a server that runs until Ctrl-C (`stun serve`) is started in the
 *   background, waited for until it says it serves, and stopped with SIGINT
 *   after the rest of its block ran against it (to its process group, as
 *   Ctrl-C in a terminal does; npm then ends by that signal, the server with 0); its port is replaced by a
 *   free one in the whole block, so parallel tests cannot collide on 3478.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const COMMAND_TIMEOUT_MS = 240_000;

interface ShellLine {
  readonly page: string;
  readonly line: number;
  readonly command: string;
}

/** The ```sh blocks of a Markdown page, each as its command lines. */
export function shellBlocks(page: string, text: string): ShellLine[][] {
  const blocks: ShellLine[][] = [];
  let current: ShellLine[] | undefined;
  text.split('\n').forEach((raw, i) => {
    if (current === undefined) {
      if (/^```(sh|bash|shell)\s*$/.test(raw)) current = [];
      return;
    }
    if (raw.startsWith('```')) {
      blocks.push(current);
      current = undefined;
      return;
    }
    const command = raw.replace(/\s{2,}#.*$/, '').replace(/^#.*$/, '').trim();
    if (command !== '') current.push({ page, line: i + 1, command });
  });
  return blocks;
}

const pages = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const blocks = pages.flatMap((page) => shellBlocks(page, readFileSync(`${root}${page}`, 'utf8')));

const SETUP_RUN = 'npm install && npm run sim';
const SETUP_TEST = 'npm install && npm test';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: root, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, maxBuffer: 256 << 20 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/** Starts a server command and resolves once it printed that it serves; rejects with its output if it exits first. */
function startServer(command: string): Promise<{ stop(): Promise<string>; output(): string }> {
  // Its own process group, as a terminal gives it: Ctrl-C signals npm and the server under it alike.
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`${command}\` did not say it serves within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/serving/i.test(output)) {
        clearTimeout(timer);
        resolve({
          output: () => output,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code, signal) => done(code === 0 || signal === 'SIGINT' ? 'stopped' : `exit ${code} ${signal}:\n${output}`));
              process.kill(-child.pid!, 'SIGINT');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`\`${command}\` exited with ${code} before serving:\n${output}`));
    });
  });
}

describe('the commands README.md and docs/ show', () => {
  it('finds the README set-up commands and .ci/run calls exactly the test one', () => {
    const all = blocks.flat().map((l) => l.command);
    expect(all).toContain(SETUP_RUN);
    expect(all).toContain(SETUP_TEST);
    const ci = readFileSync(`${root}.ci/run`, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
    expect(ci).toEqual([SETUP_TEST]);
  });

  for (const block of blocks) {
    const first = block[0];
    if (first === undefined) continue;
    const server = block.find((l) => / stun serve\b/.test(l.command));
    it(`${first.page}:${first.line}: ${block.length} command(s) run and exit 0`, async () => {
      const port = server === undefined ? undefined : String(await freePort());
      const withPort = (command: string) => (port === undefined ? command : command.replaceAll('3478', port));
      const running = server === undefined ? undefined : await startServer(withPort(server.command));
      try {
        for (const line of block) {
          if (line === server || line.command === SETUP_TEST) continue;
          const command = withPort(line.command === SETUP_RUN ? 'npm run sim' : line.command);
          const result = run(command);
          expect(result.status, `${line.page}:${line.line} \`${command}\` exited ${result.status}:\n${result.stderr.slice(-2000)}${running === undefined ? '' : `\nthe server said:\n${running.output().slice(-2000)}`}`).toBe(0);
          expect(result.stdout.trim(), `${line.page}:${line.line} \`${command}\` printed nothing`).not.toBe('');
        }
      } finally {
        if (running !== undefined) expect(await running.stop(), `${server?.page}:${server?.line} the server stops cleanly on Ctrl-C (SIGINT)`).toBe('stopped');
      }
    }, 600_000);
  }

  it("README.md's sample of the NAT tour's table is what `npm run sim` prints", () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const sample = /Its first rows:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample, 'the README has its sample table').toBeDefined();
    const printed = run('npm run -s sim').stdout.split('\n').map((l) => l.trimEnd());
    for (const line of sample!.split('\n').filter((l) => l.trim() !== '')) expect(printed).toContain(line.trimEnd());
  });
});
