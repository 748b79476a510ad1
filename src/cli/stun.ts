/**
 * The `stun` commands:
 *
 * - `stun decode [--password P | --username U --realm R --password P]`: a STUN
 *   message as hex on standard input (spaces, newlines and `0x` allowed), the
 *   decoded message as JSON on standard output. With credentials its
 *   MESSAGE-INTEGRITY is checked too; FINGERPRINT always is.
 * - `stun probe <host:port> [--tcp] [--timeout-ms N] [--json] [--verbose]`: a
 *   real Binding request to a real server, retransmitted as RFC 8489 §6.2.1
 *   says, printing the address the server saw us at: "what is my public
 *   address?".
 *
 * Exit codes: 0 done; 1 the input or the network said no (not hex, not STUN,
 * a failed check, no answer, an error answer); 2 the command line is wrong.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { TraceKind, TraceKinds } from '../sim/trace.js';
import { bindUdp } from '../io/node/udp.js';
import { connectTcp } from '../io/node/tcp.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../stun/client.js';
import { datagramFlow, streamFlow, type StunFlow } from '../stun/flow.js';
import { type StunTrace } from '../stun/trace.js';
import { formatAddress } from '../io/address.js';
import type { StunTransactionOutcome } from '../stun/transaction.js';
import { hexToBytes } from '../wire/hex.js';
import { describeStunMessage, type DescribeOptions } from '../wire/stun/describe.js';
import { decodeStunMessage } from '../wire/stun/message.js';

export const STUN_HELP = `Usage: npm run rtc -- stun <decode|probe> [options]

  stun decode                    a STUN message as hex on standard input, decoded as JSON
      --password P               check MESSAGE-INTEGRITY with a short-term password
      --username U --realm R     ... or a long-term one (USERNAME and REALM default to the message's)
  stun probe <host:port>         ask a STUN server for our public address (a Binding request)
      --tcp                      over TCP (one transmission, RFC 8489 §6.2.2) instead of UDP
      --timeout-ms N             give up after N ms (default: RFC 8489's 39.5 s)
      --json                     print the outcome and the server's response as JSON
      --verbose                  tell each step (transmissions, retransmissions) on standard error`;

type Out = (text: string) => void;

class UsageError extends Error {}

export async function stunCommand(args: readonly string[], out: Out, err: Out, stdin: () => Promise<string>): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'decode':
        return await decode(rest, out, err, stdin);
      case 'probe':
        return await probe(rest, out, err);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(STUN_HELP);
        return 0;
      default:
        throw new UsageError(`unknown stun command ${JSON.stringify(sub)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`rtc-machines stun: ${e.message}\n\n${STUN_HELP}`);
      return 2;
    }
    throw e;
  }
}

// ---- decode --------------------------------------------------------------------

async function decode(args: readonly string[], out: Out, err: Out, stdin: () => Promise<string>): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({ args: [...args], options: { password: { type: 'string' }, username: { type: 'string' }, realm: { type: 'string' } }, allowPositionals: true, strict: true }),
  );
  if (positionals.length > 0) throw new UsageError(`decode reads the message from standard input; unexpected ${positionals.join(' ')}`);
  if (values.password === undefined && (values.username !== undefined || values.realm !== undefined)) {
    throw new UsageError('--username and --realm need --password');
  }
  const text = await stdin();
  if (text.trim() === '') {
    err('stun decode: no input: give the message as hex on standard input, e.g. echo "0001 0000 2112a442 ..." | npm run rtc -- stun decode');
    return 1;
  }
  const hex = hexToBytes(text);
  if (!hex.ok) {
    err(`stun decode: not hex: ${hex.error.message}`);
    return 1;
  }
  const decoded = decodeStunMessage(hex.bytes);
  if (!decoded.ok) {
    err(`stun decode: not a STUN message: ${decoded.error.message} (${decoded.error.code}, at byte ${decoded.error.offset} of ${hex.bytes.length})`);
    return 1;
  }
  const options: DescribeOptions = {
    ...(values.password !== undefined ? { password: values.password } : {}),
    ...(values.username !== undefined ? { username: values.username } : {}),
    ...(values.realm !== undefined ? { realm: values.realm } : {}),
  };
  const description = describeStunMessage(decoded.message, options);
  out(JSON.stringify(description, null, 2));

  // The JSON says how each check went; the exit code says whether the ones that count passed.
  const checks = description['checks'] as { fingerprint?: string; messageIntegrity?: string; messageIntegritySha256?: string } | undefined;
  const failures: string[] = [];
  if (checks?.fingerprint === 'mismatch') failures.push('FINGERPRINT does not match');
  if (values.password !== undefined) {
    const integrity = checks?.messageIntegritySha256 ?? checks?.messageIntegrity;
    if (integrity !== 'ok') failures.push(`MESSAGE-INTEGRITY: ${integrity ?? 'not checked'}`);
  }
  if (failures.length === 0) return 0;
  err(`stun decode: ${failures.join('; ')}`);
  return 1;
}

// ---- probe ---------------------------------------------------------------------

async function probe(args: readonly string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: [...args],
      options: { tcp: { type: 'boolean' }, 'timeout-ms': { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (positionals.length !== 1) throw new UsageError(`probe takes one server, as host:port; got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const target = parseHostPort(positionals[0]!);
  let timeoutMs: number | undefined;
  if (values['timeout-ms'] !== undefined) {
    timeoutMs = Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, got ${values['timeout-ms']}`);
  }

  let address = target.host;
  if (isIP(address) === 0) {
    try {
      address = (await lookup(target.host)).address;
    } catch (e) {
      err(`stun probe: cannot resolve ${target.host}: ${(e as Error).message}`);
      return 1;
    }
  }
  const server = { address, port: target.port };
  const trace: StunTrace | undefined = values.verbose ? verboseTrace(err) : undefined;
  const started = performance.now();
  const { flow, close } = await openFlow(server, values.tcp === true);
  let outcome: StunTransactionOutcome;
  try {
    outcome = await runStunTransaction({ flow, request: bindingRequest(), ...(trace ? { trace } : {}), ...(timeoutMs !== undefined ? { timing: { timeoutMs } } : {}) });
  } finally {
    close();
  }
  const elapsedMs = Math.round(performance.now() - started);
  return report(outcome, { server: formatAddress(server), asked: positionals[0]!, transport: values.tcp ? 'tcp' : 'udp', elapsedMs, json: values.json === true }, out, err);
}

async function openFlow(server: { address: string; port: number }, tcp: boolean): Promise<{ flow: StunFlow; close: () => void }> {
  if (tcp) {
    const stream = connectTcp(server);
    return { flow: streamFlow(stream), close: () => stream.end() };
  }
  const socket = await bindUdp({ address: isIP(server.address) === 6 ? '::' : '0.0.0.0' });
  return { flow: datagramFlow(socket, server), close: () => socket.close() };
}

interface ProbeContext {
  readonly server: string;
  readonly asked: string;
  readonly transport: 'udp' | 'tcp';
  readonly elapsedMs: number;
  readonly json: boolean;
}

function report(outcome: StunTransactionOutcome, context: ProbeContext, out: Out, err: Out): number {
  const tries = `${outcome.transmissions} transmission${outcome.transmissions === 1 ? '' : 's'}`;
  if (outcome.kind === 'success') {
    const mapped = mappedAddress(outcome.response);
    if (mapped === undefined) {
      err(`stun probe: ${context.server} answered, but without XOR-MAPPED-ADDRESS or MAPPED-ADDRESS`);
      return 1;
    }
    const address = formatAddress(mapped);
    if (context.json) {
      out(JSON.stringify({ mapped: address, server: context.server, transport: context.transport, transmissions: outcome.transmissions, elapsedMs: context.elapsedMs, response: describeStunMessage(outcome.response) }, null, 2));
    } else {
      out(address);
    }
    return 0;
  }
  switch (outcome.kind) {
    case 'error':
      err(`stun probe: ${context.server} answered with error ${outcome.code} ${outcome.reason}`.trimEnd());
      return 1;
    case 'timeout':
      err(
        `stun probe: no answer from ${context.asked}${context.asked === context.server ? '' : ` (${context.server})`} over ${context.transport.toUpperCase()} after ${tries} in ${(outcome.elapsedMs / 1000).toFixed(1)} s; ` +
          'is a STUN server listening there, and does the network let the packets through?',
      );
      return 1;
    case 'transport-closed':
      err(`stun probe: cannot reach ${context.server} over ${context.transport.toUpperCase()}: ${outcome.reason}`);
      return 1;
    case 'integrity-violation':
    case 'bad-response':
      err(`stun probe: ${context.server} answered, but the answer is unusable: ${outcome.detail}`);
      return 1;
  }
}

/** Writes each STUN step to standard error as it happens. */
function verboseTrace(err: Out): StunTrace {
  return {
    record<K extends TraceKind>(kind: K, fields: TraceKinds[K]) {
      err(JSON.stringify({ kind, ...fields }));
      return undefined as never;
    },
  };
}

/** "1.2.3.4:3478", "[2001:db8::1]:3478" or "stun.example.org:3478". */
function parseHostPort(text: string): { host: string; port: number } {
  const match = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(`${JSON.stringify(text)} is not host:port (e.g. 127.0.0.1:3478, [::1]:3478, stun.example.org:3478; port 1-65535)`);
  }
  const host = match[1]!;
  if (text.startsWith('[') && isIP(host) !== 6) throw new UsageError(`${JSON.stringify(host)} in brackets is not an IPv6 address`);
  return { host, port };
}

/** Runs node's argument parser; its complaints (unknown option, missing value) are usage errors. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
