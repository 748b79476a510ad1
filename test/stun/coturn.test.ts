/**
 * Against real software, on 127.0.0.1 only:
 * - our STUN client, over a real UDP socket and a real TCP connection, asks
 *   Debian's coturn for its address, and gets its own 127.0.0.1:port back;
 * - coturn's own `turnutils_stunclient` asks OUR Binding server (on a real
 *   UDP socket) and prints the address it saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Trace } from '../../src/sim/index.js';
import { connectTcp } from '../../src/io/node/tcp.js';
import { bindUdp, type NodeUdpTransport } from '../../src/io/node/udp.js';
import { startBindingServer } from '../../src/stun/binding-server.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../../src/stun/client.js';
import { datagramFlow, streamFlow } from '../../src/stun/flow.js';
import { findAttribute, verifyFingerprint } from '../../src/wire/index.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { ensureCommand } from '../support/system.js';

const run = promisify(execFile);
let coturn: Coturn;
const sockets: NodeUdpTransport[] = [];

beforeAll(async () => {
  coturn = await startCoturn();
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await coturn?.stop();
});

async function loopbackSocket(): Promise<NodeUdpTransport> {
  const socket = await bindUdp({ address: '127.0.0.1' });
  sockets.push(socket);
  return socket;
}

describe('our STUN client against coturn', () => {
  it('over UDP: a Binding request gets our own 127.0.0.1:port back as XOR-MAPPED-ADDRESS', async () => {
    const socket = await loopbackSocket();
    const trace = new Trace(() => performance.now());
    const server = { address: coturn.host, port: coturn.port };
    const outcome = await runStunTransaction({ flow: datagramFlow(socket, server), request: bindingRequest({ software: 'rtc-machines test' }), trace, agent: 'test', timing: { timeoutMs: 5_000 } });
    expect(outcome.kind, coturn.log()).toBe('success');
    if (outcome.kind !== 'success') return;
    expect(outcome.from).toEqual(server);
    expect(findAttribute(outcome.response, 'XOR-MAPPED-ADDRESS')?.value).toEqual({ address: '127.0.0.1', port: socket.local.port });
    expect(findAttribute(outcome.response, 'SOFTWARE')?.value).toMatch(/Coturn/i);
    if (outcome.response.fingerprintOffset !== undefined) expect(verifyFingerprint(outcome.response).ok).toBe(true);
    expect(trace.ofKind('stun.response')).toMatchObject([{ outcome: 'success', mapped: `127.0.0.1:${socket.local.port}`, from: `127.0.0.1:${coturn.port}` }]);
  });

  it('over TCP (RFC 8489 §6.2.2, framed as RFC 8656 §3.1): the same, with the connection\'s own port', async () => {
    const stream = connectTcp({ address: coturn.host, port: coturn.port }, { connectTimeoutMs: 5_000 });
    try {
      const outcome = await runStunTransaction({ flow: streamFlow(stream), request: bindingRequest(), timing: { timeoutMs: 5_000 } });
      expect(outcome.kind, coturn.log()).toBe('success');
      if (outcome.kind !== 'success') return;
      expect(outcome.transmissions).toBe(1);
      expect(mappedAddress(outcome.response)).toEqual({ address: '127.0.0.1', port: stream.local.port });
    } finally {
      stream.end();
    }
  });

  it('several transactions on one socket each get their own answer', async () => {
    const socket = await loopbackSocket();
    const flow = datagramFlow(socket, { address: coturn.host, port: coturn.port });
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => runStunTransaction({ flow, request: bindingRequest(), timing: { timeoutMs: 5_000 } })));
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success', 'success']);
  });
});

describe("coturn's turnutils_stunclient against our Binding server", () => {
  it('succeeds and prints the address our server saw', async () => {
    const stunclient = ensureCommand('turnutils_stunclient', 'coturn');
    const socket = await loopbackSocket();
    const trace = new Trace(() => performance.now());
    const server = startBindingServer({ socket, trace, agent: 'ours' });
    try {
      const { stdout, stderr } = await run(stunclient, ['-p', String(socket.local.port), '127.0.0.1'], { timeout: 10_000 });
      const printed = /UDP reflexive addr: (127\.0\.0\.1:\d+)/.exec(stdout + stderr);
      expect(printed, stdout + stderr).not.toBeNull();
      const answers = trace.ofKind('stun.answer');
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.every((a) => a.class === 'success-response')).toBe(true);
      expect(answers.map((a) => a.mapped)).toContain(printed![1]);
    } finally {
      server.stop();
    }
  });
});
