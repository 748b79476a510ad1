/**
 * `stun serve`: the project's own STUN Binding server (src/stun/binding-server.ts)
 * or, given credentials, its TURN server (src/turn/server/node.ts, which
 * answers Binding requests too, RFC 8656 §3.1), on real sockets, UDP and TCP
 * on one port, until SIGINT (Ctrl-C) or SIGTERM; then it closes every socket
 * and exits 0. Something for `stun probe` and a TURN client to talk to on a
 * machine with no STUN server.
 *
 * It listens on loopback (127.0.0.0/8, ::1) unless told otherwise with
 * --allow-non-loopback: a TURN server is a relay for anyone holding its
 * credentials, and a STUN server answers anyone, so reaching beyond this
 * machine is a decision to make on purpose. When it does, the TURN server
 * also refuses to relay to loopback and private addresses (RFC 8656 §21.3:
 * a client must not reach through the relay what it could not reach itself).
 */
import { isIP } from 'node:net';
import { Option, type Command } from 'commander';
import type { TraceKind, TraceKinds } from '../sim/trace.js';
import { formatAddress, type TransportAddress } from '../io/address.js';
import { TransportError } from '../io/errors.js';
import { NodeTcpListener, type NodeTcpTransport } from '../io/node/tcp.js';
import { bindUdp } from '../io/node/udp.js';
import { startBindingServer } from '../stun/binding-server.js';
import { DEFAULT_DENIED_PEERS } from '../turn/server/peer-policy.js';
import { startNodeTurnServer } from '../turn/server/node.js';
import { action, commandPath, usageError, type CliContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, argParser, isLoopback, readCredential, readPort, repeatableArgParser } from './options.js';

/** RFC 8489 §18.6: the default port for STUN (and TURN, RFC 8656 §3.1) over UDP and TCP. */
export const STUN_PORT = 3478;
export const DEFAULT_REALM = 'rtc-machines';

/** Refused as peers when the server listens beyond loopback: loopback, private, link-local, shared (CGN) ranges. */
const LOCAL_PEERS = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '::1/128', 'fc00::/7', 'fe80::/10'];

interface ServeOptions {
  readonly port: number;
  readonly address: string;
  readonly turnUser?: readonly { readonly username: string; readonly password: string }[];
  readonly realm?: string;
  readonly tcp: boolean;
  readonly allowNonLoopback?: boolean;
  readonly quiet?: boolean;
}

export function registerServe(stun: Command, context: CliContext): void {
  stun
    .command('serve')
    .summary('serve STUN and, with --turn-user, TURN on loopback (UDP and TCP, one port) until Ctrl-C')
    .description(
      'Serve STUN (Binding, RFC 8489) and, with --turn-user, TURN (RFC 8656) on this machine, over UDP and TCP ' +
        'on one port, until Ctrl-C (SIGINT) or SIGTERM, then close every socket and exit 0. It prints the ' +
        'addresses it serves as soon as it is ready, then one line per answer.',
    )
    .addOption(new Option('--port <port>', 'the UDP and TCP port; 0 for any free one').argParser(argParser((t) => readPort(t, { zero: true }))).default(STUN_PORT))
    .option('--address <ip>', 'the address to listen on (loopback only, unless --allow-non-loopback)', '127.0.0.1')
    .addOption(new Option('--turn-user <user:password>', 'serve TURN too, with this long-term credential (repeat for more users)').argParser(repeatableArgParser(readCredential)))
    .option('--realm <realm>', `the TURN realm (default: ${DEFAULT_REALM})`)
    .option('--no-tcp', 'UDP only')
    .option('--allow-non-loopback', 'allow an --address outside 127.0.0.0/8 and ::1 (then TURN refuses loopback and private peers)')
    .option('--quiet', 'print only the addresses served, not each answer')
    .addHelpText('after', '\nExample:\n  rtc-machines stun serve --port 3478 --turn-user alice:secret\n  rtc-machines stun probe 127.0.0.1:3478      (in another terminal)')
    .action(action(context, (options: ServeOptions, command: Command) => serve(options, command, context)));
}

interface Running {
  readonly udp: TransportAddress;
  readonly tcp: TransportAddress | undefined;
  stop(): void | Promise<void>;
}

