/**
 * Our TURN client against real software: Debian's coturn on 127.0.0.1, over
 * a real UDP socket and over a real TCP connection (RFC 8656 §3.1 framing),
 * on the real clock.
 *
 * - Allocate with the 401 dance, and what the allocation says (a relayed
 *   address on 127.0.0.1, our own address as the server saw it);
 * - two allocations relaying to each other: each permits the other's relayed
 *   address (CreatePermission), data both ways as Send and Data indications,
 *   then ChannelBind both ways and data as ChannelData, the bytes equal;
 * - Refresh on demand, and with LIFETIME 0: the allocation is gone, and a
 *   later Refresh on the same 5-tuple gets 437 Allocation Mismatch;
 * - a wrong password ends in allocate-failed 401.
 *
 * coturn is installed with apt-get when missing; if it cannot start, the
 * tests fail saying why, they are never skipped. Every wait is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trace } from '../../../src/sim/index.js';
import { connectTcp, type NodeTcpTransport } from '../../../src/io/node/tcp.js';
import { bindUdp, type NodeUdpTransport } from '../../../src/io/node/udp.js';
import { startBindingServer } from '../../../src/stun/binding-server.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../../../src/stun/client.js';
import { type StunTransactionOutcome } from '../../../src/stun/transaction.js';
import { datagramFlow, streamFlow, type StunFlow } from '../../../src/stun/flow.js';
import { buildRequest, judgeOutcome, type ClientAuth } from '../../../src/turn/client/requests.js';
import { type TurnClientInput } from '../../../src/turn/client/types.js';
import { startNodeTurnClient, type NodeTurnClient } from '../../../src/turn/client/node.js';
import { relayedTransport } from '../../../src/turn/client/relayed-transport.js';
import { whenAllocated } from '../../../src/turn/client/run.js';
import { startCoturn, type Coturn } from '../../support/coturn.js';
import { collect, pattern, text, waitFor } from './support.js';

let coturn: Coturn;
const sockets: NodeUdpTransport[] = [];
const streams: NodeTcpTransport[] = [];
const clients: NodeTurnClient[] = [];

beforeAll(async () => {
  coturn = await startCoturn();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const socket of sockets) socket.close();
  for (const stream of streams) stream.end();
  await coturn?.stop();
});

type Transport = 'udp' | 'tcp';

/**
 * Refresh requests (with `lifetime`, if given) on `flow`, each renewing a stale nonce once as the
 * client does (judgeOutcome), each after `gapMs` of silence, until `enough` says so or 6 s passed.
 */
async function refreshUntil(flow: StunFlow, auth: ClientAuth, lifetime: number | undefined, enough: (o: StunTransactionOutcome) => boolean, gapMs = 0) {
  const deadline = Date.now() + 6_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    let outcome: StunTransactionOutcome;
    for (let attempt = 0; ; attempt++) {
      const { request, key } = buildRequest({ kind: 'refresh', ...(lifetime !== undefined ? { lifetime } : {}) }, auth);
      outcome = await runStunTransaction({ flow, request, ...(key ? { key } : {}), timing: { timeoutMs: 5_000 } });
      const verdict = judgeOutcome(outcome, auth, { signed: true, staleRetried: attempt > 0 });
      if (verdict.verdict !== 'retry') break;
      auth = verdict.auth;
    }
    if (enough(outcome) || Date.now() > deadline) return { outcome, auth };
  }
}

async function flowTo(transport: Transport): Promise<StunFlow> {
  const server = { address: coturn.host, port: coturn.port };
  if (transport === 'udp') {
    const socket = await bindUdp({ address: '127.0.0.1' });
    sockets.push(socket);
    return datagramFlow(socket, server);
  }
  const stream = connectTcp(server, { connectTimeoutMs: 5_000 });
  streams.push(stream);
  return streamFlow(stream);
}

async function client(transport: Transport, agent: string, input: Partial<TurnClientInput> = {}) {
  const trace = new Trace(() => performance.now());
  const started = await startNodeTurnClient({
    server: { address: coturn.host, port: coturn.port },
    transport,
    localAddress: '127.0.0.1',
    connectTimeoutMs: 5_000,
    credentials: { username: coturn.username, password: coturn.password },
    trace,
    agent,
    software: 'rtc-machines test',
    timing: { timeoutMs: 5_000 },
    ...input,
  });
  clients.push(started);
  return { ...started, told: collect(started.actor), trace };
}

