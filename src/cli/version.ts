/** The package's version, read at run time from its own package.json. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package.json two folders up from this module: the package root both
 * from src/cli/ (a checkout, run by tsx) and from dist/cli/ (the installed
 * tarball), so the version printed is the one the package was published as.
 */
export const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

export function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    if (typeof json.version === 'string' && json.version !== '') return json.version;
  } catch {
    // Fall through: a broken install should still answer --version with something honest.
  }
  return `unknown (no version in ${PACKAGE_JSON})`;
}
