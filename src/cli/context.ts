/**
 * What every command is given: where it writes, what it reads, how it is
 * told to stop, and how it says how it ended. Injected, so that tests call
 * the command in-process and read what it printed.
 */
import type { Command } from 'commander';
import type { ConnectCell } from '../lab/cell.js';
import { EXIT_USAGE } from './options.js';

export interface Io {
  /** One line (or several) on standard output; the newline is added. */
  readonly out: (text: string) => void;
  /** One line (or several) on standard error; the newline is added. */
  readonly err: (text: string) => void;
  /** All of standard input, as text. */
  readonly stdin: () => Promise<string>;
  /**
   * Resolves, with the signal's name, when the user asks a command that runs
   * until stopped (`stun serve`) to stop: SIGINT (Ctrl-C) or SIGTERM. Asked
   * only by such a command, so that Ctrl-C ends any other at once as usual.
   */
  readonly untilStopped?: () => Promise<string>;
}

/** What tests may replace. */
export interface Seams {
  /** The agents `matrix` runs in each cell; the project's ICE agents by default. */
  readonly connect?: ConnectCell;
}

export interface CliContext {
  readonly io: Io;
  readonly seams: Seams;
  /** Records how the command ended (EXIT_OK, EXIT_FAILED). */
  readonly exit: (code: number) => void;
}

/** "rtc-machines stun decode": the command as the user typed it, for messages. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A usage error found after parsing (two options that need each other, a
 * value that is wrong only in context): commander reports it like its own,
 * one line naming the command, and `main` exits 2.
 */
export function usageError(command: Command, message: string): never {
  command.error(message, { exitCode: EXIT_USAGE, code: 'rtc-machines.usage' });
}

/** An action that returns its exit code, as commander's action handler. */
export function action<A extends unknown[]>(context: CliContext, body: (...args: A) => Promise<number> | number): (...args: A) => Promise<void> {
  return async (...args: A) => context.exit(await body(...args));
}