async function allocated(transport: Transport, agent: string, input: Partial<TurnClientInput> = {}) {
  const c = await client(transport, agent, input);
  const result = await whenAllocated(c.actor);
  if (!result.ok) throw new Error(`${agent} over ${transport}: no allocation: ${JSON.stringify(result.end)}\ncoturn said:\n${coturn.log()}`);
  return { ...c, allocation: result.allocation };
}

describe.each(['udp', 'tcp'] as const)('our TURN client against coturn over %s', (transport) => {
  it('allocates with the 401 dance: a relayed address on 127.0.0.1 and our own address as coturn saw it', async () => {
    const { allocation, trace, flow } = await allocated(transport, 'alice');
    expect(allocation.relayed.address).toBe('127.0.0.1');
    expect(allocation.relayed.port).toBeGreaterThan(0);
    expect(allocation.mapped).toEqual({ address: '127.0.0.1', port: flow.local.port });
    expect(allocation.lifetime).toBeGreaterThan(60);
    expect(trace.ofKind('stun.response').map((r) => [r.method, r.outcome, r.code ?? null, r.authenticated])).toEqual([
      ['Allocate', 'error', 401, false],
      ['Allocate', 'success', null, true],
    ]);
    expect(trace.ofKind('turn.client.allocation').map((r) => r.event)).toEqual(['challenged', 'allocated']);
  });

  it('relays between two allocations: permissions, Send/Data indications both ways, then ChannelBind and ChannelData both ways, bytes equal', async () => {
    const [a, b] = await Promise.all([allocated(transport, 'a'), allocated(transport, 'b')]);
    a.actor.send({ type: 'permission.create', peers: [b.allocation.relayed] });
    b.actor.send({ type: 'permission.create', peers: [a.allocation.relayed] });
    await Promise.all([waitFor(a.actor, a.told, 'turn.permission', (e) => e.result === 'installed'), waitFor(b.actor, b.told, 'turn.permission', (e) => e.result === 'installed')]);

    const toB = text(`from a over ${transport}, as a Send indication`);
    const toA = pattern(1001, 7); // odd length: the padding of ChannelData over TCP is exercised below
    a.actor.send({ type: 'send', peer: b.allocation.relayed, data: toB });
    const atB = await waitFor(b.actor, b.told, 'turn.data');
    expect(atB).toMatchObject({ via: 'data-indication', peer: a.allocation.relayed });
    expect(Buffer.from(atB.data).equals(Buffer.from(toB))).toBe(true);
    b.actor.send({ type: 'send', peer: a.allocation.relayed, data: toA });
    const atA = await waitFor(a.actor, a.told, 'turn.data');
    expect(atA).toMatchObject({ via: 'data-indication', peer: b.allocation.relayed });
    expect(Buffer.from(atA.data).equals(Buffer.from(toA))).toBe(true);

    a.actor.send({ type: 'channel.bind', peer: b.allocation.relayed });
    b.actor.send({ type: 'channel.bind', peer: a.allocation.relayed });
    const [boundA, boundB] = await Promise.all([waitFor(a.actor, a.told, 'turn.channel'), waitFor(b.actor, b.told, 'turn.channel')]);
    expect(boundA).toMatchObject({ result: 'bound', channel: 0x4000 });
    expect(boundB).toMatchObject({ result: 'bound', channel: 0x4000 });

    const viaChannelToB = pattern(333, 11);
    const viaChannelToA = pattern(1, 13);
    a.actor.send({ type: 'send', peer: b.allocation.relayed, data: viaChannelToB });
    b.actor.send({ type: 'send', peer: a.allocation.relayed, data: viaChannelToA });
    const [channelAtB, channelAtA] = await Promise.all([
      waitFor(b.actor, b.told, 'turn.data', (e) => e.via === 'channel-data'),
      waitFor(a.actor, a.told, 'turn.data', (e) => e.via === 'channel-data'),
    ]);
    expect(channelAtB.peer).toEqual(a.allocation.relayed);
    expect(Buffer.from(channelAtB.data).equals(Buffer.from(viaChannelToB))).toBe(true);
    expect(channelAtA.peer).toEqual(b.allocation.relayed);
    expect(Buffer.from(channelAtA.data).equals(Buffer.from(viaChannelToA))).toBe(true);
    expect(a.trace.ofKind('turn.client.data').map((r) => [r.direction, r.framing])).toEqual([
      ['to-peer', 'send-indication'],
      ['from-peer', 'data-indication'],
      ['to-peer', 'channel-data'],
      ['from-peer', 'channel-data'],
    ]);
  });

  it('carries a STUN Binding check between the two relayed transport addresses (as ICE checks a relay pair), each allocation used as a socket', async () => {
    const [a, b] = await Promise.all([allocated(transport, 'a'), allocated(transport, 'b')]);
    a.actor.send({ type: 'permission.create', peers: [b.allocation.relayed] });
    b.actor.send({ type: 'permission.create', peers: [a.allocation.relayed] });
    await Promise.all([waitFor(a.actor, a.told, 'turn.permission'), waitFor(b.actor, b.told, 'turn.permission')]);
    const server = startBindingServer({ socket: relayedTransport(b.actor) });
    try {
      const outcome = await runStunTransaction({ flow: datagramFlow(relayedTransport(a.actor), b.allocation.relayed), request: bindingRequest(), timing: { timeoutMs: 5_000 } });
      expect(outcome, coturn.log()).toMatchObject({ kind: 'success', from: b.allocation.relayed });
      expect(outcome.kind === 'success' && mappedAddress(outcome.response)).toEqual({ ...a.allocation.relayed });
    } finally {
      server.stop();
    }
  });

  it('refreshes on demand, and releases with LIFETIME 0: a later Refresh on the same 5-tuple gets 437', async () => {
    // coturn, like RFC 8656 §7.2 suggests, grants what is asked between its default (600 s) and its maximum (3600 s).
    const c = await allocated(transport, 'carol', { lifetime: 1200 });
    expect(c.allocation.lifetime).toBe(1200);
    c.actor.send({ type: 'refresh', lifetime: 1800 });
    expect(await waitFor(c.actor, c.told, 'turn.refreshed')).toMatchObject({ lifetime: 1800 });
    expect(c.actor.getSnapshot().context.allocation?.lifetime).toBe(1800);

    c.actor.send({ type: 'release' });
    const ended = await waitFor(c.actor, c.told, 'turn.ended');
    expect(ended.end).toEqual({ kind: 'released', confirmed: true });
    expect(c.actor.getSnapshot().status).toBe('done');

    // coturn deletes a released allocation after about a second without traffic, not while answering (a
    // plain Refresh before then brings it back): after 1.5 s of silence, ask with LIFETIME 0, which cannot
    // revive it, until the answer is 437.
    const auth = c.actor.getSnapshot().context.auth;
    if (transport === 'udp') {
      const gone = await refreshUntil(c.flow, auth, 0, (o) => o.kind === 'error' && o.code === 437, 1_500);
      expect(gone.outcome, coturn.log()).toMatchObject({ kind: 'error', code: 437 });
      // A later (plain) Refresh on the same 5-tuple: 437 Allocation Mismatch (RFC 8656 §8.2), after a 438 renews the nonce.
      const later = await refreshUntil(c.flow, gone.auth, undefined, () => true);
      expect(later.outcome, coturn.log()).toMatchObject({ kind: 'error', code: 437 });
    } else {
      // Over TCP coturn closes the connection with the allocation (RFC 8656 §3.1 ties them): the 5-tuple itself is gone.
      const closed = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('coturn kept the connection open 5 s after the release')), 5_000);
        c.flow.onClose((reason) => (clearTimeout(timer), resolve(reason)));
      });
      expect(['remote-closed', 'reset']).toContain(closed);
      const { request, key } = buildRequest({ kind: 'refresh' }, auth);
      expect(await runStunTransaction({ flow: c.flow, request, ...(key ? { key } : {}) })).toMatchObject({ kind: 'transport-closed' });
      // A later Refresh with the same credentials on a new connection finds no allocation either.
      const later = await refreshUntil(await flowTo('tcp'), auth, undefined, () => true);
      expect(later.outcome, coturn.log()).toMatchObject({ kind: 'error', code: 437 });
    }
  });

  it('ends in allocate-failed 401 with a wrong password', async () => {
    const c = await client(transport, 'mallory', { credentials: { username: coturn.username, password: 'not the password' } });
    const result = await whenAllocated(c.actor);
    expect(result).toMatchObject({ ok: false, end: { kind: 'allocate-failed', code: 401, outcome: 'error' } });
    expect(c.trace.ofKind('turn.client.allocation').map((r) => r.event)).toEqual(['challenged', 'failed']);
  });
});
