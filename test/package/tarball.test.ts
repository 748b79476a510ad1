/**
 * The package as a user gets it: `npm pack` (its `prepack` builds dist/),
 * the tarball installed into an empty app, and then what a new user does with
 * it. One pack and one install for the whole file; the temp folder goes away
 * afterwards.
 *
 * Installs avoid the network where they can (`--offline`, from the npm cache)
 * and fall back to the registry only when the cache lacks the dependencies.
 * The app is type-checked with this repository's own TypeScript, so the app
 * installs nothing but the tarball (and with it, only its declared
 * dependencies).
 */

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const PACKAGE_JSON = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license?: string;
};

interface Ran {
  readonly command: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end and never throws: the caller judges the outcome. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Ran> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      // npm and npx are .cmd files on Windows, which only a shell runs.
      shell: process.platform === 'win32',
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => resolve({ command: shown, code: null, stdout, stderr: `${stderr}${e.message}` }));
    child.on('close', (code) => resolve({ command: shown, code, stdout, stderr }));
  });
}

/** What a failed command said, for an assertion's message. */
function told(r: Ran): string {
  return `\`${r.command}\` exited ${r.code}\n--- stdout ---\n${r.stdout.trim()}\n--- stderr ---\n${r.stderr.trim()}\n`;
}

/** Every file under `root`, as a posix path relative to it. */
function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(root, rel) : [rel];
  });
}

/**
 * Relative link targets of a Markdown text, without their #fragment (inline
 * links, images and reference definitions; not what code blocks and spans hold).
 */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1]!),
  ];
  return targets
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#') && !t.startsWith('//'))
    .map((t) => decodeURIComponent(t.split('#')[0]!.split('?')[0]!));
}

const APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    // TypeScript's default lib for ES2022 (ES plus DOM). No Node types: an
    // app that does not install @types/node has none. xstate's own
    // declarations name AbortSignal, which only DOM or @types/node declare.
    lib: ['ES2022', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: [],
    strict: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['app.ts'],
};

/** A user's first program: the README's example, then the trace as narration and pcap. */
const APP_TS = `import { createWorld, narrate, pcapFromTrace, type TraceRecord } from 'rtc-machines';

const world = createWorld(
  { hosts: [{ id: 'alice', profile: 'symmetric' }, { id: 'stun', address: '198.51.100.1' }] },
  { seed: 42 },
);
const server = world.host('stun').bindUdp({ port: 3478 });
server.onMessage((data, from) => server.send(data, from));
const alice = world.host('alice').bindUdp({});
let echoes = 0;
alice.onMessage(() => {
  echoes++;
});
alice.send(new TextEncoder().encode('hello'), { address: '198.51.100.1', port: 3478 });
world.run({ maxEvents: 100_000 });

const records: readonly TraceRecord[] = world.trace.records;
const pcap: Uint8Array = pcapFromTrace(records);
if (echoes !== 1) throw new Error(\`expected one echo, got \${echoes}\`);
console.log(narrate(records).join('\\n'));
console.log(\`app ok: \${records.length} trace records, \${pcap.length} pcap bytes\`);
`;

