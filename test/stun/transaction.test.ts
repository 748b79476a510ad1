import { describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { createWorld, type SimUdpSocket, type World } from '../../src/sim/index.js';
import { type TransportAddress } from '../../src/io/index.js';
import { bindingRequest, startStunTransaction } from '../../src/stun/client.js';
import { stunTransactionMachine, type StunTransactionInput, type StunTransactionOutcome } from '../../src/stun/transaction.js';
import { datagramFlow, streamFlow } from '../../src/stun/flow.js';
import {
  StunMethod,
  createErrorResponse,
  createSuccessResponse,
  decodeStunMessage,
  encodeStunMessage,
  shortTermKey,
  type DecodedStunMessage,
  type StunAttribute,
} from '../../src/wire/index.js';
import { STUN_SERVER, probeTcp, probeUdp, runToCompletion, serverWorld } from './support.js';

const ROGUE = { address: '198.51.100.3', port: 3478 } as const;
const NOWHERE = { address: '198.51.100.9', port: 3478 } as const;
const KEY = shortTermKey('secret');

/** A world with one client on the internet and a server that answers each request with `answer`. */
function rogueWorld(answer: (request: DecodedStunMessage, from: TransportAddress, socket: SimUdpSocket, world: World) => void, seed = 1) {
  const world = createWorld({ hosts: [{ id: 'rogue', address: ROGUE.address }, { id: 'alice', address: '203.0.113.5' }] }, { seed });
  const socket = world.host('rogue').bindUdp({ port: ROGUE.port });
  socket.onMessage((data, from) => {
    const decoded = decodeStunMessage(data);
    if (decoded.ok) answer(decoded.message, from, socket, world);
  });
  return world;
}

const mapped = (from: TransportAddress): StunAttribute => ({ type: 'XOR-MAPPED-ADDRESS', value: { ...from } });

function sendTimes(world: World, host: string): number[] {
  return world.trace.ofKind('packet.send').filter((r) => r.host === host).map((r) => r.t);
}

describe('client transaction timing (RFC 8489 §6.2)', () => {
  it('over UDP with the defaults: 7 transmissions at 0, 500, 1500, 3500, 7500, 15500, 31500 ms, timeout at exactly 39.5 s', () => {
    const world = createWorld({ hosts: [{ id: 'alice', address: '203.0.113.5' }] });
    const { outcome, at } = probeUdp(world, 'alice', NOWHERE);
    expect(outcome).toMatchObject({ kind: 'timeout', transmissions: 7, elapsedMs: 39_500 });
    expect(at).toBe(39_500);
    expect(sendTimes(world, 'alice')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(world.trace.ofKind('stun.retransmit').map((r) => [r.attempt, r.waitedMs])).toEqual([
      [2, 500], [3, 1000], [4, 2000], [5, 4000], [6, 8000], [7, 16000],
    ]);
    expect(world.trace.ofKind('stun.timeout')).toMatchObject([{ t: 39_500, transmissions: 7, elapsedMs: 39_500, outcome: 'timeout', to: '198.51.100.9:3478' }]);
  });

  it('over TCP: one transmission, timeout Ti = 39.5 s', () => {
    const world = createWorld({ hosts: [{ id: 'mute', address: ROGUE.address }, { id: 'alice', address: '203.0.113.5' }] });
    world.host('mute').listenTcp({ port: ROGUE.port }, () => undefined);
    const { outcome, at } = probeTcp(world, 'alice', ROGUE);
    expect(outcome).toMatchObject({ kind: 'timeout', transmissions: 1, elapsedMs: 39_500 });
    expect(at).toBe(39_500);
    expect(world.trace.ofKind('stun.retransmit')).toEqual([]);
    expect(world.trace.ofKind('stun.request')).toMatchObject([{ transport: 'tcp', attempt: 1 }]);
  });

  it('takes its timing from the input: RTO, Rc, Rm, the TCP timeout and a deadline', () => {
    const world = createWorld({ hosts: [{ id: 'alice', address: '203.0.113.5' }] });
    const short = probeUdp(world, 'alice', NOWHERE, { timing: { rtoMs: 100, rc: 3, rm: 4 } });
    expect(short.outcome).toMatchObject({ kind: 'timeout', transmissions: 3, elapsedMs: 700 });
    expect(short.at).toBe(700);
    const start = world.clock.now();
    const deadline = probeUdp(world, 'alice', NOWHERE, { timing: { timeoutMs: 2_000 } });
    expect(deadline.outcome).toMatchObject({ kind: 'timeout', transmissions: 3, elapsedMs: 2_000 });
    expect(deadline.at - start).toBe(2_000);
  });
});

describe('client transaction: matching and checking responses', () => {
  it('learns its reflexive address from a Binding server, in one round trip', () => {
    const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5' }]);
    const { outcome, socket, at } = probeUdp(world, 'alice', STUN_SERVER);
    expect(outcome).toMatchObject({ kind: 'success', transmissions: 1, from: STUN_SERVER, authenticated: false });
    if (outcome.kind !== 'success') return;
    expect(outcome.response.attributes.find((a) => a.type === 'XOR-MAPPED-ADDRESS')?.value).toEqual({ address: '203.0.113.5', port: socket.local.port });
    expect(at).toBe(40); // two internet hops each way at 10 ms a link
  });

  it('ignores garbage, other transactions, and requests or indications that carry its id; takes the real answer', () => {
    const world = rogueWorld((request, from, socket, w) => {
      const id = request.transactionId;
      socket.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), from);
      socket.send(new Uint8Array(64), from);
      socket.send(encodeStunMessage(createSuccessResponse({ method: StunMethod.Binding, transactionId: new Uint8Array(12).fill(7) }, [mapped({ address: '6.6.6.6', port: 6 })])), from);
      socket.send(encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId: id, attributes: [] }), from);
      socket.send(encodeStunMessage({ method: StunMethod.Binding, class: 'indication', transactionId: id, attributes: [] }), from);
      const truncated = encodeStunMessage(createSuccessResponse(request, [mapped(from)])).slice(0, 24);
      socket.send(truncated, from);
      w.clock.setTimeout(() => socket.send(encodeStunMessage(createSuccessResponse(request, [mapped(from), { type: 'FINGERPRINT' }])), from), 5);
    });
    const { outcome } = probeUdp(world, 'alice', ROGUE);
    expect(outcome).toMatchObject({ kind: 'success', transmissions: 1 });
    const discards = world.trace.ofKind('stun.discard').map((r) => r.reason);
    expect(discards).toHaveLength(3);
    expect(discards[0]).toMatch(/a request carries our transaction id/);
    expect(discards[1]).toMatch(/an indication carries our transaction id/);
    expect(discards[2]).toMatch(/^undecodable: /);
  });

  it('ends with the error code of an error response', () => {
    const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5' }]);
    const request = { method: StunMethod.Binding, attributes: [{ type: 'unknown', code: 0x7777, value: new Uint8Array(4) }] as StunAttribute[] };
    const { outcome } = probeUdp(world, 'alice', STUN_SERVER, { request });
    expect(outcome).toMatchObject({ kind: 'error', code: 420, reason: 'Unknown Attribute' });
    expect(world.trace.ofKind('stun.response')).toMatchObject([{ outcome: 'error', code: 420, class: 'error-response' }]);
  });

  it('fails on a response with an unknown comprehension-required attribute (RFC 8489 §7.3.3)', () => {
    const world = rogueWorld((request, from, socket) =>
      socket.send(encodeStunMessage(createSuccessResponse(request, [mapped(from), { type: 'unknown', code: 0x7001, value: new Uint8Array(0) }])), from),
    );
    const { outcome } = probeUdp(world, 'alice', ROGUE);
    expect(outcome).toMatchObject({ kind: 'bad-response', unknownAttributes: [0x7001] });
    expect(world.trace.ofKind('stun.failure')).toMatchObject([{ outcome: 'bad-response' }]);
  });

  it('with a key, signs its request and accepts only a response with matching MESSAGE-INTEGRITY', () => {
    const world = rogueWorld((request, from, socket) => {
      const integrity = decodeStunMessage(request.raw);
      expect(integrity.ok && integrity.message.integrityOffset !== undefined).toBe(true);
      socket.send(encodeStunMessage(createSuccessResponse(request, [mapped(from), { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }]), { key: KEY }), from);
    });
    const request = { method: StunMethod.Binding, attributes: [{ type: 'USERNAME', value: 'a:b' }, { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }] as StunAttribute[] };
    const { outcome } = probeUdp(world, 'alice', ROGUE, { request, key: KEY });
    expect(outcome).toMatchObject({ kind: 'success', authenticated: true });
  });

  it('over UDP, discards forged responses and keeps retransmitting; reports an integrity violation, not a timeout (RFC 8489 §9.1.4)', () => {
    const world = rogueWorld((request, from, socket) =>
      socket.send(encodeStunMessage(createSuccessResponse(request, [mapped(from), { type: 'MESSAGE-INTEGRITY' }]), { key: shortTermKey('wrong') }), from),
    );
    const { outcome, at } = probeUdp(world, 'alice', ROGUE, { key: KEY });
    expect(outcome).toMatchObject({ kind: 'integrity-violation', transmissions: 7 });
    expect(at).toBe(39_500);
    expect(world.trace.ofKind('stun.discard')).toHaveLength(7);
    expect(world.trace.ofKind('stun.timeout')).toMatchObject([{ outcome: 'integrity-violation' }]);
  });

  it('accepts a 401 without MESSAGE-INTEGRITY (the server cannot sign it) but no other unsigned answer', () => {
    const answers: number[] = [];
    const world = rogueWorld((request, from, socket) => {
      // First an unsigned 400 (forgeable: discarded), then an unsigned 401 (RFC 8489 §9.2.5: accepted).
      const code = answers.length === 0 ? 400 : 401;
      answers.push(code);
      socket.send(encodeStunMessage(createErrorResponse(request, code, { attributes: [{ type: 'REALM', value: 'r' }, { type: 'NONCE', value: 'n' }] })), from);
    });
    const { outcome } = probeUdp(world, 'alice', ROGUE, { key: KEY });
    expect(outcome).toMatchObject({ kind: 'error', code: 401, authenticated: false, transmissions: 2 });
  });

  it('over TCP, a forged response ends the transaction at once (RFC 8489 §9.2.5)', () => {
    const world = createWorld({ hosts: [{ id: 'rogue', address: ROGUE.address }, { id: 'alice', address: '203.0.113.5' }] });
    world.host('rogue').listenTcp({ port: ROGUE.port }, (stream) =>
      stream.onData((bytes) => {
        const decoded = decodeStunMessage(bytes);
        if (decoded.ok) stream.write(encodeStunMessage(createSuccessResponse(decoded.message, [mapped(stream.remote)]), {}));
      }),
    );
    const { outcome, at } = probeTcp(world, 'alice', ROGUE, { key: KEY });
    expect(outcome).toMatchObject({ kind: 'integrity-violation', transmissions: 1 });
    expect(at).toBeLessThan(1_000);
  });

  it('ends with transport-closed when the connection is refused or the socket is closed', () => {
    const world = createWorld({ hosts: [{ id: 'closed', address: ROGUE.address }, { id: 'alice', address: '203.0.113.5' }] });
    const refused = probeTcp(world, 'alice', ROGUE);
    expect(refused.outcome).toMatchObject({ kind: 'transport-closed', reason: 'refused' });
    expect(world.trace.ofKind('stun.failure')).toMatchObject([{ outcome: 'transport-closed', detail: 'refused' }]);

    const socket = world.host('alice').bindUdp();
    socket.close();
    const input: StunTransactionInput = { flow: datagramFlow(socket, ROGUE), request: bindingRequest(), random: world.random };
    const { outcome } = runToCompletion(world, startStunTransaction(input, { clock: world.clock }));
    expect(outcome).toMatchObject({ kind: 'transport-closed', transmissions: 1 });
    if (outcome.kind === 'transport-closed') expect(outcome.reason).toMatch(/ECLOSED/);
  });

  it('shares a TCP connection between transactions: each takes its own answer', () => {
    const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5' }]);
    const stream = world.host('alice').connectTcp(STUN_SERVER);
    const flow = streamFlow(stream);
    const random = world.random.fork('shared');
    const actors = [0, 1, 2].map(() => startStunTransaction({ flow, request: bindingRequest(), random }, { clock: world.clock }));
    world.runFor(1_000);
    const outcomes = actors.map((a) => a.getSnapshot().output);
    expect(outcomes.map((o) => o?.kind)).toEqual(['success', 'success', 'success']);
    const ids = outcomes.map((o) => (o?.kind === 'success' ? Buffer.from(o.response.transactionId).toString('hex') : ''));
    expect(new Set(ids).size).toBe(3);
  });
});

