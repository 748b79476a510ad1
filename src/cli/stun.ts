/**
 * The `stun` commands:
 *
 * - `stun decode [--password P | --username U --realm R --password P]`: a
 *   STUN message as hex on standard input (spaces, newlines and `0x` allowed),
 *   the decoded message as JSON on standard output. With credentials its
 *   MESSAGE-INTEGRITY is checked too; FINGERPRINT always is.
 * - `stun probe <host:port>`: a real Binding request to a real server,
 *   retransmitted as RFC 8489 §6.2.1 says, printing the address the server saw
 *   us at: "what is my public address?". While it waits it says on standard
 *   error what it is waiting for; over UDP it stops at the first ICMP
 *   port-unreachable (connected-udp.ts).
 * - `stun serve`: stun-serve.ts.
 *
 * Exit codes: 0 done; 1 the input or the network said no (not hex, not STUN,
 * a failed check, no answer, an error answer); 2 the command line is wrong.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Option, type Command } from 'commander';
import type { TraceKind, TraceKinds } from '../sim/trace.js';
import { connectTcp } from '../io/node/tcp.js';
import { formatAddress } from '../io/address.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../stun/client.js';
import { streamFlow, type StunFlow } from '../stun/flow.js';
import type { StunTrace } from '../stun/trace.js';
import type { StunTransactionOutcome } from '../stun/transaction.js';
import { hexToBytes } from '../wire/hex.js';
import { describeStunMessage, type DescribeOptions } from '../wire/stun/describe.js';
import { decodeStunMessage } from '../wire/stun/message.js';
import { action, commandPath, usageError, type CliContext } from './context.js';
import { connectUdpFlow } from './connected-udp.js';
import { EXIT_FAILED, EXIT_OK, argParser, readHostPort, readWholeNumber } from './options.js';
import { probeProgress } from './probe-progress.js';
import { registerServe } from './stun-serve.js';

/** The longest --timeout-ms taken: an hour (RFC 8489's own schedule gives up after 39.5 s). */
const MAX_TIMEOUT_MS = 3_600_000;

export function registerStun(program: Command, context: CliContext): void {
  const stun = program
    .command('stun')
    .summary('decode STUN messages, ask a STUN server for your address, or serve STUN and TURN on loopback')
    .description('STUN (RFC 8489) on real sockets and as bytes.');

  stun
    .command('decode')
    .summary('decode a STUN message given as hex on standard input, as JSON')
    .description('Read a STUN message as hex on standard input (spaces, newlines and 0x allowed) and print it decoded, as one line of JSON, on standard output. FINGERPRINT is always checked; MESSAGE-INTEGRITY when a password is given. Exit 1 when a check fails.')
    .option('--password <password>', 'check MESSAGE-INTEGRITY with this short-term password (with --username and --realm: a long-term one)')
    .option('--username <username>', 'long-term credential: the USERNAME (default: the message\'s)')
    .option('--realm <realm>', 'long-term credential: the REALM (default: the message\'s)')
    .addHelpText('after', '\nExample:\n  echo "000100002112a442b7e7a701bc34d686fa87dfae" | rtc-machines stun decode')
    .action(action(context, (options: DecodeOptions, command: Command) => decode(options, command, context)));

  stun
    .command('probe')
    .summary('ask a STUN server what address it sees us at')
    .description('Ask a STUN server what address it sees us at (a Binding request, RFC 8489), over UDP or TCP, and print that address. While waiting it says on standard error what it sent and how long it waits (RFC 8489 §6.2.1); over UDP it stops at once when the server\'s machine answers ICMP port unreachable.')
    .argument('<host:port>', 'the server, e.g. 127.0.0.1:3478, [::1]:3478 or stun.example.org:3478', argParser(readHostPort))
    .option('--tcp', 'over TCP (one transmission, RFC 8489 §6.2.2) instead of UDP')
    .addOption(new Option('--timeout-ms <ms>', "give up after this many ms (default: RFC 8489's schedule, 39.5 s)").argParser(argParser((t) => readWholeNumber(t, 1, MAX_TIMEOUT_MS))))
    .option('--json', 'print the outcome and the server\'s response as JSON on standard output')
    .option('--quiet', 'say nothing on standard error while waiting')
    .option('--verbose', 'also write each STUN step as a JSON trace record on standard error')
    .action(action(context, (server: { host: string; port: number }, options: ProbeOptions, command: Command) => probe(server, options, command, context)));

  registerServe(stun, context);
}

