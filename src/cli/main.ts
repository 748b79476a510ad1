#!/usr/bin/env node
/**
 * The `rtc-machines` command: `npx rtc-machines <command>` where the package
 * is installed, `npm run -s rtc -- <command>` in a checkout (`-s` keeps npm's
 * banner off standard output, so JSON output stays pure JSON), with the short
 * forms `npm run -s sim -- [scenario]` and `npm run -s matrix`.
 *
 * Arguments are parsed by commander (help on every command and subcommand,
 * unknown options and commands refused with a suggestion); every value is
 * checked by the rules in options.ts before a command runs.
 *
 * Exit status: 0 done; 1 the operation failed (the network, the input or a
 * check said no); 2 the command line is wrong, with one line on standard
 * error that says what and where to find the usage.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../sim/index.js';
import { commandPath, type CliContext, type Io, type Seams } from './context.js';
import { registerMatrix } from './matrix.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, usageLine } from './options.js';
import { registerSimulate } from './simulate.js';
import { registerStun } from './stun.js';
import { packageVersion } from './version.js';

export type { Io, Seams } from './context.js';

const EXAMPLES = `
Examples:
  rtc-machines simulate nat-tour                 what each NAT type does to UDP, told packet by packet
  rtc-machines simulate --format json            the same run as JSON Lines, one trace record a line
  rtc-machines matrix --profiles open,symmetric  which candidate pair ICE selects, NAT against NAT
  rtc-machines stun serve                        a STUN server on 127.0.0.1:3478, until Ctrl-C
  rtc-machines stun probe 127.0.0.1:3478         (in another terminal) "what is my address?"

In a checkout: npm run -s rtc -- <command>, npm run -s sim -- [scenario], npm run -s matrix
(-s keeps npm's own lines off standard output, so JSON output stays pure).

Exit status: 0 done, 1 the operation failed, 2 the command line is wrong.`;

/** The whole command tree, fresh for each run (commander keeps parse state in it). */
export function buildProgram(context: CliContext): Command {
  const program = new Command('rtc-machines')
    .description('WebRTC connection set-up, made visible: NATs, STUN, TURN and ICE in a simulated network, and STUN on real sockets.')
    .version(packageVersion(), '-V, --version', "print the package's version")
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', 'print the help of a command')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .showSuggestionAfterError(true);
  registerSimulate(program, context);
  registerMatrix(program, context);
  registerStun(program, context);
  for (const command of allCommands(program)) {
    const path = commandPath(command);
    command.helpOption('-h, --help', 'print this help');
    command.configureOutput({
      writeOut: (text) => context.io.out(text.replace(/\n$/, '')),
      writeErr: (text) => context.io.err(text.replace(/\n$/, '')),
      outputError: (text) => context.io.err(usageLine(path, text)),
    });
  }
  return program;
}

export async function main(argv: readonly string[], io: Io, seams: Seams = {}): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram({ io, seams, exit: (c) => (code = c) });
  try {
    await program.parseAsync(helpForBareGroups(program, argv), { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0) ? EXIT_OK : EXIT_USAGE;
    if (e instanceof ScenarioError) {
      // The scenario file is wrong, not the command line: every problem, with where it is in the file.
      io.err(`rtc-machines: ${e.message}`);
      return EXIT_FAILED;
    }
    throw e; // a bug: its stack is what a report needs
  }
}

/**
 * `rtc-machines` and `rtc-machines stun` alone print their help (on standard
 * output, exit 0) rather than commander's "missing command" error: what a
 * new user types first should teach, not scold.
 */
function helpForBareGroups(program: Command, argv: readonly string[]): string[] {
  let command = program;
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) return [...argv];
    command = sub;
  }
  return command.commands.length > 0 ? [...argv, '--help'] : [...argv];
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/**
 * Run when executed, not when imported by tests. Installed, the command is a
 * symlink (node_modules/.bin/rtc-machines) to this file, and argv[1] is the
 * link's path: compare real paths, not the spelling.
 */
function invokedDirectly(): boolean {
  const invoked = process.argv[1];
  if (!invoked) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

function processIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    async stdin() {
      if (process.stdin.isTTY) process.stderr.write('(reading standard input; end it with Ctrl-D)\n');
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    untilStopped: () =>
      new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
}

if (invokedDirectly()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK); // `| head` closed the pipe: not an error
    throw e;
  });
  process.exitCode = await main(process.argv.slice(2), processIo());
  // The command is done. Whatever is still open (a client's TCP connection to the server `stun serve`
  // just stopped) must not keep the process alive; a second is plenty for the output to drain.
  setTimeout(() => process.exit(), 1000).unref();
}
