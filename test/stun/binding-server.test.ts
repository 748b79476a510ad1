import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWorld } from '../../src/sim/index.js';
import { DEFAULT_STUN_SOFTWARE, answerBinding, startBindingServer } from '../../src/stun/binding-server.js';
import {
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  verifyFingerprint,
  type DecodedStunMessage,
  type StunAttribute,
  type StunClass,
} from '../../src/wire/index.js';
import { prop, runs } from './support.js';

const CLIENT = { address: '203.0.113.7', port: 40000 };
const ID = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function request(attributes: StunAttribute[] = [], method: number = StunMethod.Binding, cls: StunClass = 'request'): Uint8Array {
  return encodeStunMessage({ method, class: cls, transactionId: ID, attributes });
}

function decodedAnswer(bytes: Uint8Array, from = CLIENT): DecodedStunMessage {
  const decision = answerBinding(bytes, from);
  if (decision.kind !== 'answer') throw new Error(`expected an answer, got: ${decision.reason}`);
  const decoded = decodeStunMessage(decision.bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.message;
}

const errorCodeOf = (m: DecodedStunMessage) => m.attributes.find((a) => a.type === 'ERROR-CODE')?.value;

describe('answerBinding (RFC 8489 §6.3)', () => {
  it('answers a Binding request with XOR-MAPPED-ADDRESS of its source, SOFTWARE and FINGERPRINT, same transaction id', () => {
    const answer = decodedAnswer(request([{ type: 'FINGERPRINT' }]));
    expect(answer).toMatchObject({ method: StunMethod.Binding, class: 'success-response', transactionId: ID });
    expect(answer.attributes.map((a) => a.type)).toEqual(['XOR-MAPPED-ADDRESS', 'SOFTWARE', 'FINGERPRINT']);
    expect(answer.attributes[0]).toEqual({ type: 'XOR-MAPPED-ADDRESS', value: { ...CLIENT } });
    expect(answer.attributes[1]).toEqual({ type: 'SOFTWARE', value: DEFAULT_STUN_SOFTWARE });
    expect(verifyFingerprint(answer).ok).toBe(true);
  });

  it('reports an IPv6 source as an IPv6 XOR-MAPPED-ADDRESS', () => {
    const answer = decodedAnswer(request(), { address: '2001:db8::1', port: 5000 });
    expect(answer.attributes[0]).toEqual({ type: 'XOR-MAPPED-ADDRESS', value: { address: '2001:db8::1', port: 5000 } });
  });

  it('answers 420 listing unknown comprehension-required attributes, once each (RFC 8489 §6.3.1.1)', () => {
    const unknown = (code: number): StunAttribute => ({ type: 'unknown', code, value: new Uint8Array(2) });
    const answer = decodedAnswer(request([unknown(0x7001), unknown(0xc001), unknown(0x7002), unknown(0x7001)]));
    expect(answer.class).toBe('error-response');
    expect(errorCodeOf(answer)).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(answer.attributes.find((a) => a.type === 'UNKNOWN-ATTRIBUTES')?.value).toEqual([0x7001, 0x7002]);
    expect(answer.attributes.at(-1)?.type).toBe('FINGERPRINT');
  });

  it('answers 400 to a request whose header is sound but whose attributes do not decode', () => {
    const bytes = request([{ type: 'PRIORITY', value: 1 }]);
    bytes[23] = 2; // PRIORITY's length says 2; it is 4 bytes (RFC 8445 §16.1)
    bytes[24] = 0;
    const answer = decodedAnswer(bytes);
    expect(errorCodeOf(answer)?.code).toBe(400);
    expect(errorCodeOf(answer)?.reason).toMatch(/^Bad Request: /);
    expect(answer.transactionId).toEqual(ID);
  });

  it('answers 400 to a request for a method it does not serve', () => {
    const answer = decodedAnswer(request([], StunMethod.Allocate));
    expect(answer).toMatchObject({ method: StunMethod.Allocate, class: 'error-response' });
    expect(errorCodeOf(answer)?.code).toBe(400);
  });

  it.each([
    ['an indication', request([], StunMethod.Binding, 'indication'), /indication needs no answer/],
    ['a success response', request([], StunMethod.Binding, 'success-response'), /a response/],
    ['an error response', request([{ type: 'ERROR-CODE', value: { code: 400, reason: 'x' } }], StunMethod.Binding, 'error-response'), /a response/],
    ['no STUN at all', new Uint8Array([1, 2, 3]), /not a STUN request/],
    ['a wrong magic cookie', request().map((b, i) => (i === 4 ? 0 : b)), /not a STUN request: .*magic cookie/],
    ['a broken FINGERPRINT', request([{ type: 'FINGERPRINT' }]).map((b, i, all) => (i === all.length - 1 ? b ^ 1 : b)), /not STUN: FINGERPRINT/],
  ])('ignores %s', (_, bytes, reason) => {
    const decision = answerBinding(bytes, CLIENT);
    expect(decision.kind).toBe('ignore');
    if (decision.kind === 'ignore') expect(decision.reason).toMatch(reason);
  });

  prop([fc.uint8Array({ maxLength: 200 })], runs(2_000))('never throws on garbage, and answers only what starts as a sound STUN request header', (bytes) => {
    const decision = answerBinding(bytes, CLIENT);
    if (decision.kind === 'answer') {
      expect(bytes.length).toBeGreaterThanOrEqual(20);
      expect(bytes[0]! & 0xc0).toBe(0);
      expect(decodeStunMessage(decision.bytes).ok).toBe(true);
    }
  });

  prop([fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 })], runs(1_000))(
    'mutated Binding requests: never a throw; any answer is a decodable response to the same transaction',
    (mutations) => {
      const bytes = request([{ type: 'SOFTWARE', value: 'test' }, { type: 'PRIORITY', value: 7 }, { type: 'FINGERPRINT' }]);
      for (const { at, value } of mutations) bytes[at % bytes.length] = value;
      const decision = answerBinding(bytes, CLIENT);
      if (decision.kind !== 'answer') return;
      const decoded = decodeStunMessage(decision.bytes);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) return;
      expect(['success-response', 'error-response']).toContain(decoded.message.class);
      expect(decoded.message.transactionId).toEqual(bytes.subarray(8, 20));
    },
  );
});

