/**
 * The command as a whole: help on every command, --version, and how it ends
 * (0 done, 1 the operation failed, 2 the command line is wrong, with one line
 * on standard error).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import type { Command } from 'commander';
import { rtc } from './support.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command and subcommand, as the words a user types. */
function commandWords(): string[][] {
  const program = buildProgram({ io: { out: () => {}, err: () => {}, stdin: async () => '' }, seams: {}, exit: () => {} });
  const walk = (command: Command, words: string[]): string[][] => [words, ...command.commands.filter((c) => c.name() !== 'help').flatMap((c) => walk(c, [...words, c.name()]))];
  return walk(program, []);
}

describe('help', () => {
  it('the command alone, --help, -h and help print the usage on standard output and exit 0', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const { code, out, err } = await rtc(argv);
      expect(code, argv.join(' ')).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(/^Usage: rtc-machines \[options\] \[command\]/);
      for (const command of ['simulate', 'list', 'profiles', 'matrix', 'stun']) expect(out).toContain(`  ${command}`);
      expect(out).toContain('npm run -s rtc --');
      expect(out).toContain('Exit status: 0 done, 1 the operation failed, 2 the command line is wrong.');
    }
  });

  it.each(commandWords().filter((w) => w.length > 0).map((w) => [w.join(' ')]))('`%s --help`, `-h` and `help %s` print its usage and exit 0', async (words) => {
    const argv = words.split(' ');
    const forms = [[...argv, '--help'], [...argv, '-h'], [...argv.slice(0, -1), 'help', argv.at(-1)!]];
    for (const form of forms) {
      const { code, out, err } = await rtc(form);
      expect(code, form.join(' ')).toBe(0);
      expect(err, form.join(' ')).toBe('');
      expect(out, form.join(' ')).toMatch(new RegExp(`^Usage: rtc-machines ${words} `));
    }
  });

  it('a command group alone (`stun`) prints its help and exits 0', async () => {
    const { code, out } = await rtc(['stun']);
    expect(code).toBe(0);
    for (const sub of ['decode', 'probe', 'serve']) expect(out).toContain(`  ${sub} `);
  });
});

describe('--version', () => {
  it.each([['--version'], ['-V']])("%s prints package.json's version, alone on a line", async (flag) => {
    expect(await rtc([flag])).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });
});

describe('usage errors: exit 2, one line on standard error, nothing on standard output', () => {
  it.each([
    [['bogus'], "rtc-machines: unknown command 'bogus'; see rtc-machines --help"],
    [['simulte'], "rtc-machines: unknown command 'simulte' (Did you mean simulate?); see rtc-machines --help"],
    [['stun', 'decod'], "rtc-machines stun: unknown command 'decod' (Did you mean decode?); see rtc-machines stun --help"],
    [['simulate', '--sed', '3'], "rtc-machines simulate: unknown option '--sed' (Did you mean --seed?); see rtc-machines simulate --help"],
    [['simulate', '--seed', 'abc'], "rtc-machines simulate: option '--seed <n>' argument 'abc' is invalid: not a whole number from 0 to 9,007,199,254,740,991 (digits 0-9 only); see rtc-machines simulate --help"],
    [['simulate', '--seed', ''], "rtc-machines simulate: option '--seed <n>' argument '' is invalid: empty; expected a whole number from 0 to 9,007,199,254,740,991; see rtc-machines simulate --help"],
    [['simulate', '--seed'], "rtc-machines simulate: option '--seed <n>' argument missing; see rtc-machines simulate --help"],
    [['simulate', '--format', 'yaml'], "rtc-machines simulate: option '--format <format>' argument 'yaml' is invalid: Allowed choices are text, json; see rtc-machines simulate --help"],
    [['simulate', 'a', 'b'], "rtc-machines simulate: too many arguments for 'simulate'. Expected 1 argument but got 2; see rtc-machines simulate --help"],
    [['list', 'extra'], "rtc-machines list: too many arguments for 'list'. Expected 0 arguments but got 1; see rtc-machines list --help"],
    [['--nope'], "rtc-machines: unknown option '--nope'; see rtc-machines --help"],
  ])('%j', async (argv, line) => {
    expect(await rtc(argv)).toEqual({ code: 2, out: '', err: `${line}\n` });
  });
});
