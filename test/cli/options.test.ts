/** The command line's rules, one at a time: what a user may type, and what is refused and how. */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from 'commander';
import { argParser, isLoopback, readChoice, readChoiceList, readCredential, readHostPort, readPort, readWholeNumber, repeatableArgParser, usageLine } from '../../src/cli/options.js';

describe('readWholeNumber', () => {
  test.prop([fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 })])('takes exactly the decimal numbers in range', (n, max) => {
    const parsed = readWholeNumber(String(n), 0, max);
    expect(parsed).toEqual(n <= max ? { ok: true, value: n } : { ok: false, problem: expect.stringMatching(/out of range/) });
  });

  test.prop([fc.string().filter((s) => !/^[0-9]+$/.test(s))])('refuses anything that is not digits only', (text) => {
    expect(readWholeNumber(text, 0, Number.MAX_SAFE_INTEGER).ok).toBe(false);
  });

  it.each([
    ['', /^empty; expected a whole number from 1 to 10$/],
    ['abc', /^not a whole number from 1 to 10 \(digits 0-9 only\)$/],
    [' 5', /digits 0-9 only/],
    ['1e1', /digits 0-9 only/],
    ['0x5', /digits 0-9 only/],
    ['-1', /digits 0-9 only/],
    ['2.5', /digits 0-9 only/],
    ['0', /^out of range; expected a whole number from 1 to 10$/],
    ['11', /out of range/],
    ['99999999999999999999', /out of range/],
  ])('refuses %j: %s', (text, problem) => {
    const parsed = readWholeNumber(text, 1, 10);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe('readPort', () => {
  it('takes 1-65535, and 0 only where "any free port" makes sense', () => {
    expect(readPort('3478')).toEqual({ ok: true, value: 3478 });
    expect(readPort('65535')).toEqual({ ok: true, value: 65535 });
    expect(readPort('0').ok).toBe(false);
    expect(readPort('0', { zero: true })).toEqual({ ok: true, value: 0 });
    expect(readPort('65536').ok).toBe(false);
  });
});

describe('readHostPort', () => {
  it.each([
    ['127.0.0.1:3478', '127.0.0.1', 3478],
    ['[::1]:3478', '::1', 3478],
    ['stun.example.org:19302', 'stun.example.org', 19302],
  ])('reads %j', (text, host, port) => {
    expect(readHostPort(text)).toEqual({ ok: true, value: { host, port } });
  });

  it.each([
    ['nohostport', /is not host:port/],
    ['127.0.0.1', /is not host:port/],
    ['::1:3478', /is not host:port/],
    ['a b:1', /is not host:port/],
    ['[::1', /is not host:port/],
    ['[nope]:3478', /"nope" in brackets is not an IPv6 address/],
    ['127.0.0.1:0', /the port of "127\.0\.0\.1:0" is out of range; expected a whole number from 1 to 65,535/],
    ['127.0.0.1:70000', /out of range/],
    ['127.0.0.1:', /the port .* is empty/],
    ['127.0.0.1:x', /digits 0-9 only/],
  ])('refuses %j', (text, problem) => {
    const parsed = readHostPort(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe('readChoice and readChoiceList', () => {
  const names = ['open', 'symmetric', 'cgnat'] as const;
  it('takes a known name exactly, and names the known ones otherwise', () => {
    expect(readChoice('open', names)).toEqual({ ok: true, value: 'open' });
    expect(readChoice('Open', names)).toEqual({ ok: false, problem: '"Open" is not one of open, symmetric, cgnat' });
  });
  it('takes a comma list of known names, once each, and refuses an unknown or empty one', () => {
    expect(readChoiceList('cgnat, open,cgnat', names)).toEqual({ ok: true, value: ['cgnat', 'open'] });
    expect(readChoiceList('open,moon', names)).toEqual({ ok: false, problem: 'unknown "moon"; known: open, symmetric, cgnat' });
    expect(readChoiceList('', names)).toEqual({ ok: false, problem: 'an empty name in ""; known: open, symmetric, cgnat' });
    expect(readChoiceList('open,', names).ok).toBe(false);
  });
});

describe('readCredential', () => {
  it('splits at the first colon (a password may hold more), and wants both parts', () => {
    expect(readCredential('alice:se:cret')).toEqual({ ok: true, value: { username: 'alice', password: 'se:cret' } });
    for (const bad of ['alice', ':secret', 'alice:', '']) expect(readCredential(bad).ok, bad).toBe(false);
  });
});

describe('isLoopback', () => {
  it('is 127.0.0.0/8 and ::1, in any spelling, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '0:0:0:0:0:0:0:1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '128.0.0.1', '10.0.0.1', '192.168.1.1', '::2', '::ffff:127.0.0.1', 'localhost', '', '127.0.0']) expect(isLoopback(a), a).toBe(false);
  });
});

describe('argParser and usageLine', () => {
  it("turns a refused value into commander's InvalidArgumentError, with the rule's words", () => {
    const port = argParser(readPort);
    expect(port('80')).toBe(80);
    expect(() => port('x')).toThrow(InvalidArgumentError);
    expect(() => port('x')).toThrow(/digits 0-9 only/);
  });

  it('collects a repeatable option', () => {
    const users = repeatableArgParser(readCredential);
    expect(users('b:2', users('a:1', undefined))).toEqual([{ username: 'a', password: '1' }, { username: 'b', password: '2' }]);
  });

  it("makes commander's two-line error one line that names the command and its help", () => {
    expect(usageLine('rtc-machines simulate', "error: unknown option '--sed'\n(Did you mean --seed?)\n")).toBe(
      "rtc-machines simulate: unknown option '--sed' (Did you mean --seed?); see rtc-machines simulate --help",
    );
    expect(usageLine('x', "error: option '--n <n>' argument 'a' is invalid. not a number\n")).toBe("x: option '--n <n>' argument 'a' is invalid: not a number; see x --help");
  });
});
