/** Small checks for plain data read from untrusted JSON (topologies, scenarios). */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A problem found in a piece of data: the field it is about (relative, '' for the whole) and what is wrong. */
export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** The fields of `value` that are not `allowed`: a misspelt field must be refused, not ignored. */
export function unknownFields(value: Record<string, unknown>, allowed: readonly string[]): Problem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: key, message: `unknown field ${JSON.stringify(key)}; expected one of ${allowed.join(', ')}` }));
}

export function isPositiveDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
