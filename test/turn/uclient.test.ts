/**
 * Our TURN server on real sockets (127.0.0.1 only), and coturn's own test
 * clients talking to it: `turnutils_uclient` allocates (with the 401 dance,
 * EVEN-PORT and RESERVATION-TOKEN for its RTCP allocation), refreshes, binds
 * channels or creates permissions, and sends 10 packets per session through
 * the relay to an echo peer (`turnutils_peer`) or to another allocation
 * (client-to-client, `-y`), counting what comes back; `turnutils_stunclient`
 * asks for its reflexive address.
 *
 * Each mode runs against a server of its own, all at once (uclient waits 1-6 s
 * before a session starts sending, so running them in parallel keeps the file
 * under ten seconds). coturn is installed with apt-get when missing; if it
 * cannot be installed or started, the tests FAIL saying why, they are never
 * skipped. Every process is killed in afterAll, and each run has a timeout.
 *
 * uclient picks channel numbers from RFC 5766's range 0x4000-0x7FFF (as does
 * coturn's server); RFC 8656 allows only 0x4000-0x4FFF and a server following
 * it refuses the others with 400. The channel modes therefore run against a
 * server configured with `channelNumbers: 'rfc5766'`; the Send-indication
 * mode runs against a server with the RFC 8656 default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Trace, type TraceRecordOf } from '../../src/sim/trace.js';
import { startNodeTurnServer, type NodeTurnServer } from '../../src/turn/server/node.js';
import { type TurnServerConfig } from '../../src/turn/server/config.js';
import { ensureCommand } from '../support/system.js';

const HOST = '127.0.0.1';
const USER = 'uclient';
const PASSWORD = 'uclient-password';
const REALM = 'rtc-machines.test';
/** Packets per session (uclient -n), and bytes per packet (-l). */
const PACKETS = 10;
const LENGTH = 120;
/** A uclient run that has not finished by then is killed and fails. */
const RUN_TIMEOUT_MS = 30_000;

const children = new Set<ChildProcess>();
const servers: NodeTurnServer[] = [];

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to completion (or kills it at the timeout), collecting stdout and stderr together. */
function run(command: string, args: readonly string[], timeoutMs = RUN_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms; it printed:\n${tail(output)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, output });
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** A UDP port free right now on 127.0.0.1. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Starts turnutils_peer (a UDP echo server) and resolves once it echoes. */
async function startEchoPeer(command: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort();
    const child = spawn(command, ['-p', String(port), '-L', HOST], { stdio: 'ignore' });
    children.add(child);
    child.on('exit', () => children.delete(child));
    if (await echoes(port, 5_000)) return port;
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`turnutils_peer on ${HOST}:${port} never echoed a datagram`);
  }
}

function echoes(port: number, withinMs: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearInterval(ping);
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    socket.on('message', () => done(true));
    socket.on('error', () => undefined);
    const ping = setInterval(() => socket.send('ping', port, HOST), 100);
    const timer = setTimeout(() => done(false), withinMs);
  });
}

interface Served {
  readonly server: NodeTurnServer;
  readonly trace: Trace;
}

async function serve(config: Partial<TurnServerConfig> = {}): Promise<Served> {
  const trace = new Trace(() => performance.now(), { payloads: false });
  const server = await startNodeTurnServer({ address: HOST, port: 0, config: { realm: REALM, users: { [USER]: PASSWORD }, ...config }, trace, agent: 'turn' });
  servers.push(server);
  return { server, trace };
}

/** What uclient says at the end: messages sent and received over all its sessions, and lost. */
function summary(output: string): { sent: number; received: number; lost: number } {
  const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/gm)].at(-1);
  const lost = /Total lost packets (\d+)/.exec(output);
  if (totals === undefined || lost === null) throw new Error(`uclient printed no totals:\n${tail(output)}`);
  return { sent: Number(totals[1]), received: Number(totals[2]), lost: Number(lost[1]) };
}

function relays(trace: Trace): TraceRecordOf<'turn.relay'>[] {
  return trace.ofKind('turn.relay');
}

let uclient: string;
let stunclient: string;
let peerPort: number;
let runs: Record<'channels' | 'send' | 'tcp' | 'clientToClient', Promise<{ run: Run; served: Served }>>;

