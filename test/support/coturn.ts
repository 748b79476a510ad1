/**
 * A real coturn (Debian's `turnserver`) for the tests that talk to real software.
 *
 * `startCoturn()` starts one on 127.0.0.1, on a free port, UDP and TCP, with
 * one static long-term-credential user, loopback peers allowed (so two
 * allocations on 127.0.0.1 can relay to each other), no TLS/DTLS, no CLI, its
 * pid file and database in a temporary directory of its own. It resolves once
 * the server answers a STUN Binding request on UDP and accepts a TCP
 * connection, and rejects with what coturn printed when it cannot start: the
 * test fails, it is never skipped. Call `stop()` in `afterAll`.
 *
 * The package is installed with apt-get when `turnserver` is missing
 * (`ensureCommand`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StunMethod, decodeStunMessage, encodeStunMessage } from '../../src/wire/index.js';
import { ensureCommand } from './system.js';

export interface Coturn {
  readonly host: '127.0.0.1';
  /** UDP and TCP, the same number. */
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** What coturn printed so far (its last lines), for failure messages. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

export interface CoturnOptions {
  readonly username?: string;
  readonly password?: string;
  readonly realm?: string;
  /** More turnserver options, e.g. `--max-bps=...`. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for it to answer, ms. Default 10 s. */
  readonly readyTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const LOG_LINES = 200;

export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  const turnserver = ensureCommand('turnserver', 'coturn');
  // A port found free can be taken by someone else before coturn binds it: then try another, a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(turnserver, port, options);
    } catch (error) {
      const message = (error as Error).message;
      if (attempt >= 3 || !/address already in use|cannot bind/i.test(message)) throw error;
    }
  }
}

async function launch(turnserver: string, port: number, options: CoturnOptions): Promise<Coturn> {
  const username = options.username ?? 'alice';
  const password = options.password ?? 'wonderland';
  const realm = options.realm ?? 'rtc-machines.test';
  const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
  const args = [
    '-n',
    `--listening-ip=${HOST}`,
    `--relay-ip=${HOST}`,
    `--listening-port=${port}`,
    '--lt-cred-mech',
    `--user=${username}:${password}`,
    `--realm=${realm}`,
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--allow-loopback-peers',
    // Its own files, so that several test files can each run one: no shared pid file or database.
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
    // Log to standard output (kept here for failure messages), not to /var/log.
    '--log-file=stdout',
    '--simple-log',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(turnserver, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    });
    child.on('error', (error) => {
      exited = `could not run: ${error.message}`;
      resolve();
    });
  });
  const log = () => lines.join('\n');
  const stop = async () => {
    await kill(child, exit);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  for (;;) {
    if (exited !== undefined) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`coturn (${turnserver} ${args.join(' ')}) ${exited} before answering on ${HOST}:${port}. Its output:\n${log()}`);
    }
    if ((await answersBinding(port)) && (await acceptsTcp(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not answer a STUN Binding request on ${HOST}:${port} within ${options.readyTimeoutMs ?? 10_000} ms. Its output:\n${log()}`);
    }
  }
  return { host: HOST, port, username, password, realm, log, stop };
}

async function kill(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exit;
  clearTimeout(timer);
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ host: HOST, port: 0 }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind({ address: HOST, port }, () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** One Binding request over UDP, answered within 200 ms? (Plain dgram and the wire codec: independent of src/stun.) */
function answersBinding(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const transactionId = new Uint8Array(randomBytes(12));
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('error', () => done(false));
    socket.on('message', (message) => {
      const decoded = decodeStunMessage(new Uint8Array(message));
      if (decoded.ok && decoded.message.class === 'success-response' && Buffer.from(decoded.message.transactionId).equals(Buffer.from(transactionId))) done(true);
    });
    socket.send(encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId, attributes: [] }), port, HOST);
  });
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
