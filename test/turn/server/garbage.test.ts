/**
 * Untrusted input never crashes the TURN server (ARCHITECTURE.md, principle
 * 5): random bytes, mutated requests, indications and ChannelData, over UDP
 * and over a TCP stream, are each answered with an error or dropped, always
 * traced, and the server keeps serving.
 */
import { fc, test as prop } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import type { World } from '../../../src/sim/index.js';
import { HEADER_LENGTH, StunMethod, encodeChannelData, encodeStunMessage } from '../../../src/wire/index.js';
import { Client, errorCode, relayedAddress, scene, text, xor } from './harness.js';

/** Trace records that account for one message from a client. */
const ACCOUNTS = ['turn.ignore', 'turn.response', 'turn.refuse', 'turn.relay'] as const;

function accounted(world: World): number {
  return world.trace.records.filter((r) => (ACCOUNTS as readonly string[]).includes(r.kind)).length;
}

/** A scene with alice allocated and permitted to peer0, and the requests she could send. */
function allocated(seed: number) {
  const { world, server, peers } = scene({}, seed);
  const alice = new Client(world, 'alice', server.address);
  const relayed = relayedAddress(alice.allocate());
  alice.channelBind(0x4001, peers[0]!.address);
  const valid: Uint8Array[] = [
    encodeStunMessage(
      {
        method: StunMethod.CreatePermission,
        class: 'request',
        transactionId: new Uint8Array(12).fill(7),
        attributes: [
          { type: 'XOR-PEER-ADDRESS', value: xor(peers[1]!.address.address, 0) },
          { type: 'USERNAME', value: 'alice' },
          { type: 'REALM', value: alice.realm! },
          { type: 'NONCE', value: alice.nonce! },
          { type: 'MESSAGE-INTEGRITY' },
          { type: 'FINGERPRINT' },
        ],
      },
      { key: alice.key },
    ),
    encodeStunMessage({
      method: StunMethod.Send,
      class: 'indication',
      transactionId: new Uint8Array(12).fill(8),
      attributes: [
        { type: 'XOR-PEER-ADDRESS', value: xor(peers[0]!.address.address, peers[0]!.address.port) },
        { type: 'DATA', value: text('payload') },
      ],
    }),
    encodeChannelData({ channelNumber: 0x4001, data: text('channel payload') }),
  ];
  return { world, server, alice, relayed, valid };
}

describe('garbage over UDP', () => {
  prop.prop([fc.integer({ min: 1, max: 1000 }), fc.array(fc.uint8Array({ minLength: 0, maxLength: 120 }), { minLength: 1, maxLength: 20 })], { numRuns: 60 })(
    'random datagrams are each accounted for in the trace, and the server keeps serving',
    (seed, datagrams) => {
      const { world, server, alice } = allocated(seed);
      const before = accounted(world);
      for (const d of datagrams) alice.sendBytes(d);
      world.runFor(1_000);
      expect(accounted(world) - before).toBe(datagrams.length);
      expect(server.actor.getSnapshot().status).toBe('active');
      expect(alice.refresh().class).toBe('success-response');
    },
  );

  prop.prop(
    [
      fc.integer({ min: 1, max: 1000 }),
      fc.array(fc.record({ which: fc.nat(2), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), cut: fc.option(fc.nat()) }), { minLength: 1, maxLength: 20 }),
    ],
    { numRuns: 80 },
  )('valid requests, indications and ChannelData with a byte changed or cut off are answered or dropped, never a crash', (seed, mutations) => {
    const { world, server, alice, valid } = allocated(seed);
    const before = accounted(world);
    for (const m of mutations) {
      const original = valid[m.which]!;
      const bytes = original.slice(0, m.cut === null ? original.length : m.cut % (original.length + 1));
      if (bytes.length > 0) bytes[m.at % bytes.length] = m.value;
      alice.sendBytes(bytes);
    }
    world.runFor(1_000);
    expect(accounted(world) - before).toBe(mutations.length);
    expect(server.actor.getSnapshot().status).toBe('active');
    expect(alice.refresh().class).toBe('success-response');
  });
});

