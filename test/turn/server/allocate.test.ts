/**
 * The Allocate request on the TURN server (RFC 8656 §7.2), in the simulator:
 * what it grants, and each way it refuses.
 */
import { describe, expect, test } from 'vitest';
import { StunMethod, TRANSPORT_UDP, bytesToHex, findAttribute, type StunAttribute } from '../../../src/wire/index.js';
import { TurnConfigError, resolveServerConfig } from '../../../src/turn/server/config.js';
import { ALICE_IP, Client, SERVER_IP, errorCode, relayedAddress, scene } from './harness.js';

const UDP: StunAttribute = { type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP };

describe('a granted Allocate', () => {
  test('carries XOR-RELAYED-ADDRESS on the server, XOR-MAPPED-ADDRESS of the client, and the default LIFETIME of 600 s', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const answer = alice.allocate();
    expect(answer.class).toBe('success-response');
    expect(relayedAddress(answer).address).toBe(SERVER_IP);
    expect(findAttribute(answer, 'XOR-MAPPED-ADDRESS')?.value.address).toBe(ALICE_IP);
    expect(findAttribute(answer, 'LIFETIME')?.value).toBe(600);
    const [created] = world.trace.ofKind('turn.allocation');
    expect(created).toMatchObject({ event: 'create', username: 'alice', transport: 'udp', lifetime: 600, server: `${SERVER_IP}:3478` });
  });

  test.each([
    [undefined, 600],
    [30, 600],
    [1800, 1800],
    [3600, 3600],
    [100_000, 3600],
  ])('LIFETIME %s is granted as %s s (at least the default, at most the maximum)', (asked, granted) => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const answer = alice.allocate([UDP, ...(asked === undefined ? [] : [{ type: 'LIFETIME' as const, value: asked }])]);
    expect(findAttribute(answer, 'LIFETIME')?.value).toBe(granted);
  });

  test('a retransmitted Allocate (same transaction) gets the same answer, not 437, and creates nothing new', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.request(StunMethod.Allocate, [UDP], { sign: false });
    const transactionId = alice.nextTransactionId();
    const first = alice.request(StunMethod.Allocate, [UDP], { transactionId });
    alice.sendRequest(StunMethod.Allocate, [UDP], { transactionId });
    world.runFor(1_000);
    const answers = alice.arrivals.flatMap((a) => (a.kind === 'stun' && bytesToHex(a.message.transactionId) === bytesToHex(transactionId) ? [a.message] : []));
    expect(answers).toHaveLength(2);
    expect(bytesToHex(answers[1]!.raw)).toBe(bytesToHex(first.raw));
    expect(world.trace.ofKind('turn.allocation')).toHaveLength(1);
  });
});

describe('a refused Allocate', () => {
  test('437 Allocation Mismatch: a second Allocate on a 5-tuple that has an allocation', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    alice.allocate();
    expect(errorCode(alice.allocate())).toBe(437);
  });

  test('442: REQUESTED-TRANSPORT other than UDP; 400: none at all', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    expect(errorCode(alice.allocate([{ type: 'REQUESTED-TRANSPORT', value: 6 }]))).toBe(442);
    expect(errorCode(alice.allocate([]))).toBe(400);
    expect(world.trace.ofKind('turn.allocation')).toEqual([]);
  });

  test('486 Allocation Quota Reached: one allocation too many for the username, on any 5-tuple; a deleted one frees its place', () => {
    const { world, server } = scene({ allocationQuota: 2 });
    const clients = [0, 1, 2].map(() => new Client(world, 'alice', server.address));
    expect(clients.map((c) => errorCode(c.allocate()) ?? 'ok')).toEqual(['ok', 'ok', 486]);
    // Another user has a quota of their own.
    expect(new Client(world, 'bob', server.address).allocate().class).toBe('success-response');
    clients[0]!.refresh(0);
    expect(clients[2]!.allocate().class).toBe('success-response');
  });

  test('420: DONT-FRAGMENT (this server cannot set DF) and unknown comprehension-required attributes, listed in UNKNOWN-ATTRIBUTES', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const answer = alice.allocate([UDP, { type: 'DONT-FRAGMENT' }, { type: 'unknown', code: 0x7777, value: new Uint8Array(4) }]);
    expect(errorCode(answer)).toBe(420);
    expect(findAttribute(answer, 'UNKNOWN-ATTRIBUTES')?.value).toEqual([0x7777, 0x001a]);
    // Signed: the client can trust it.
    expect(answer.integrityOffset).toBeDefined();
    // An unknown comprehension-optional attribute is fine.
    expect(alice.allocate([UDP, { type: 'unknown', code: 0x8777, value: new Uint8Array(4) }]).class).toBe('success-response');
  });

  test('440: REQUESTED-ADDRESS-FAMILY IPv6 (relayed addresses are IPv4 here); IPv4 is granted', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    expect(errorCode(alice.allocate([UDP, { type: 'REQUESTED-ADDRESS-FAMILY', value: 0x02 }]))).toBe(440);
    expect(alice.allocate([UDP, { type: 'REQUESTED-ADDRESS-FAMILY', value: 0x01 }]).class).toBe('success-response');
  });

  test('400: RESERVATION-TOKEN together with EVEN-PORT', () => {
    const { world, server } = scene();
    const alice = new Client(world, 'alice', server.address);
    const answer = alice.allocate([UDP, { type: 'EVEN-PORT', value: false }, { type: 'RESERVATION-TOKEN', value: new Uint8Array(8) }]);
    expect(errorCode(answer)).toBe(400);
  });

  test('the Allocate that fails to bind a relay port gets 508 (the default bindRelay is not provided)', async () => {
    const { createWorld } = await import('../../../src/sim/index.js');
    const { createActor } = await import('xstate');
    const { turnServerMachine } = await import('../../../src/turn/server/machine.js');
    const world = createWorld({ hosts: [{ id: 'turn', address: SERVER_IP }, { id: 'alice', address: ALICE_IP }] });
    const udp = world.host('turn').bindUdp({ port: 3478 });
    const actor = createActor(turnServerMachine, {
      clock: world.clock,
      input: { config: { realm: 'example.org', users: { alice: 'alice-password' } }, udp, now: () => world.clock.now(), random: world.random.fork('turn'), trace: world.trace },
    });
    actor.start();
    const alice = new Client(world, 'alice', { address: SERVER_IP, port: 3478 });
    const answer = alice.allocate();
    expect(errorCode(answer)).toBe(508);
    expect(world.trace.ofKind('turn.response').at(-1)?.detail).toMatch(/no relay binder/);
    // Nothing was filed: the next try meets the same refusal, not 437.
    expect(errorCode(alice.allocate())).toBe(508);
  });
});

