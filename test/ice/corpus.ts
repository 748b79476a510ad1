/**
 * The candidate lines of test/fixtures/sdp-corpus (real SDP written by
 * Chromium, Firefox and older Chrome/Opera; see its MANIFEST.md), read once
 * for the codec and priority tests. The files are a byte-identical copy of the
 * shared corpus and are never written; .gitattributes keeps their CRLF line
 * ends on every checkout.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Found from this file, so a clone anywhere reads its own copy. */
export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/sdp-corpus/', import.meta.url));

export interface CorpusLine {
  readonly file: string;
  /** 0-based index of the m-section the line sits in (-1: session level). */
  readonly section: number;
  readonly line: string;
}

export interface CorpusFile {
  readonly file: string;
  readonly lines: readonly string[];
}

export function corpusFiles(): CorpusFile[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.sdp'))
    .sort()
    .map((file) => ({ file, lines: readFileSync(join(CORPUS_DIR, file), 'latin1').split('\r\n') }));
}

/** Every line starting with `prefix`, with the m-section it belongs to. */
export function corpusLines(prefix: string): CorpusLine[] {
  const out: CorpusLine[] = [];
  for (const { file, lines } of corpusFiles()) {
    let section = -1;
    for (const line of lines) {
      if (line.startsWith('m=')) section++;
      if (line.startsWith(prefix)) out.push({ file, section, line });
    }
  }
  return out;
}

/** The "Candidates" column of MANIFEST.md (counted there with sdp-transform), by file. */
export function manifestCandidateCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of readFileSync(join(CORPUS_DIR, 'MANIFEST.md'), 'utf8').split('\n')) {
    const cells = row.split('|').map((c) => c.trim());
    const file = cells[1];
    const candidates = cells[5];
    if (file?.endsWith('.sdp') && candidates !== undefined && /^\d+/.test(candidates)) {
      counts.set(file, Number(/^\d+/.exec(candidates)?.[0]));
    }
  }
  return counts;
}