beforeAll(async () => {
  uclient = ensureCommand('turnutils_uclient', 'coturn');
  stunclient = ensureCommand('turnutils_stunclient', 'coturn');
  peerPort = await startEchoPeer(ensureCommand('turnutils_peer', 'coturn'));
  const common = ['-u', USER, '-w', PASSWORD, '-n', String(PACKETS), '-m', '1', '-l', String(LENGTH)];
  const start = async (config: Partial<TurnServerConfig>, flags: string[]) => {
    const served = await serve(config);
    const toPeer = flags.includes('-y') ? [] : ['-e', HOST, '-r', String(peerPort)];
    return { run: await run(uclient, [...flags, ...common, ...toPeer, '-p', String(served.server.address.port), HOST]), served };
  };
  // All at once; each test awaits its own.
  runs = {
    channels: start({ channelNumbers: 'rfc5766' }, []),
    send: start({}, ['-s']),
    tcp: start({ channelNumbers: 'rfc5766' }, ['-t']),
    clientToClient: start({ channelNumbers: 'rfc5766' }, ['-y']),
  };
  for (const pending of Object.values(runs)) pending.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

describe('turnutils_uclient against our TURN server on 127.0.0.1', () => {
  test('UDP, channels, RTP and RTCP allocations (EVEN-PORT with reservation, RESERVATION-TOKEN): every packet echoed back', async () => {
    const { run: result, served } = await runs.channels;
    expect(result.code, tail(result.output)).toBe(0);
    // Two sessions (RTP and RTCP), PACKETS each, all back from the echo peer.
    expect(summary(result.output)).toEqual({ sent: 2 * PACKETS, received: 2 * PACKETS, lost: 0 });
    const { trace } = served;
    expect(relays(trace).filter((r) => r.framing === 'channel-data')).toHaveLength(4 * PACKETS);
    expect(trace.ofKind('turn.refuse')).toEqual([]);
    expect(trace.ofKind('turn.reservation').map((r) => r.event)).toEqual(expect.arrayContaining(['reserve', 'use']));
    expect(trace.ofKind('turn.channel').some((r) => r.event === 'bind')).toBe(true);
    // uclient deletes its allocations at the end with Refresh LIFETIME 0.
    expect(trace.ofKind('turn.allocation').filter((r) => r.event === 'delete' && r.reason === 'refreshed-to-zero')).toHaveLength(2);
    // The 401 dance happened, and every later answer was signed.
    const responses = trace.ofKind('turn.response');
    expect(responses.some((r) => r.code === 401)).toBe(true);
    expect(responses.filter((r) => r.class === 'success-response').every((r) => r.authenticated)).toBe(true);
  });

  test('UDP, Send and Data indications with CreatePermission (-s), against the RFC 8656 default server', async () => {
    const { run: result, served } = await runs.send;
    expect(result.code, tail(result.output)).toBe(0);
    expect(summary(result.output)).toEqual({ sent: 2 * PACKETS, received: 2 * PACKETS, lost: 0 });
    const framings = relays(served.trace).map((r) => r.framing);
    expect(framings.filter((f) => f === 'send-indication')).toHaveLength(2 * PACKETS);
    expect(framings.filter((f) => f === 'data-indication')).toHaveLength(2 * PACKETS);
    expect(served.trace.ofKind('turn.permission').some((r) => r.by === 'CreatePermission')).toBe(true);
    expect(served.trace.ofKind('turn.refuse')).toEqual([]);
  });

  test('TURN over TCP to the server (-t, RFC 8656 §3.1 framing), channels', async () => {
    const { run: result, served } = await runs.tcp;
    expect(result.code, tail(result.output)).toBe(0);
    expect(summary(result.output)).toEqual({ sent: 2 * PACKETS, received: 2 * PACKETS, lost: 0 });
    const created = served.trace.ofKind('turn.allocation').filter((r) => r.event === 'create');
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(created.every((r) => r.event === 'create' && r.transport === 'tcp')).toBe(true);
    expect(relays(served.trace).filter((r) => r.framing === 'channel-data')).toHaveLength(4 * PACKETS);
  });

  test('client to client (-y): two allocations relay to each other', async () => {
    const { run: result, served } = await runs.clientToClient;
    expect(result.code, tail(result.output)).toBe(0);
    // Four sessions (two clients, RTP and RTCP each).
    expect(summary(result.output)).toEqual({ sent: 4 * PACKETS, received: 4 * PACKETS, lost: 0 });
    const all = relays(served.trace);
    expect(all.filter((r) => r.direction === 'client-to-peer')).toHaveLength(4 * PACKETS);
    expect(all.filter((r) => r.direction === 'peer-to-client')).toHaveLength(4 * PACKETS);
  });

  test('turnutils_stunclient gets its reflexive address from our server (Binding, no authentication)', async () => {
    const { server } = await serve();
    const result = await run(stunclient, ['-p', String(server.address.port), HOST], 10_000);
    expect(result.code, tail(result.output)).toBe(0);
    expect(result.output).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });
});
