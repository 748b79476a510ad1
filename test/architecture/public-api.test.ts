/**
 * The public surface (ARCHITECTURE.md, "Public surface"): each entry of
 * package.json's `exports` names only what it means to, and every name it
 * exports says what it is in a doc comment, so an editor's hover and the
 * generated declarations explain it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { types: string }> };

/** `./dist/sim/index.d.ts` → `src/sim/index.ts`. */
const sourceOf = (types: string) => types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
const entries = Object.entries(pkg.exports)
  .filter((e): e is [string, { types: string }] => typeof e[1] === 'object')
  .map(([subpath, target]) => ({ subpath: subpath === '.' ? 'rtc-machines' : `rtc-machines/${subpath.slice(2)}`, file: `${root}${sourceOf(target.types)}` }));

const program = ts.createProgram(
  entries.map((e) => e.file),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, types: ['node'] },
);
const checker = program.getTypeChecker();

function documented(symbol: ts.Symbol): boolean {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  if (ts.displayPartsToString(target.getDocumentationComment(checker)).trim() !== '') return true;
  // A doc comment that holds only tags (@throws, @example) documents the name too.
  return (target.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
}

describe('the package entries', () => {
  it('are the ones ARCHITECTURE.md names', () => {
    expect(entries.map((e) => e.subpath).sort()).toEqual(['rtc-machines', 'rtc-machines/lab', 'rtc-machines/node', 'rtc-machines/sim', 'rtc-machines/wire']);
  });

  for (const entry of entries) {
    it(`${entry.subpath}: every exported name has a doc comment`, () => {
      const source = program.getSourceFile(entry.file);
      expect(source, `${entry.file} is not in the program`).toBeDefined();
      const module = checker.getSymbolAtLocation(source!);
      const exported = checker.getExportsOfModule(module!);
      expect(exported.length).toBeGreaterThan(0);
      const undocumented = exported.filter((s) => !documented(s)).map((s) => s.getName());
      expect(undocumented).toEqual([]);
    });
  }

  it('rtc-machines re-exports no whole module (no `export *`)', () => {
    const text = readFileSync(`${root}src/index.ts`, 'utf8');
    expect(text).not.toMatch(/^export \*/m);
  });
});