describe('EVEN-PORT and RESERVATION-TOKEN (RFC 8656 §7.2)', () => {
  test('EVEN-PORT gets an even relayed port, every time', () => {
    const { world, server } = scene();
    for (let i = 0; i < 8; i++) {
      const client = new Client(world, i % 2 === 0 ? 'alice' : 'bob', server.address);
      expect(relayedAddress(client.allocate([UDP, { type: 'EVEN-PORT', value: false }])).port % 2).toBe(0);
    }
  });

  test('with the R bit the next port is reserved: the token gets exactly that port, once; an unused token runs out after 30 s', () => {
    const { world, server } = scene();
    const rtp = new Client(world, 'alice', server.address);
    const answer = rtp.allocate([UDP, { type: 'EVEN-PORT', value: true }]);
    const even = relayedAddress(answer).port;
    const token = findAttribute(answer, 'RESERVATION-TOKEN')?.value;
    expect(even % 2).toBe(0);
    expect(token).toHaveLength(8);

    const rtcp = new Client(world, 'alice', server.address);
    expect(relayedAddress(rtcp.allocate([UDP, { type: 'RESERVATION-TOKEN', value: token! }])).port).toBe(even + 1);
    const late = new Client(world, 'alice', server.address);
    expect(errorCode(late.allocate([UDP, { type: 'RESERVATION-TOKEN', value: token! }]))).toBe(508);

    const other = new Client(world, 'bob', server.address);
    const token2 = findAttribute(other.allocate([UDP, { type: 'EVEN-PORT', value: true }]), 'RESERVATION-TOKEN')!.value;
    world.runFor(30_000);
    const expired = world.trace.ofKind('turn.reservation').filter((r) => r.event === 'expire');
    expect(expired).toHaveLength(1);
    expect(expired[0]!.token).toBe(bytesToHex(token2));
    expect(errorCode(new Client(world, 'bob', server.address).allocate([UDP, { type: 'RESERVATION-TOKEN', value: token2 }]))).toBe(508);
  });
});

describe('configuration', () => {
  test('nonsense configuration is a programming error: TurnConfigError, naming the field', () => {
    const base = { realm: 'r', users: { a: 'b' } };
    expect(() => resolveServerConfig({ ...base, realm: '' })).toThrow(TurnConfigError);
    expect(() => resolveServerConfig({ ...base, defaultLifetimeSeconds: 0 })).toThrow(/defaultLifetimeSeconds/);
    expect(() => resolveServerConfig({ ...base, maxLifetimeSeconds: 60 })).toThrow(/maxLifetimeSeconds \(60\) is below/);
    expect(() => resolveServerConfig({ ...base, allocationQuota: -1 })).toThrow(/allocationQuota/);
    expect(() => resolveServerConfig({ ...base, channelNumbers: 'rfc9999' as 'rfc8656' })).toThrow(/channelNumbers/);
    expect(resolveServerConfig({ ...base, allocationQuota: Infinity, nonceLifetimeSeconds: 0.5 })).toMatchObject({ allocationQuota: Infinity, nonceLifetimeSeconds: 0.5, channelNumbers: 'rfc8656' });
  });
});
