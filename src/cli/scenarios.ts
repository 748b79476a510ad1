/** Finding and loading scenario files: by name from `simulations/`, or by path. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, ScenarioError, type Scenario } from '../sim/index.js';

/** The package's own `simulations/` folder (the same from src/cli and from dist/cli). */
export const SIMULATIONS_DIR = fileURLToPath(new URL('../../simulations/', import.meta.url));

export const DEFAULT_SCENARIO = 'nat-tour';

export function scenarioNames(): string[] {
  return readdirSync(SIMULATIONS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Loads `nameOrPath`: a bundled scenario's name, or a path to a .json file. Throws ScenarioError, with the file named, on any problem. */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? resolve(nameOrPath) : join(SIMULATIONS_DIR, `${nameOrPath}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const known = isPath ? '' : ` (known scenarios: ${scenarioNames().join(', ')})`;
    throw new ScenarioError(nameOrPath, [{ path: '(file)', code: 'malformed', message: `cannot read ${file}${known}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(file, [{ path: '(file)', code: 'malformed', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  return parseScenario(json, file);
}
