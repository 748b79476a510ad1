/**
 * `stun serve`: our Binding server, or our TURN server, on loopback sockets
 * until a signal. In-process for the protocol (fast), and once as a real
 * process to show Ctrl-C and SIGTERM end it cleanly with exit 0.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bindUdp } from '../../src/io/node/udp.js';
import { startNodeTurnClient } from '../../src/turn/client/node.js';
import { whenAllocated } from '../../src/turn/client/run.js';
import { rtc, type Ran } from './support.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Serving {
  /** The UDP and TCP port it printed. */
  readonly port: number;
  /** Stops it as a signal would, and resolves with how it ended. */
  stop(signal?: string): Promise<Ran>;
}

/** Starts `stun serve <args>` in-process on a free port and resolves once it printed where it serves. */
async function serve(args: string[] = []): Promise<Serving> {
  let signal!: (name: string) => void;
  const stopped = new Promise<string>((resolve) => (signal = resolve));
  let ready!: (port: number) => void;
  const served = new Promise<number>((resolve) => (ready = resolve));
  const ran = rtc(['stun', 'serve', '--port', '0', ...args], {
    untilStopped: () => stopped,
    onOut: (line) => {
      const port = /^serving .* on udp 127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      if (port !== undefined) ready(Number(port));
    },
  });
  const port = await Promise.race([served, ran.then((r) => Promise.reject(new Error(`stun serve ended before serving: ${JSON.stringify(r)}`)))]);
  return {
    port,
    async stop(name = 'SIGTERM') {
      signal(name);
      return ran;
    },
  };
}

describe('stun serve: STUN', () => {
  it('serves Binding over UDP and TCP on one port, says where, answers stun probe, and stops on a signal with exit 0', async () => {
    const server = await serve();
    const udp = await rtc(['stun', 'probe', `127.0.0.1:${server.port}`, '--quiet']);
    expect(udp).toEqual({ code: 0, out: expect.stringMatching(/^127\.0\.0\.1:\d+\n$/), err: '' });
    const tcp = await rtc(['stun', 'probe', `127.0.0.1:${server.port}`, '--tcp', '--quiet']);
    expect(tcp).toEqual({ code: 0, out: expect.stringMatching(/^127\.0\.0\.1:\d+\n$/), err: '' });

    const ended = await server.stop('SIGINT');
    expect(ended.code).toBe(0);
    expect(ended.err).toBe('');
    const lines = ended.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`serving STUN on udp 127.0.0.1:${server.port} and tcp 127.0.0.1:${server.port}`);
    expect(lines[1]).toBe(`try: rtc-machines stun probe 127.0.0.1:${server.port} [--tcp]; stop with Ctrl-C`);
    expect(lines).toContain(`Binding request from ${udp.out.trim()}: answered "you are ${udp.out.trim()}"`);
    expect(lines.at(-1)).toBe('stopped (SIGINT); every socket closed');
  });

  it('--no-tcp serves UDP only; --quiet prints only where it serves', async () => {
    const server = await serve(['--no-tcp', '--quiet']);
    expect((await rtc(['stun', 'probe', `127.0.0.1:${server.port}`, '--quiet'])).code).toBe(0);
    expect((await rtc(['stun', 'probe', `127.0.0.1:${server.port}`, '--tcp', '--quiet'])).err).toMatch(/nothing listens .* over TCP \(connection refused\)/);
    const ended = await server.stop();
    expect(ended.out.trimEnd().split('\n')).toEqual([
      `serving STUN on udp 127.0.0.1:${server.port}`,
      `try: rtc-machines stun probe 127.0.0.1:${server.port}; stop with Ctrl-C`,
      'stopped (SIGTERM); every socket closed',
    ]);
  });

  it('says why it cannot serve on a port in use, and exits 1', async () => {
    const taken = await bindUdp({ address: '127.0.0.1' });
    try {
      const { code, out, err } = await rtc(['stun', 'serve', '--port', String(taken.local.port)], { untilStopped: () => new Promise(() => {}) });
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(new RegExp(`^rtc-machines stun serve: cannot serve on 127\\.0\\.0\\.1:${taken.local.port}: .*\\(EADDRINUSE\\); is a server already there\\? --port 0 takes any free port\\n$`));
    } finally {
      taken.close();
    }
  });
});

