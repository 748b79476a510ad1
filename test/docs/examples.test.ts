/**
 * The documentation's examples cannot rot (issue 13): every ```ts block of
 * docs/*.md and README.md is type-checked, strict, by one `tsc -p` run, and
 * run with tsx; a run must exit 0, and print what the ```text block after it
 * shows (the rules are in test/docs/examples.ts). A failure names the page
 * and the line of the block.
 *
 * The examples import the package as a user does ('rtc-machines',
 * 'rtc-machines/sim', ...). Here those names mean this checkout's src/:
 * - for tsc, through `paths` in the examples' tsconfig;
 * - for the run, through a Node resolve hook made from the same table. tsx
 *   reads `paths` too, but not for a file under node_modules/ (it skips
 *   tsconfig paths for importers there: tsx 4.x, `resolveTsPaths`), and the
 *   examples are written to node_modules/.cache/docs-examples/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { examplesOf, matchOutput, type Example } from './examples.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(REPO, 'node_modules', '.cache', 'docs-examples');
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
/** Each example's run, ms: the examples are small, and a real-socket one closes what it opens. */
const RUN_TIMEOUT_MS = 30_000;
/** Examples run at once (the test machine has 2 cores, and other test files run beside this one). */
const PARALLEL = 2;

/** The package's entries (package.json "exports") and the source each one is built from. */
const ENTRIES: Readonly<Record<string, string>> = {
  'rtc-machines': 'src/index.ts',
  'rtc-machines/sim': 'src/sim/index.ts',
  'rtc-machines/wire': 'src/wire/index.ts',
  'rtc-machines/lab': 'src/lab/index.ts',
  'rtc-machines/node': 'src/node.ts',
};