describe('composition: a machine that invokes transactions (how TURN and ICE use it)', () => {
  it('runs a child transaction on the parent system\'s clock and gets its outcome in onDone', () => {
    const { world } = serverWorld([{ id: 'alice', address: '203.0.113.5' }]);
    const socket = world.host('alice').bindUdp();
    const random = world.random.fork('parent');
    const parent = setup({
      types: { context: {} as { outcomes: StunTransactionOutcome[] } },
      actors: { transaction: stunTransactionMachine },
    }).createMachine({
      context: { outcomes: [] },
      initial: 'asking',
      states: {
        asking: {
          invoke: {
            src: 'transaction',
            input: () => ({ flow: datagramFlow(socket, STUN_SERVER), request: bindingRequest(), random, trace: world.trace }),
            onDone: { target: 'askingNobody', actions: assign({ outcomes: ({ context, event }) => [...context.outcomes, event.output] }) },
          },
        },
        askingNobody: {
          invoke: {
            src: 'transaction',
            input: () => ({ flow: datagramFlow(socket, NOWHERE), request: bindingRequest(), random, trace: world.trace }),
            onDone: { target: 'done', actions: assign({ outcomes: ({ context, event }) => [...context.outcomes, event.output] }) },
          },
        },
        done: { type: 'final' },
      },
    });
    const actor = createActor(parent, { clock: world.clock }).start();
    world.run({ until: 100_000 });
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().context.outcomes.map((o) => o.kind)).toEqual(['success', 'timeout']);
    const [asked, timedOut] = world.trace.ofKind('stun.request');
    expect(world.trace.ofKind('stun.timeout')[0]!.t - timedOut!.t).toBe(39_500);
    expect(asked!.t).toBe(0);
  });
});