let work = '';
/** The tarball, unpacked: exactly what a user gets. */
let packageDir = '';
/** Every file in the tarball, relative to its package/ folder. */
let shipped: string[] = [];
let app = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rtc-machines-tarball-'));

  const packed = await run('npm', ['pack', '--pack-destination', work], REPO, 300_000);
  if (packed.code !== 0) throw new Error(`npm pack failed (its prepack builds dist/ with tsc):\n${told(packed)}`);
  const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${work}:\n${told(packed)}`);
  const tarball = join(work, tarballs[0]!);

  const unpacked = join(work, 'unpacked');
  await mkdir(unpacked);
  const untarred = await run('tar', ['-xzf', tarball, '-C', unpacked], work);
  if (untarred.code !== 0) throw new Error(`could not unpack the tarball:\n${told(untarred)}`);
  packageDir = join(unpacked, 'package');
  shipped = filesUnder(packageDir).sort();

  app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'tarball-app', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const install = (mode: string) => run('npm', ['install', mode, '--no-audit', '--no-fund', tarball], app, 300_000);
  let installed = await install('--offline');
  if (installed.code !== 0) installed = await install('--prefer-offline'); // the cache lacked a dependency: ask the registry
  if (installed.code !== 0) throw new Error(`npm install of the tarball into an empty app failed:\n${told(installed)}`);

  await writeFile(join(app, 'tsconfig.json'), `${JSON.stringify(APP_TSCONFIG, null, 2)}\n`);
  await writeFile(join(app, 'app.ts'), APP_TS);
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe(`the packed ${PACKAGE_JSON.name}`, () => {
  it('ships a LICENSE that matches package.json', () => {
    expect(PACKAGE_JSON.license, 'package.json has no license').toBeTypeOf('string');
    expect(shipped, 'the tarball has no LICENSE file').toContain('LICENSE');
    const text = readFileSync(join(packageDir, 'LICENSE'), 'utf8');
    if (PACKAGE_JSON.license === 'MIT') expect(text).toMatch(/^MIT License\s+Copyright \(c\) \d{4} \S/);
    else expect(text).toContain(PACKAGE_JSON.license);
  });

  it("ships every file the README links to (and the files those docs link to)", () => {
    expect(shipped).toContain('README.md');
    const broken: string[] = [];
    const seen = new Set<string>();
    const queue = ['README.md'];
    while (queue.length > 0) {
      const page = queue.shift()!;
      if (seen.has(page)) continue;
      seen.add(page);
      for (const link of relativeLinks(readFileSync(join(packageDir, page), 'utf8'))) {
        const target = posix.normalize(posix.join(posix.dirname(page), link)).replace(/\/$/, '');
        const inside = !target.startsWith('../') && target !== '..';
        const exists = inside && (shipped.includes(target) || shipped.some((f) => f.startsWith(`${target}/`)));
        if (!exists) broken.push(`${page} links to ${link}: ${inside ? 'not in the tarball' : 'outside the package'}`);
        else if (target.endsWith('.md') && shipped.includes(target)) queue.push(target);
      }
    }
    expect(broken, `links that do not work from the installed package (ship the file via package.json "files", or make the link absolute):\n${broken.join('\n')}`).toEqual([]);
  });

  it('ships no tests', () => {
    const tests = shipped.filter((f) => /^(test|tests|__tests__)\//.test(f) || /(^|\/)(__tests__|fixtures)\//.test(f) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(f));
    expect(tests, 'test files in the tarball').toEqual([]);
  });

  it('ships no source map that points outside it, and no output of sources it does not have', () => {
    const problems: string[] = [];
    for (const file of shipped) {
      if (/\.[cm]?js$/.test(file)) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(packageDir, file), 'utf8'))?.[1];
        if (url && !url.startsWith('data:')) {
          const map = posix.normalize(posix.join(posix.dirname(file), url));
          if (!shipped.includes(map)) problems.push(`${file}: its sourceMappingURL ${url} is not in the tarball`);
        }
      }
      if (file.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(packageDir, file), 'utf8')) as { sourceRoot?: string; sources?: string[]; sourcesContent?: unknown[] };
        for (const [i, source] of (map.sources ?? []).entries()) {
          if (/^[a-z][a-z0-9+.-]*:/i.test(source) || (map.sourceRoot ?? '').includes(':')) {
            problems.push(`${file}: source ${source} (sourceRoot ${map.sourceRoot ?? ''}) is a URL, not a file in the package`);
            continue;
          }
          const target = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source));
          const embedded = typeof map.sourcesContent?.[i] === 'string';
          if (target.startsWith('../')) problems.push(`${file}: source ${source} is outside the package`);
          else if (!shipped.includes(target) && !embedded) problems.push(`${file}: source ${target} is not in the tarball`);
        }
      }
    }
    // dist/ holds what today's src/ compiles to, nothing left over from files since moved or deleted.
    const sources = new Set(
      shipped.some((f) => f.startsWith('src/'))
        ? shipped.filter((f) => f.startsWith('src/'))
        : filesUnder(join(REPO, 'src')).map((f) => `src/${f}`),
    );
    for (const file of shipped.filter((f) => f.startsWith('dist/'))) {
      const stem = file.slice('dist/'.length).replace(/(\.d)?\.[cm]?[jt]s(\.map)?$/, '');
      if (!['.ts', '.mts', '.cts', '.tsx'].some((ext) => sources.has(`src/${stem}${ext}`))) problems.push(`${file}: no src/${stem}.ts compiles to it (a stale build?)`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('the package installed into an empty app', () => {
  it('`npx rtc-machines --help` prints the help and exits 0', async () => {
    // --no: never fetch a package of that name from the registry; the installed bin must answer.
    const help = await run('npx', ['--no', '--', 'rtc-machines', '--help'], app);
    expect(help.code, told(help)).toBe(0);
    expect(help.stdout, `the installed command printed no help:\n${told(help)}`).toMatch(/usage/i);
    expect(help.stdout).toMatch(/rtc-machines/);
    expect(help.stdout).toMatch(/simulate/);
  });

  it('`npx rtc-machines --version` prints package.json\'s version', async () => {
    const version = await run('npx', ['--no', '--', 'rtc-machines', '--version'], app);
    expect(version.code, told(version)).toBe(0);
    expect(version.stdout.trim()).toBe(PACKAGE_JSON.version);
  });

  it('runs a bundled scenario from the installed command', async () => {
    const simulated = await run('npx', ['--no', '--', 'rtc-machines', 'simulate'], app);
    expect(simulated.code, told(simulated)).toBe(0);
    expect(simulated.stdout.trim(), told(simulated)).not.toBe('');
  });

  it('type-checks an app that imports it (strict, skipLibCheck: false, NodeNext, no @types/node)', async () => {
    const nodeTypes = ['@types/node', 'undici-types'].filter((p) => existsSync(join(app, 'node_modules', p)));
    expect(nodeTypes, `installing ${PACKAGE_JSON.name} brought Node's types into the app: the main entry must not need them`).toEqual([]);
    const checked = await run(process.execPath, [TSC, '--noEmit', '-p', '.'], app);
    expect(
      checked.code,
      `the app does not type-check against the installed declarations (a public .d.ts that needs Node's types or an undeclared package's):\n${checked.stdout}${checked.stderr}`,
    ).toBe(0);
  });

  it('runs the compiled app with node', async () => {
    // Emitted without checking, so this holds or fails on its own, whatever the type check says.
    const built = await run(process.execPath, [TSC, '-p', '.', '--noCheck'], app);
    expect(built.code, told(built)).toBe(0);
    const ran = await run(process.execPath, [join('out', 'app.js')], app);
    expect(ran.code, told(ran)).toBe(0);
    expect(ran.stdout, told(ran)).toMatch(/app ok: \d+ trace records, \d+ pcap bytes/);
  });
});
