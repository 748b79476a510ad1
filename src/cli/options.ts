/**
 * What the project's command lines accept, and how they end.
 *
 * The rules are pure functions from the text a user typed to a value or a
 * problem in words (tested one rule at a time); `argParser` turns one into
 * what commander calls for an option's value, so that a bad value is refused
 * by the parser, with the option named, before any command runs. The fuzzer's
 * command line (fuzz/run.ts) uses the same rules.
 *
 * Commander parses the words (options, arguments, subcommands, help); it has
 * no idea of a number in a range, a port or host:port, which is why these
 * rules are written here. Numbers are strict on purpose: `Number('')` is 0
 * and `Number(' 1e3 ')` is 1000, so a typo would silently run as some other
 * number. Only decimal digits are a whole number here.
 */
import { InvalidArgumentError } from 'commander';
import { isIP } from 'node:net';
import { parseIPv4, parseIPv6 } from '../io/ip.js';

/** How a command ends: done; the operation failed (the network, the input or the check said no); the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** The largest seed a world takes exactly (SeededRandom accepts any safe integer; we take the non-negative ones). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A whole number in decimal digits, `min` to `max` inclusive. */
export function readWholeNumber(text: string, min: number, max: number): Parsed<number> {
  const range = `a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  if (text === '') return { ok: false, problem: `empty; expected ${range}` };
  if (!/^[0-9]+$/.test(text)) return { ok: false, problem: `not ${range} (digits 0-9 only)` };
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) return { ok: false, problem: `out of range; expected ${range}` };
  return { ok: true, value };
}

/** A UDP or TCP port: 1-65535, or 0 ("any free port") where `zero` allows it. */
export function readPort(text: string, options: { readonly zero?: boolean } = {}): Parsed<number> {
  return readWholeNumber(text, options.zero ? 0 : 1, 65535);
}

/**
 * "1.2.3.4:3478", "[2001:db8::1]:3478" or "stun.example.org:3478": a host and
 * a port, as RFC 3986 §3.2.2 writes an IPv6 literal (in brackets).
 */
export function readHostPort(text: string): Parsed<{ readonly host: string; readonly port: number }> {
  const examples = 'e.g. 127.0.0.1:3478, [::1]:3478, stun.example.org:3478';
  const match = /^\[([^\]]*)\]:([^:]*)$/.exec(text) ?? /^([^:[\]\s]+):([^:]*)$/.exec(text);
  if (match === null) return { ok: false, problem: `${JSON.stringify(text)} is not host:port (${examples})` };
  const host = match[1]!;
  if (text.startsWith('[') && isIP(host) !== 6) return { ok: false, problem: `${JSON.stringify(host)} in brackets is not an IPv6 address` };
  const port = readPort(match[2]!);
  if (!port.ok) return { ok: false, problem: `the port of ${JSON.stringify(text)} is ${port.problem}` };
  return { ok: true, value: { host, port: port.value } };
}

/** One of `names`, exactly as written. */
export function readChoice<T extends string>(text: string, names: readonly T[]): Parsed<T> {
  const found = names.find((n) => n === text);
  if (found !== undefined) return { ok: true, value: found };
  return { ok: false, problem: `${JSON.stringify(text)} is not one of ${names.join(', ')}` };
}

/** A comma-separated list of `names`, each known, at least one; duplicates once. */
export function readChoiceList<T extends string>(text: string, names: readonly T[]): Parsed<readonly T[]> {
  const parts = text.split(',').map((p) => p.trim());
  const chosen: T[] = [];
  for (const part of parts) {
    const one = readChoice(part, names);
    if (!one.ok) return { ok: false, problem: part === '' ? `an empty name in ${JSON.stringify(text)}; known: ${names.join(', ')}` : `unknown ${one.problem.replace(' is not one of ', '; known: ')}` };
    if (!chosen.includes(one.value)) chosen.push(one.value);
  }
  return { ok: true, value: chosen };
}

/** "user:password" (the password may contain colons; neither part empty). */
export function readCredential(text: string): Parsed<{ readonly username: string; readonly password: string }> {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return { ok: false, problem: `expected user:password, both non-empty` };
  return { ok: true, value: { username: text.slice(0, colon), password: text.slice(colon + 1) } };
}

/** Whether an IP address is loopback: 127.0.0.0/8 (RFC 1122 §3.2.1.3) or ::1 (RFC 4291 §2.5.3). */
export function isLoopback(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4 !== null) return v4[0] === 127;
  const v6 = parseIPv6(address);
  return v6 !== null && v6.every((byte, i) => byte === (i === 15 ? 1 : 0));
}

/** A rule as commander's option parser: the value, or an `InvalidArgumentError` that commander reports with the option's name. */
export function argParser<T>(rule: (text: string) => Parsed<T>): (text: string) => T {
  return (text) => {
    const parsed = rule(text);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.problem);
    return parsed.value;
  };
}

/** As `argParser`, for a repeatable option: each value is added to the list of those before it. */
export function repeatableArgParser<T>(rule: (text: string) => Parsed<T>): (text: string, previous: readonly T[] | undefined) => readonly T[] {
  const one = argParser(rule);
  return (text, previous) => [...(previous ?? []), one(text)];
}

/**
 * Commander's error text (`error: unknown option '--nope'\n(Did you mean
 * --seed?)`) as one line naming the command, with where to find its usage.
 */
export function usageLine(command: string, text: string): string {
  const said = text
    .trim()
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ')
    .replace(/ is invalid( for argument '[^']*')?\. /, ' is invalid$1: ')
    .replace(/\.$/, '');
  return `${command}: ${said}; see ${command} --help`;
}