describe('the Binding server machine', () => {
  it('answers over a simulated socket and a simulated TCP connection, traces answers and ignores, and survives garbage', () => {
    const world = createWorld({ hosts: [{ id: 'stun', address: '198.51.100.1' }, { id: 'alice', address: '203.0.113.5' }] });
    const socket = world.host('stun').bindUdp({ port: 3478 });
    const server = startBindingServer({ socket, trace: world.trace, agent: 'stun', software: 'test server' }, { clock: world.clock });
    world.host('stun').listenTcp({ port: 3478 }, (stream) => server.send({ type: 'connection', stream }));

    const client = world.host('alice').bindUdp({ port: 5000 });
    const inbox: Uint8Array[] = [];
    client.onMessage((data) => inbox.push(data));
    client.send(new Uint8Array([0xff, 0x00]), { address: '198.51.100.1', port: 3478 });
    client.send(request(), { address: '198.51.100.1', port: 3478 });
    const tcp = world.host('alice').connectTcp({ address: '198.51.100.1', port: 3478 }, { port: 5001 });
    const tcpInbox: Uint8Array[] = [];
    tcp.onData((data) => tcpInbox.push(data));
    tcp.write(request());
    world.runFor(1_000);

    expect(inbox).toHaveLength(1);
    const answer = decodeStunMessage(inbox[0]!);
    expect(answer.ok && answer.message.attributes[0]).toEqual({ type: 'XOR-MAPPED-ADDRESS', value: { address: '203.0.113.5', port: 5000 } });
    expect(answer.ok && answer.message.attributes[1]).toEqual({ type: 'SOFTWARE', value: 'test server' });
    const tcpAnswer = decodeStunMessage(Buffer.concat(tcpInbox));
    expect(tcpAnswer.ok && tcpAnswer.message.attributes[0]).toEqual({ type: 'XOR-MAPPED-ADDRESS', value: { address: '203.0.113.5', port: 5001 } });

    expect(world.trace.ofKind('stun.ignore')).toMatchObject([{ from: '203.0.113.5:5000', to: '0.0.0.0:3478', agent: 'stun' }]);
    expect(world.trace.ofKind('stun.answer')).toMatchObject([
      { class: 'success-response', to: '203.0.113.5:5000', mapped: '203.0.113.5:5000', transaction: '0102030405060708090a0b0c' },
      { class: 'success-response', to: '203.0.113.5:5001', mapped: '203.0.113.5:5001' },
    ]);
    expect(server.getSnapshot().context).toMatchObject({ answered: 2, ignored: 1, connections: 1 });
    expect(server.getSnapshot().status).toBe('active');

    tcp.end();
    world.runFor(1_000);
    expect(Object.keys(server.getSnapshot().children)).not.toContain('connection-1');
    server.send({ type: 'stop' });
    expect(server.getSnapshot().status).toBe('done');
    client.send(request(), { address: '198.51.100.1', port: 3478 });
    world.runFor(1_000);
    expect(inbox).toHaveLength(1);
  });
});