describe('garbage over TCP', () => {
  prop.prop([fc.integer({ min: 1, max: 1000 }), fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 10 })], { numRuns: 40 })(
    'random chunks on a connection never crash the server: frames are handled, a stream out of step is closed',
    (seed, chunks) => {
      const { world, server } = scene({}, seed);
      const bad = new Client(world, 'alice', server.address, { transport: 'tcp' });
      for (const c of chunks) bad.sendBytes(c);
      world.runFor(5_000);
      expect(server.actor.getSnapshot().status).toBe('active');
      const good = new Client(world, 'bob', server.address, { transport: 'tcp' });
      expect(good.allocate().class).toBe('success-response');
    },
  );
});

describe('malformed messages, one by one', () => {
  test('a request whose header is sound but whose attributes are not gets 400, with the reason traced', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const request = encodeStunMessage({ method: StunMethod.Allocate, class: 'request', transactionId: new Uint8Array(12).fill(3), attributes: [{ type: 'LIFETIME', value: 600 }] });
    // LIFETIME's length says 8 bytes, but the value is 4 and the message ends: the attribute overflows.
    request[HEADER_LENGTH + 3] = 8;
    alice.sendBytes(request);
    const answer = alice.awaitResponse(new Uint8Array(12).fill(3));
    expect(errorCode(answer)).toBe(400);
    expect(world.trace.ofKind('turn.response').at(-1)?.detail).toMatch(/^malformed request: /);
  });

  test('responses, indications other than Send, a Send without an allocation, and a bad FINGERPRINT are dropped and traced', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const message = (method: number, cls: 'success-response' | 'indication' | 'request', fingerprint = false) =>
      encodeStunMessage({ method, class: cls, transactionId: new Uint8Array(12).fill(9), attributes: fingerprint ? [{ type: 'FINGERPRINT' }] : [] });
    alice.sendBytes(message(StunMethod.Binding, 'success-response'));
    alice.sendBytes(message(StunMethod.Data, 'indication'));
    alice.sendBytes(message(StunMethod.Send, 'indication'));
    const badFingerprint = message(StunMethod.Binding, 'request', true);
    badFingerprint[badFingerprint.length - 1]! ^= 0xff;
    alice.sendBytes(badFingerprint);
    alice.sendBytes(encodeChannelData({ channelNumber: 0x4001, data: text('x') }));
    alice.sendBytes(Uint8Array.of(0x80, 1, 2, 3));
    world.runFor(1_000);
    expect(world.trace.ofKind('turn.ignore').map((r) => r.reason)).toEqual([
      'a Binding success-response: this server sends no requests',
      'a Data indication is not served here',
      'a Send indication, but this 5-tuple has no allocation',
      expect.stringMatching(/^not STUN: FINGERPRINT/),
      'ChannelData for channel 0x4001, but this 5-tuple has no allocation',
      expect.stringMatching(/^neither STUN nor ChannelData \(rtp-rtcp/),
    ]);
    expect(alice.arrivals).toEqual([]);
  });

  test('a request for a method TURN does not serve gets 400 without authentication', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    expect(errorCode(alice.request(0x0ab, [], { sign: false }))).toBe(400);
    expect(errorCode(alice.request(StunMethod.Data, [], { sign: false }))).toBe(400);
  });

  test('a Send indication without DATA, or with DONT-FRAGMENT, is dropped with its reason', () => {
    const { world, server, peers } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    alice.createPermission(peers[0]!.address.address);
    const send = (attributes: Parameters<typeof encodeStunMessage>[0]['attributes']) =>
      alice.sendBytes(encodeStunMessage({ method: StunMethod.Send, class: 'indication', transactionId: alice.nextTransactionId(), attributes }));
    const peer = { type: 'XOR-PEER-ADDRESS' as const, value: xor(peers[0]!.address.address, peers[0]!.address.port) };
    send([peer]);
    send([peer, { type: 'DATA', value: text('df') }, { type: 'DONT-FRAGMENT' }]);
    world.runFor(100);
    expect(peers[0]!.inbox).toEqual([]);
    expect(world.trace.ofKind('turn.refuse').map((r) => r.reason)).toEqual(['Send indication without XOR-PEER-ADDRESS or DATA', 'DONT-FRAGMENT is not supported']);
  });
});