/** The pages whose examples are checked: the README and every page of docs/. */
function pages(): string[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Where an example is written: its page and line in the name, so tsc's messages say where it came from. */
function fileOf(example: Example): string {
  return `${example.page.replace(/\.md$/, '').replace(/[^\w]+/g, '-')}-L${example.line}.ts`;
}

/** `docs/io.md:42` for a block that starts on line 40, its code's line 2 (the fence is line 40, the code starts at 41). */
function pageLine(example: Example, codeLine: number): string {
  return `${example.page}:${example.line + codeLine}`;
}

function writeExamples(examples: readonly Example[]): void {
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  const paths = Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, [relative(CACHE, join(REPO, source))]]));
  const tsconfig = {
    // The project's own compiler options (strict, noUncheckedIndexedAccess, verbatimModuleSyntax, ...).
    extends: relative(CACHE, join(REPO, 'tsconfig.json')),
    compilerOptions: {
      noEmit: true,
      rootDir: relative(CACHE, REPO),
      paths,
      // A rerun re-checks only what changed (src/ is most of the work); kept beside the folder, which is rewritten each run.
      incremental: true,
      tsBuildInfoFile: relative(CACHE, `${CACHE}.tsbuildinfo`),
    },
    include: examples.map(fileOf),
  };
  writeFileSync(join(CACHE, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  // ES modules, as a user's app is (top-level await).
  writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2));
  const urls = Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, pathToFileURL(join(REPO, source)).href]));
  writeFileSync(
    join(CACHE, 'entries-hook.mjs'),
    `const ENTRIES = ${JSON.stringify(urls)};\n` +
      'export async function resolve(specifier, context, next) {\n' +
      '  const url = ENTRIES[specifier];\n' +
      // The entry's source, resolved on down the chain, so tsx loads it as it loads any .ts file.
      '  return next(url ?? specifier, context);\n' +
      '}\n',
  );
  writeFileSync(join(CACHE, 'entries.mjs'), "import { register } from 'node:module';\nregister('./entries-hook.mjs', import.meta.url);\n");
  for (const example of examples) writeFileSync(join(CACHE, fileOf(example)), example.code);
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function run(args: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: CACHE, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** At most `limit` of the tasks at a time. */
function limited(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** tsc's messages with each example file's position turned into its page and line. */
function onPages(output: string, examples: readonly Example[]): string {
  const byFile = new Map(examples.map((e) => [fileOf(e), e]));
  return output.replace(/(?:[^\s(]*\/)?([\w-]+-L\d+\.ts)\((\d+),(\d+)\)/g, (whole, file: string, line: string, column: string) => {
    const example = byFile.get(file);
    return example === undefined ? whole : `${pageLine(example, Number(line))}:${column} (${file})`;
  });
}

const examples = pages().flatMap((page) => examplesOf(page, readFileSync(join(REPO, page), 'utf8')));
const runnable = examples.filter((e) => !e.fragment);
const slot = limited(PARALLEL);
const runs = new Map<Example, Promise<Ran>>();
let typeCheck: Ran;

beforeAll(async () => {
  writeExamples(examples);
  // The runs start now, two at a time, beside the type check; each test below awaits its own.
  for (const example of runnable) runs.set(example, slot(() => run(['--import', 'tsx', '--import', './entries.mjs', fileOf(example)], RUN_TIMEOUT_MS)));
  typeCheck = await run([TSC, '-p', 'tsconfig.json', '--pretty', 'false'], 120_000);
}, 130_000);

describe('the examples of the documentation', () => {
  it('every page of docs/ has a runnable example', () => {
    const withoutOne = pages().filter((p) => p.startsWith('docs/') && !runnable.some((e) => e.page === p));
    // The index, and pages about the command and the benchmarks rather than a part of the library.
    const exempt = ['docs/README.md', 'docs/learner-map.md', 'docs/performance.md'];
    expect(withoutOne.filter((p) => !exempt.includes(p)), 'pages of docs/ without a ```ts example').toEqual([]);
  });

  it('every example type-checks (one strict tsc run over all of them)', () => {
    expect(typeCheck.timedOut, 'tsc did not finish in time').toBe(false);
    expect(typeCheck.code, `tsc -p ${relative(REPO, CACHE)}/tsconfig.json:\n${onPages(typeCheck.stdout + typeCheck.stderr, examples)}`).toBe(0);
  });

  it('every example imports only the package entries, as a user would', () => {
    const wrong = examples.flatMap((e) =>
      [...e.code.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)]
        .map((m) => m[1] ?? m[2]!)
        .filter((specifier) => !(specifier in ENTRIES) && !specifier.startsWith('node:'))
        .map((specifier) => `${e.page}:${e.line}: imports ${specifier}`),
    );
    expect(wrong, `imports other than ${Object.keys(ENTRIES).join(', ')} and node: built-ins`).toEqual([]);
  });

  for (const example of runnable) {
    const where = `${example.page}:${example.line}`;
    it(`${where} runs, exits 0${example.output ? ' and prints what the page shows' : ''}`, async () => {
      const { code, stdout, stderr, timedOut } = await runs.get(example)!;
      const said = `--- stdout ---\n${stdout}--- stderr ---\n${stderr}`;
      expect(timedOut, `${where}: the example did not end within ${RUN_TIMEOUT_MS / 1000} s\n${said}`).toBe(false);
      expect(code, `${where}: the example exited ${code}\n${said}`).toBe(0);
      expect(stderr, `${where}: the example wrote to standard error`).toBe('');
      if (example.output !== undefined) {
        const verdict = matchOutput(example.output, stdout);
        expect(verdict.ok ? '' : verdict.why, `${where}: the output is not what ${example.page}:${example.outputLine} shows\n--- stdout ---\n${stdout}`).toBe('');
      }
    }, RUN_TIMEOUT_MS * (Math.ceil(runnable.length / PARALLEL) + 1));
  }
});

describe('matchOutput: how a page may abridge an output', () => {
  const out = 'one\ntwo\nthree\nfour\n';
  it.each([
    [['one', 'two', 'three', 'four'], true],
    [['one', '...', 'four'], true],
    [['...', 'three', 'four'], true],
    [['one', 'two', '...'], true],
    [['...'], true],
    [['on...', 'two', '...'], true],
    [['one', 'three', '...'], false], // a line left out without `...`
    [['one', 'two'], false], // the output goes on
    [['two', '...'], false], // the output starts elsewhere
    [['one', '...', 'five'], false],
    [['...', 'four', 'three'], false], // order matters
  ])('%j against one/two/three/four: %s', (shown, ok) => {
    expect(matchOutput(shown, out).ok).toBe(ok);
  });

  it('names the shown line it could not find', () => {
    expect(matchOutput(['one', 'five', '...'], out)).toEqual({ ok: false, why: 'no line of the output, where it should be, is "five"' });
  });
});

describe('examplesOf: a page read as its blocks', () => {
  const page = ['# A page', '', '```ts', "console.log('hi');", '```', '', '```text', 'hi', '```', '', '```ts fragment', 'declare const x: number;', '```', 'prose', '```text', 'not its output', '```', ''].join('\n');
  it('finds the ts blocks, their lines, fragments and the text block right after', () => {
    expect(examplesOf('docs/x.md', page)).toEqual([
      { page: 'docs/x.md', line: 3, code: "console.log('hi');\n", fragment: false, output: ['hi'], outputLine: 7 },
      { page: 'docs/x.md', line: 11, code: 'declare const x: number;\n', fragment: true, output: undefined, outputLine: undefined },
    ]);
  });
});