// ---- decode --------------------------------------------------------------------

interface DecodeOptions {
  readonly password?: string;
  readonly username?: string;
  readonly realm?: string;
}

async function decode(options: DecodeOptions, command: Command, { io }: CliContext): Promise<number> {
  const name = commandPath(command);
  if (options.password === undefined && (options.username !== undefined || options.realm !== undefined)) {
    usageError(command, '--username and --realm need --password');
  }
  const text = await io.stdin();
  if (text.trim() === '') {
    io.err(`${name}: no input: give the message as hex on standard input, e.g. echo "0001 0000 2112a442 ..." | rtc-machines stun decode`);
    return EXIT_FAILED;
  }
  const hex = hexToBytes(text);
  if (!hex.ok) {
    io.err(`${name}: not hex: ${hex.error.message}`);
    return EXIT_FAILED;
  }
  const decoded = decodeStunMessage(hex.bytes);
  if (!decoded.ok) {
    io.err(`${name}: not a STUN message: ${decoded.error.message} (${decoded.error.code}, at byte ${decoded.error.offset} of ${hex.bytes.length})`);
    return EXIT_FAILED;
  }
  const describe: DescribeOptions = {
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.realm !== undefined ? { realm: options.realm } : {}),
  };
  const description = describeStunMessage(decoded.message, describe);
  // One line: standard output is JSON Lines, as every JSON output of the command.
  io.out(JSON.stringify(description));

  // The JSON says how each check went; the exit code says whether the ones that count passed.
  const checks = description['checks'] as { fingerprint?: string; messageIntegrity?: string; messageIntegritySha256?: string } | undefined;
  const failures: string[] = [];
  if (checks?.fingerprint === 'mismatch') failures.push('FINGERPRINT does not match');
  if (options.password !== undefined) {
    const integrity = checks?.messageIntegritySha256 ?? checks?.messageIntegrity;
    if (integrity !== 'ok') failures.push(`MESSAGE-INTEGRITY: ${integrity ?? 'not checked'}`);
  }
  if (failures.length === 0) return EXIT_OK;
  io.err(`${name}: ${failures.join('; ')}`);
  return EXIT_FAILED;
}

// ---- probe ---------------------------------------------------------------------

