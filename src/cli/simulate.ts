/**
 * The commands about scenarios and the simulated network: `simulate` (run a
 * scenario and tell what happened), `list` (the bundled scenarios) and
 * `profiles` (the network profiles a host can sit behind).
 */
import { Option, type Command } from 'commander';
import { NETWORK_PROFILES, NETWORK_PROFILE_NAMES, NAT_PRESETS, runScenario } from '../sim/index.js';
import { narrate } from '../inspect/narrate.js';
import { writePcapFile } from '../inspect/pcap-file.js';
import { summarize, summaryTable } from '../inspect/summary.js';
import { action, commandPath, type CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, MAX_SEED, argParser, readWholeNumber } from './options.js';
import { DEFAULT_SCENARIO, loadScenario, scenarioNames } from './scenarios.js';

interface SimulateOptions {
  readonly seed: number;
  readonly format: 'text' | 'json';
  readonly pcap?: string;
}

export function registerSimulate(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .summary('run a scenario in the simulated network and tell what happened')
    .description(
      `Run a scenario (default: ${DEFAULT_SCENARIO}) in the simulated network: every packet, with the NATs'\n` +
        'translations, narrated in time order, then what each host showed and a summary table.',
    )
    .argument('[scenario]', 'a bundled scenario (see: rtc-machines list) or a path to a .json scenario file', DEFAULT_SCENARIO)
    .addOption(new Option('--seed <n>', "the world's seed; same scenario and seed, same trace, byte for byte").argParser(argParser(seedRule)).default(1))
    .addOption(new Option('--format <format>', 'text: narration and summary; json: the trace, one JSON record per line').choices(['text', 'json']).default('text'))
    .option('--pcap <file>', 'also write the simulated packets to a pcap file for Wireshark (one frame per link crossed)')
    .action(action(context, (scenario: string, options: SimulateOptions, command: Command) => simulate(scenario, options, command, context)));

  program
    .command('list')
    .description('the bundled scenarios, one a line: name and title')
    .action(action(context, () => list(context)));

  program
    .command('profiles')
    .description('the network profiles (NAT and firewall types) a host can sit behind, with RFC 4787 behaviours')
    .action(action(context, () => profiles(context)));
}

export function seedRule(text: string) {
  return readWholeNumber(text, 0, MAX_SEED);
}

function simulate(name: string, options: SimulateOptions, command: Command, { io }: CliContext): number {
  const scenario = loadScenario(name);
  const run = runScenario(scenario, { seed: options.seed });
  if (options.pcap !== undefined) {
    try {
      writePcapFile(options.pcap, run.world.trace.records);
    } catch (e) {
      io.err(`${commandPath(command)}: cannot write the pcap file: ${(e as Error).message}`);
      return EXIT_FAILED;
    }
  }
  if (options.format === 'json') {
    io.out(run.world.trace.toJSONLines().trimEnd());
    return EXIT_OK;
  }
  const labels = new Map(run.outcomes.flatMap((o) => (o.packet !== undefined ? [[o.packet, o.label] as const] : [])));
  io.out(
    [
      `${scenario.title} (scenario ${scenario.name}, seed ${options.seed})`,
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
  return EXIT_OK;
}

function list({ io }: CliContext): number {
  const names = scenarioNames();
  const width = Math.max(...names.map((n) => n.length));
  io.out(names.map((name) => `${name.padEnd(width)}  ${loadScenario(name).title}`).join('\n'));
  return EXIT_OK;
}

function profiles({ io }: CliContext): number {
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
  io.out(lines.join('\n'));
  return EXIT_OK;
}
