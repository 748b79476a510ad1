#!/usr/bin/env node
/**
 * The `rtc-machines` command. From a checkout: `npm run rtc -- <command>`,
 * or `npm run sim -- [scenario]` for `simulate`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NETWORK_PROFILES, NETWORK_PROFILE_NAMES, NAT_PRESETS, ScenarioError, runScenario } from '../sim/index.js';
import { narrate } from '../inspect/narrate.js';
import { writePcapFile } from '../inspect/pcap-file.js';
import { summarize, summaryTable } from '../inspect/summary.js';
import { DEFAULT_SCENARIO, loadScenario, scenarioNames } from './scenarios.js';
import { matrixCommand } from './matrix.js';
import { stunCommand } from './stun.js';

const HELP = `rtc-machines: WebRTC connection set-up, made visible

Usage: npm run rtc -- <command> [options]
       npm run sim -- [scenario] [options]      (short for: simulate)

Commands:
  simulate [scenario]   run a scenario (default: ${DEFAULT_SCENARIO}) and tell what happened
      --seed N          the world's seed (default 1); same scenario + seed = same trace
      --format F        text (narration and summary, the default) | json (the trace, one JSON record per line)
      --pcap FILE       also write the simulated packets as a pcap file (one frame per link crossed) for Wireshark
  stun decode           a STUN message as hex on standard input, decoded as JSON
      --password P      check MESSAGE-INTEGRITY with a short-term password (or --username U --realm R --password P, long-term)
  stun probe HOST:PORT  ask a real STUN server "what is my public address?" (UDP; --tcp, --timeout-ms N, --json)
  matrix                every NAT profile against every other, with and without TURN: which
                        candidate pair ICE selects, or FAIL (--json, --seed N, --profiles a,b; short: npm run matrix)
  list                  the bundled scenarios, one line each
  profiles              the network profiles (NAT and firewall types) a host can sit behind
  help                  this text

A scenario is a bundled name (see list) or a path to a .json scenario file.`;

class UsageError extends Error {}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stdin: () => Promise<string>;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const { out } = io;
  const [command = 'help', ...rest] = argv;
  try {
    switch (command) {
      case 'simulate':
        return simulate(rest, out);
      case 'stun':
        return await stunCommand(rest, out, io.err, io.stdin);
      case 'matrix':
        return await matrixCommand(rest, out, io.err);
      case 'list':
        return list(out);
      case 'profiles':
        return profiles(out);
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`rtc-machines: ${e.message}\n\n${HELP}`);
      return 2;
    }
    if (e instanceof ScenarioError) {
      io.err(`rtc-machines: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function simulate(args: readonly string[], out: (text: string) => void): number {
  const { values, positionals } = parse(args, { seed: { type: 'string' }, format: { type: 'string' }, pcap: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`simulate takes one scenario, got ${positionals.join(' ')}`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${values.seed}`);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got ${format}`);

  const scenario = loadScenario(positionals[0] ?? DEFAULT_SCENARIO);
  const run = runScenario(scenario, { seed });
  if (values.pcap !== undefined) {
    try {
      writePcapFile(values.pcap, run.world.trace.records);
    } catch (e) {
      throw new UsageError(`cannot write the pcap file: ${(e as Error).message}`);
    }
  }
  if (format === 'json') {
    out(run.world.trace.toJSONLines().trimEnd());
    return 0;
  }
  const labels = new Map(run.outcomes.flatMap((o) => (o.packet !== undefined ? [[o.packet, o.label] as const] : [])));
  out(
    [
      `${scenario.title} (scenario ${scenario.name}, seed ${seed})`,
      scenario.description,
      '',
      ...narrate(run.world.trace.records, { labels }),
      '',
      'What each host showed:',
      ...summarize(run),
      '',
      ...summaryTable(run),
    ].join('\n'),
  );
  return 0;
}

function list(out: (text: string) => void): number {
  const names = scenarioNames();
  const width = Math.max(...names.map((n) => n.length));
  out(names.map((name) => `${name.padEnd(width)}  ${loadScenario(name).title}`).join('\n'));
  return 0;
}

function profiles(out: (text: string) => void): number {
  const width = Math.max(...NETWORK_PROFILE_NAMES.map((n) => n.length));
  const lines = NETWORK_PROFILE_NAMES.map((name) => {
    const profile = NETWORK_PROFILES[name];
    const layers = profile.layers.map((l) => {
      const b = NAT_PRESETS[l.nat];
      return `${l.name} NAT: ${b.mapping} mapping, ${b.filtering} filtering, ${b.portAssignment} ports`;
    });
    const firewall = 'firewall' in profile ? [`firewall: ${profile.firewall}`] : [];
    return [`${name.padEnd(width)}  ${profile.summary}`, ...[...layers, ...firewall].map((l) => `${' '.repeat(width)}    ${l}`)].join('\n');
  });
  out(lines.join('\n'));
  return 0;
}

function parse<O extends Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer P } ? P : never) : never>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
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

if (invokedDirectly()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0); // `| head` closed the pipe: not an error
    throw e;
  });
  const stdin = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  process.exitCode = await main(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stdin,
  });
}
