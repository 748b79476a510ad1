/**
 * The real-socket transports on 127.0.0.1: the same semantics as the
 * simulated ones (copy on send, plain Uint8Array in, close once, typed errors
 * and close reasons, never an unhandled 'error' event).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeTcpTransport, connectTcp, listenTcp, type NodeTcpListener } from '../../../src/io/node/tcp.js';
import { bindUdp, type NodeUdpTransport } from '../../../src/io/node/udp.js';
import { TransportError } from '../../../src/io/errors.js';
import { startBindingServer } from '../../../src/stun/binding-server.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../../../src/stun/client.js';
import { datagramFlow, streamFlow } from '../../../src/stun/flow.js';

const LOOPBACK = '127.0.0.1';
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

async function udp(): Promise<NodeUdpTransport> {
  const socket = await bindUdp({ address: LOOPBACK });
  opened.push(socket);
  return socket;
}

async function until(check: () => boolean, what: string, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('NodeUdpTransport', () => {
  it('sends a copy, delivers plain Uint8Arrays with the source, and closes once', async () => {
    const [a, b] = [await udp(), await udp()];
    expect(a.local).toMatchObject({ address: LOOPBACK });
    expect(a.local.port).toBeGreaterThan(0);
    const inbox: Array<{ data: Uint8Array; from: { address: string; port: number } }> = [];
    b.onMessage((data, from) => inbox.push({ data, from }));
    const buffer = new Uint8Array([1, 2, 3]);
    a.send(buffer, b.local);
    buffer[0] = 99;
    await until(() => inbox.length === 1, 'the datagram');
    expect(inbox[0]!.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(Buffer.isBuffer(inbox[0]!.data)).toBe(false);
    expect(inbox[0]!.from).toEqual(a.local);

    b.close();
    b.close();
    expect(b.closed).toBe(true);
    expect(() => b.send(new Uint8Array(1), a.local)).toThrow(TransportError);
    try {
      b.send(new Uint8Array(1), a.local);
    } catch (e) {
      expect((e as TransportError).code).toBe('ECLOSED');
    }
  });

  it('refuses a destination that is not an address and a port (EINVAL), and a port in use (EADDRINUSE)', async () => {
    const a = await udp();
    for (const to of [{ address: 'nowhere', port: 1 }, { address: LOOPBACK, port: 0 }, { address: LOOPBACK, port: 70_000 }, { address: '::1', port: 5 }]) {
      expect(() => a.send(new Uint8Array(1), to)).toThrow(/EINVAL/);
    }
    await expect(bindUdp({ address: LOOPBACK, port: a.local.port })).rejects.toMatchObject({ name: 'TransportError', code: 'EADDRINUSE' });
    await expect(bindUdp({ address: 'not-an-ip' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('NodeTcpTransport', () => {
  async function server(onConnection: (c: NodeTcpTransport) => void): Promise<NodeTcpListener> {
    const listener = await listenTcp({ address: LOOPBACK }, onConnection);
    opened.push(listener);
    return listener;
  }

  it('queues writes made while connecting, delivers data, and reports FIN as local-closed / remote-closed', async () => {
    const accepted: NodeTcpTransport[] = [];
    const received: Uint8Array[] = [];
    const serverClosed: string[] = [];
    const listener = await server((c) => {
      accepted.push(c);
      c.onData((d) => received.push(d));
      c.onClose((r) => serverClosed.push(r));
    });
    const client = connectTcp(listener.local);
    expect(client.state).toBe('connecting');
    const opened: string[] = [];
    const clientClosed: string[] = [];
    client.onOpen(() => opened.push('open'));
    client.onClose((r) => clientClosed.push(r));
    const bytes = new Uint8Array([7, 8, 9]);
    client.write(bytes);
    bytes[0] = 0;
    await until(() => received.length > 0, 'the bytes');
    expect(opened).toEqual(['open']);
    expect(client.local.address).toBe(LOOPBACK);
    expect(accepted[0]!.remote).toEqual(client.local);
    expect(Buffer.concat(received)).toEqual(Buffer.from([7, 8, 9]));

    client.end();
    expect(client.state).toBe('closed');
    expect(clientClosed).toEqual(['local-closed']);
    expect(() => client.write(new Uint8Array(1))).toThrow(/ENOTCONN/);
    await until(() => serverClosed.length > 0, 'the FIN');
    expect(serverClosed).toEqual(['remote-closed']);
  });

  it('reports a refused connection, and a reset', async () => {
    const probe = await listenTcp({ address: LOOPBACK }, () => undefined);
    const port = probe.local.port;
    probe.close();
    await sleep(20);
    const refused = connectTcp({ address: LOOPBACK, port });
    const reasons: string[] = [];
    refused.onClose((r) => reasons.push(r));
    await until(() => reasons.length > 0, 'the refusal');
    expect(reasons).toEqual(['refused']);

    const serverSide: NodeTcpTransport[] = [];
    const listener = await server((c) => serverSide.push(c));
    const client = connectTcp(listener.local);
    const clientReasons: string[] = [];
    client.onClose((r) => clientReasons.push(r));
    await until(() => serverSide.length > 0 && client.state === 'open', 'the connection');
    serverSide[0]!.abort();
    await until(() => clientReasons.length > 0, 'the reset');
    expect(clientReasons).toEqual(['reset']);
    expect(() => connectTcp({ address: LOOPBACK, port: 0 })).toThrow(/EINVAL/);
  });
});

describe('STUN over real sockets, our client and our server', () => {
  it('a Binding request over UDP and over TCP gets the client\'s own 127.0.0.1:port back', async () => {
    const socket = await udp();
    const server = startBindingServer({ socket });
    const listener = await listenTcp({ address: LOOPBACK }, (stream) => server.send({ type: 'connection', stream }));
    opened.push(listener);
    const client = await udp();
    const outcome = await runStunTransaction({ flow: datagramFlow(client, socket.local), request: bindingRequest(), timing: { timeoutMs: 5_000 } });
    expect(outcome.kind).toBe('success');
    if (outcome.kind === 'success') expect(mappedAddress(outcome.response)).toEqual({ address: LOOPBACK, port: client.local.port });

    const stream = connectTcp(listener.local);
    const overTcp = await runStunTransaction({ flow: streamFlow(stream), request: bindingRequest(), timing: { timeoutMs: 5_000 } });
    expect(overTcp.kind).toBe('success');
    if (overTcp.kind === 'success') expect(mappedAddress(overTcp.response)).toEqual({ ...stream.local });
    stream.end();
    server.stop();
  });

  it('times out on real time when nobody answers, after the schedule', async () => {
    const silent = await udp();
    const client = await udp();
    const started = performance.now();
    const outcome = await runStunTransaction({ flow: datagramFlow(client, silent.local), request: bindingRequest(), timing: { rtoMs: 20, rc: 3, rm: 4 } });
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ kind: 'timeout', transmissions: 3, elapsedMs: 140 });
    expect(elapsed).toBeGreaterThanOrEqual(135);
    expect(elapsed).toBeLessThan(2_000);
  });
});