interface ProbeOptions {
  readonly tcp?: boolean;
  readonly timeoutMs?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

async function probe(target: { host: string; port: number }, options: ProbeOptions, command: Command, { io }: CliContext): Promise<number> {
  const name = commandPath(command);
  const asked = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  const transport = options.tcp === true ? 'tcp' : 'udp';
  let address = target.host;
  if (isIP(address) === 0) {
    try {
      address = (await lookup(target.host)).address;
    } catch (e) {
      io.err(`${name}: cannot resolve ${target.host}: ${(e as Error).message}`);
      return EXIT_FAILED;
    }
  }
  const server = { address, port: target.port };
  const timing = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  const progress = options.quiet === true ? undefined : probeProgress({ server: formatAddress(server), asked, transport, timing, say: (line) => io.err(`${name}: ${line}`) });
  const trace = combineTraces(progress, options.verbose === true ? jsonTrace(io.err) : undefined);

  let opened: { flow: StunFlow; close: () => void };
  try {
    opened = await openFlow(server, transport);
  } catch (e) {
    io.err(`${name}: cannot open a ${transport.toUpperCase()} socket to ${formatAddress(server)}: ${(e as Error).message}`);
    return EXIT_FAILED;
  }
  const started = performance.now();
  let outcome: StunTransactionOutcome;
  try {
    outcome = await runStunTransaction({ flow: opened.flow, request: bindingRequest(), ...(trace ? { trace } : {}), timing });
  } finally {
    opened.close();
  }
  const elapsedMs = Math.round(performance.now() - started);
  return report(outcome, { name, server: formatAddress(server), asked, transport, elapsedMs, json: options.json === true }, io);
}

async function openFlow(server: { address: string; port: number }, transport: 'udp' | 'tcp'): Promise<{ flow: StunFlow; close: () => void }> {
  if (transport === 'tcp') {
    const stream = connectTcp(server);
    return { flow: streamFlow(stream), close: () => stream.end() };
  }
  return connectUdpFlow(server);
}

interface ProbeContext {
  readonly name: string;
  readonly server: string;
  readonly asked: string;
  readonly transport: 'udp' | 'tcp';
  readonly elapsedMs: number;
  readonly json: boolean;
}

function report(outcome: StunTransactionOutcome, context: ProbeContext, io: CliContext['io']): number {
  const { name } = context;
  const where = `${context.asked}${context.asked === context.server ? '' : ` (${context.server})`}`;
  const over = context.transport.toUpperCase();
  if (outcome.kind === 'success') {
    const mapped = mappedAddress(outcome.response);
    if (mapped === undefined) {
      io.err(`${name}: ${where} answered, but without XOR-MAPPED-ADDRESS or MAPPED-ADDRESS`);
      return EXIT_FAILED;
    }
    const address = formatAddress(mapped);
    if (context.json) {
      io.out(JSON.stringify({ mapped: address, server: context.server, transport: context.transport, transmissions: outcome.transmissions, elapsedMs: context.elapsedMs, response: describeStunMessage(outcome.response) }));
    } else {
      io.out(address);
    }
    return EXIT_OK;
  }
  switch (outcome.kind) {
    case 'error':
      io.err(`${name}: ${where} answered with error ${outcome.code} ${outcome.reason}`.trimEnd());
      return EXIT_FAILED;
    case 'timeout': {
      const tries = `${outcome.transmissions} transmission${outcome.transmissions === 1 ? '' : 's'}`;
      io.err(
        `${name}: no answer from ${where} over ${over} after ${tries} in ${(outcome.elapsedMs / 1000).toFixed(1)} s; ` +
          'is a STUN server listening there (try: rtc-machines stun serve), and does the network let the packets through?',
      );
      return EXIT_FAILED;
    }
    case 'transport-closed':
      io.err(`${name}: ${unreachable(outcome.reason, where, over)}`);
      return EXIT_FAILED;
    case 'integrity-violation':
    case 'bad-response':
      io.err(`${name}: ${where} answered, but the answer is unusable: ${outcome.detail}`);
      return EXIT_FAILED;
  }
}

/** Why the flow closed, in words: ICMP errors over UDP (connected-udp.ts), TCP's refusal and failures. */
function unreachable(reason: string, where: string, over: string): string {
  if (reason.startsWith('port-unreachable') || reason === 'refused') {
    return `nothing listens on ${where} over ${over} (${over === 'UDP' ? 'ICMP port unreachable' : 'connection refused'}); start a server there, e.g. rtc-machines stun serve`;
  }
  if (reason.startsWith('host-unreachable')) return `cannot reach ${where} over ${over}: no route to the host (ICMP host unreachable)`;
  if (reason.startsWith('network-unreachable')) return `cannot reach ${where} over ${over}: the network is unreachable (ICMP network unreachable)`;
  if (reason === 'timeout') return `cannot reach ${where} over ${over}: the connection was not accepted in time`;
  return `cannot reach ${where} over ${over}: ${reason}`;
}

/** Each STUN step as a JSON trace record, one a line. */
function jsonTrace(err: (text: string) => void): StunTrace {
  return {
    record<K extends TraceKind>(kind: K, fields: TraceKinds[K]) {
      err(JSON.stringify({ kind, ...fields }));
    },
  };
}

function combineTraces(...traces: (StunTrace | undefined)[]): StunTrace | undefined {
  const present = traces.filter((t): t is StunTrace => t !== undefined);
  if (present.length <= 1) return present[0];
  return {
    record<K extends TraceKind>(kind: K, fields: TraceKinds[K]) {
      for (const t of present) t.record(kind, fields);
    },
  };
}