describe('stun serve: TURN', () => {
  it('with --turn-user, serves TURN too: the project\'s TURN client allocates from it over UDP and TCP', async () => {
    const server = await serve(['--turn-user', 'alice:secret', '--turn-user', 'bob:pw', '--realm', 'test.realm']);
    for (const transport of ['udp', 'tcp'] as const) {
      const client = await startNodeTurnClient({ server: { address: '127.0.0.1', port: server.port }, transport, localAddress: '127.0.0.1', credentials: { username: 'alice', password: 'secret' } });
      try {
        const result = await whenAllocated(client.actor);
        expect(result, transport).toMatchObject({ ok: true, allocation: { relayed: { address: '127.0.0.1' } } });
      } finally {
        client.close();
      }
    }
    const wrong = await startNodeTurnClient({ server: { address: '127.0.0.1', port: server.port }, localAddress: '127.0.0.1', credentials: { username: 'alice', password: 'nope' } });
    expect(await whenAllocated(wrong.actor)).toMatchObject({ ok: false, end: { kind: 'allocate-failed' } });
    wrong.close();
    // It answers Binding requests too (RFC 8656 §3.1).
    expect((await rtc(['stun', 'probe', `127.0.0.1:${server.port}`, '--quiet'])).code).toBe(0);

    const ended = await server.stop();
    expect(ended.code).toBe(0);
    const lines = ended.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`serving STUN and TURN (realm "test.realm", users alice, bob) on udp 127.0.0.1:${server.port} and tcp 127.0.0.1:${server.port}`);
    expect(lines.filter((l) => /^allocated relayed address 127\.0\.0\.1:\d+ for alice at 127\.0\.0\.1:\d+ over (UDP|TCP), for 600 s$/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /^Allocate request from 127\.0\.0\.1:\d+ over UDP: 401 Unauthenticated: .*MESSAGE-INTEGRITY mismatch/.test(l))).toBe(true);
    expect(lines.some((l) => /^relayed address 127\.0\.0\.1:\d+ released: refreshed-to-zero$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('stopped (SIGTERM); every socket closed');
  });
});

describe('stun serve: the command line', () => {
  it.each([
    [['--address', '192.0.2.1'], '--address 192.0.2.1 is not loopback (127.0.0.0/8 or ::1): add --allow-non-loopback to serve other machines'],
    [['--address', '0.0.0.0'], '--address 0.0.0.0 is not loopback'],
    [['--address', 'localhost'], '--address "localhost" is not an IP address'],
    [['--address', '0.0.0.0', '--allow-non-loopback', '--turn-user', 'a:b'], 'TURN binds its relayed addresses on --address, which must be one address, not 0.0.0.0'],
    [['--realm', 'r'], '--realm is for TURN: give --turn-user user:password too'],
    [['--turn-user', 'alice'], "option '--turn-user <user:password>' argument 'alice' is invalid: expected user:password, both non-empty"],
    [['--port', '70000'], "option '--port <port>' argument '70000' is invalid: out of range; expected a whole number from 0 to 65,535"],
    [['--port', ''], "option '--port <port>' argument '' is invalid: empty"],
    [['--prot', '1'], "unknown option '--prot' (Did you mean --port?)"],
  ])('%j: exit 2, one line, nothing bound', async (args, message) => {
    const { code, out, err } = await rtc(['stun', 'serve', ...args], { untilStopped: () => new Promise(() => {}) });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^rtc-machines stun serve: .*; see rtc-machines stun serve --help\n$/);
    expect(err).toContain(message);
  });
});

describe('stun serve as a process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints where it serves as soon as it is ready, answers, and exits 0 on %s', async (signal) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stun', 'serve', '--port', '0', '--turn-user', 'alice:secret'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const found = /on udp 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
          if (found !== undefined) resolve(Number(found));
        });
        void exited.then((code) => reject(new Error(`exited ${code} before serving:\n${out}${err}`)));
      });
      const probed = await rtc(['stun', 'probe', `127.0.0.1:${port}`, '--quiet']);
      expect(probed.code, probed.err).toBe(0);
      child.kill(signal);
      expect(await exited, `${out}${err}`).toBe(0);
      expect(out).toContain(`stopped (${signal}); every socket closed`);
      expect(err).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