async function serve(options: ServeOptions, command: Command, { io }: CliContext): Promise<number> {
  const name = commandPath(command);
  const { address } = options;
  if (isIP(address) === 0) usageError(command, `--address ${JSON.stringify(address)} is not an IP address`);
  if (!isLoopback(address) && options.allowNonLoopback !== true) {
    usageError(command, `--address ${address} is not loopback (127.0.0.0/8 or ::1): add --allow-non-loopback to serve other machines`);
  }
  const users = options.turnUser ?? [];
  if (options.realm !== undefined && users.length === 0) usageError(command, '--realm is for TURN: give --turn-user user:password too');
  if (users.length > 0 && (address === '0.0.0.0' || address === '::')) {
    usageError(command, `TURN binds its relayed addresses on --address, which must be one address, not ${address}`);
  }
  if (io.untilStopped === undefined) {
    io.err(`${name}: cannot wait for a signal here`);
    return EXIT_FAILED;
  }
  const stopped = io.untilStopped(); // listen for Ctrl-C from now on, so none is missed while starting
  const log = options.quiet === true ? undefined : io.out;

  let running: Running;
  try {
    running = users.length > 0 ? await startTurn(options, users, log) : await startStun(options, log);
  } catch (e) {
    const why = e instanceof TransportError ? `${e.message} (${e.code})` : (e as Error).message;
    const hint = e instanceof TransportError && e.code === 'EADDRINUSE' ? '; is a server already there? --port 0 takes any free port' : '';
    io.err(`${name}: cannot serve on ${formatAddress({ address, port: options.port })}: ${why}${hint}`);
    return EXIT_FAILED;
  }

  const served = [`udp ${formatAddress(running.udp)}`, ...(running.tcp ? [`tcp ${formatAddress(running.tcp)}`] : [])].join(' and ');
  const what = users.length > 0 ? `STUN and TURN (realm ${JSON.stringify(options.realm ?? DEFAULT_REALM)}, users ${users.map((u) => u.username).join(', ')})` : 'STUN';
  io.out(`serving ${what} on ${served}`);
  if (users.length > 0 && !isLoopback(address)) io.out(`TURN refuses to relay to ${LOCAL_PEERS.join(', ')} (RFC 8656 §21.3)`);
  io.out(`try: rtc-machines stun probe ${formatAddress(running.udp)}${running.tcp ? ' [--tcp]' : ''}; stop with Ctrl-C`);

  const signal = await stopped;
  await running.stop();
  io.out(`stopped (${signal}); every socket closed`);
  return EXIT_OK;
}

async function startStun(options: ServeOptions, log: ((line: string) => void) | undefined): Promise<Running> {
  const socket = await bindUdp({ address: options.address, port: options.port });
  const server = startBindingServer({ socket, ...(log ? { trace: answerLog(log) } : {}) });
  // The Binding server leaves its connections to their owner (us): end them on stop, or one idle client keeps the process alive.
  const connections = new Set<NodeTcpTransport>();
  let listener: NodeTcpListener | undefined;
  if (options.tcp) {
    try {
      listener = await NodeTcpListener.listen({ address: options.address, port: socket.local.port }, (stream) => {
        connections.add(stream);
        stream.onClose(() => connections.delete(stream));
        server.send({ type: 'connection', stream });
      });
    } catch (error) {
      server.stop();
      socket.close();
      throw error;
    }
  }
  return {
    udp: socket.local,
    tcp: listener?.local,
    stop() {
      server.send({ type: 'stop' });
      server.stop();
      listener?.close();
      for (const stream of connections) stream.end();
      socket.close();
    },
  };
}

async function startTurn(options: ServeOptions, users: readonly { username: string; password: string }[], log: ((line: string) => void) | undefined): Promise<Running> {
  const server = await startNodeTurnServer({
    address: options.address,
    port: options.port,
    tcp: options.tcp,
    config: {
      realm: options.realm ?? DEFAULT_REALM,
      users: Object.fromEntries(users.map((u) => [u.username, u.password])),
      ...(isLoopback(options.address) ? {} : { peers: { deny: [...DEFAULT_DENIED_PEERS, ...LOCAL_PEERS] } }),
    },
    ...(log ? { trace: answerLog(log) } : {}),
  });
  return { udp: server.address, tcp: options.tcp ? server.address : undefined, stop: () => server.stop() };
}

/** One line per answer and per allocation's birth and end, from the servers' trace records. */
function answerLog(log: (line: string) => void): { record<K extends TraceKind>(kind: K, fields: TraceKinds[K]): void } {
  return {
    record<K extends TraceKind>(kind: K, fields: TraceKinds[K]) {
      switch (kind) {
        case 'stun.answer': {
          const f = fields as TraceKinds['stun.answer'];
          log(f.mapped !== undefined ? `${f.method} request from ${f.to}: answered "you are ${f.mapped}"` : `${f.method} request from ${f.to}: answered ${f.code} ${f.reason ?? ''}`.trimEnd());
          return;
        }
        case 'turn.response': {
          const f = fields as TraceKinds['turn.response'];
          const said = f.code === undefined ? (f.method === 'Binding' ? `answered "you are ${f.client}"` : 'success') : `${f.code} ${f.reason ?? ''}${f.detail ? `: ${f.detail}` : ''}`;
          log(`${f.method} request from ${f.client} over ${f.transport.toUpperCase()}: ${said}`);
          return;
        }
        case 'turn.allocation': {
          const f = fields as TraceKinds['turn.allocation'];
          // An allocation is named by its relayed transport address (RFC 8656 §2).
          if (f.event === 'create') log(`allocated relayed address ${f.allocation} for ${f.username} at ${f.client} over ${f.transport.toUpperCase()}, for ${f.lifetime} s`);
          else if (f.event === 'delete') log(`relayed address ${f.allocation} released: ${f.reason}`);
          return;
        }
      }
    },
  };
}
