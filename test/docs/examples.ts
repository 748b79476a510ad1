/**
 * The TypeScript examples of the documentation, as data, and the rule that
 * says whether an example printed what its page shows
 * (test/docs/examples.test.ts type-checks and runs them).
 *
 * A page's example is a ```ts block. The ```text block right after it (blank
 * lines between are allowed, prose is not) is its output as the page shows
 * it. A block marked ```ts fragment is type-checked but not run; keep those
 * rare.
 *
 * How a page may abridge an output:
 * - a line that is `...` alone stands for any number of lines, none included;
 * - a line that ends in `...` stands for one line that begins with the text
 *   before it (a long line cut short);
 * - every other line is one line of the output, exactly (trailing blanks aside).
 * Without `...` at its start or its end, the shown output must be where the
 * real one starts or ends: a page cannot leave lines out without saying so.
 */

/** One ```ts block of a page. */
export interface Example {
  /** The page, relative to the repository: `docs/io.md`, `README.md`. */
  readonly page: string;
  /** The 1-based line of the block's opening fence. */
  readonly line: number;
  readonly code: string;
  /** Marked ```ts fragment: type-checked, not run. */
  readonly fragment: boolean;
  /** The ```text block right after it, as lines, if the page shows one. */
  readonly output: readonly string[] | undefined;
  /** The 1-based line of that block's opening fence. */
  readonly outputLine: number | undefined;
}

const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)\s*(.*?)\s*$/;
const TYPESCRIPT = new Set(['ts', 'typescript']);

interface Block {
  readonly lang: string;
  readonly info: string;
  readonly line: number;
  readonly lines: readonly string[];
  /** The index of the line after the closing fence. */
  readonly end: number;
}

/** The fenced blocks of a Markdown text, in order. An unclosed block runs to the end of the text, as CommonMark says. */
function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    found.push({ lang: open[2]!.toLowerCase(), info: open[3]!, line: i + 1, lines: body, end: j + 1 });
    i = j;
  }
  return found;
}

/** Every ```ts block of a page, with the ```text block that follows it. */
export function examplesOf(page: string, markdown: string): Example[] {
  const all = blocks(markdown.replace(/\r\n/g, '\n'));
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  return all.flatMap((block, i) => {
    if (!TYPESCRIPT.has(block.lang)) return [];
    const next = all[i + 1];
    // "Right after": only blank lines between the closing fence and the text block.
    const adjacent = next !== undefined && next.lang === 'text' && lines.slice(block.end, next.line - 1).every((l) => l.trim() === '');
    return [
      {
        page,
        line: block.line,
        code: block.lines.join('\n') + '\n',
        fragment: block.info.split(/\s+/).includes('fragment'),
        output: adjacent ? next.lines : undefined,
        outputLine: adjacent ? next.line : undefined,
      },
    ];
  });
}

const ELISION = '...';

/**
 * Whether `actual` (a program's standard output) is what `shown` says it is,
 * by the rules at the top of this file; when not, why, naming the first shown
 * line that could not be matched.
 */
export function matchOutput(shown: readonly string[], actual: string): { readonly ok: true } | { readonly ok: false; readonly why: string } {
  const want = trimTrailingBlank(shown.map((l) => l.trimEnd()));
  const got = trimTrailingBlank(actual.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()));
  // Memoised search: shown line i against output line j. Inputs are small (a page's output).
  const memo = new Map<number, number>();
  let furthest = 0;
  const fits = (pattern: string, line: string) =>
    pattern.endsWith(ELISION) && pattern !== ELISION ? line.startsWith(pattern.slice(0, -ELISION.length)) : pattern === line;
  const match = (i: number, j: number): boolean => {
    const key = i * (got.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known === 1;
    furthest = Math.max(furthest, i);
    let result: boolean;
    if (i === want.length) result = j === got.length;
    else if (want[i] === ELISION) result = match(i + 1, j) || (j < got.length && match(i, j + 1));
    else result = j < got.length && fits(want[i]!, got[j]!) && match(i + 1, j + 1);
    memo.set(key, result ? 1 : 0);
    return result;
  };
  if (match(0, 0)) return { ok: true };
  const line = want[Math.min(furthest, want.length - 1)];
  const why =
    furthest >= want.length
      ? 'the output goes on after the last line shown (end the shown output with `...`)'
      : `no line of the output, where it should be, is ${JSON.stringify(line)}`;
  return { ok: false, why };
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return lines.slice(0, end);
}
