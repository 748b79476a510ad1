/** Hosts and their UDP sockets: binding, sending, receiving, and the errors a real stack gives. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { EPHEMERAL_PORTS, type SimUdpSocket, type World } from '../../src/sim/index.js';
import { TransportError } from '../../src/io/index.js';
import { addr, build, bytes, listen, prop, runs, SERVER_ADDRESSES } from './support.js';

/** A host with two interfaces: one on a LAN, one on the internet. */
function multiHomed(seed = 1): World {
  return build(
    {
      lans: [{ id: 'lan', subnet: '10.1.0.0/24' }],
      hosts: [
        { id: 'm', interfaces: [{ realm: 'lan', address: '10.1.0.5' }, { realm: 'internet', address: '203.0.113.5' }] },
        { id: 'peer', realm: 'lan', address: '10.1.0.6' },
        { id: 's0', address: SERVER_ADDRESSES[0] },
      ],
    },
    { seed },
  );
}

const ANY = '0.0.0.0';
type BindOp = { readonly kind: 'bind'; readonly port: number; readonly address: string } | { readonly kind: 'close'; readonly which: number };

describe('binding', () => {
  prop(
    [
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('bind' as const), port: fc.constantFrom(3478, 3479), address: fc.constantFrom(ANY, '10.1.0.5', '203.0.113.5') }),
          fc.record({ kind: fc.constant('close' as const), which: fc.nat({ max: 10 }) }),
        ),
        { maxLength: 20 },
      ),
    ],
    runs(150),
  )('a UDP bind fails with EADDRINUSE iff an open socket holds the port on the same address, or either is 0.0.0.0', (ops: BindOp[]) => {
    const host = multiHomed().host('m');
    const open: SimUdpSocket[] = [];
    for (const op of ops) {
      if (op.kind === 'close') {
        if (open.length > 0) open.splice(op.which % open.length, 1)[0]!.close();
        continue;
      }
      const conflict = open.some((s) => s.local.port === op.port && (s.local.address === ANY || op.address === ANY || s.local.address === op.address));
      if (conflict) {
        expect(() => host.bindUdp({ port: op.port, address: op.address })).toThrow(expect.objectContaining({ name: 'TransportError', code: 'EADDRINUSE' }));
      } else {
        const s = host.bindUdp({ port: op.port, address: op.address });
        expect(s.local).toEqual(addr(op.address, op.port));
        open.push(s);
      }
    }
  });

  prop([fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })], runs(20))('ephemeral ports are in the dynamic range and never collide', (n, seed) => {
    const host = build({ hosts: [{ id: 'a' }] }, { seed }).host('a');
    const ports = Array.from({ length: n }, () => host.bindUdp({}).local.port);
    expect(new Set(ports).size).toBe(n);
    for (const p of ports) expect(p >= EPHEMERAL_PORTS[0] && p <= EPHEMERAL_PORTS[1]).toBe(true);
  });

  test('misuse: an address the host does not have, a port out of range, a closed socket', () => {
    const host = multiHomed().host('m');
    expect(() => host.bindUdp({ address: '10.1.0.99' })).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    expect(() => host.bindUdp({ port: 70_000 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => host.bindUdp({ port: 1.5 })).toThrow(TransportError);
    const s = host.bindUdp({ port: 5000 });
    expect(() => host.bindUdp({ port: 5000 })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    s.close();
    s.close(); // twice is harmless
    expect(s.closed).toBe(true);
    expect(() => s.send(bytes(1), addr(SERVER_ADDRESSES[0], 1))).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(host.bindUdp({ port: 5000 }).local.port).toBe(5000); // the port is free again
  });

  test('sending to something that is not ip:port, or sending a non-Uint8Array, is EINVAL', () => {
    const s = multiHomed().host('m').bindUdp({});
    expect(() => s.send(bytes(1), addr('300.1.1.1', 80))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => s.send(bytes(1), addr(SERVER_ADDRESSES[0], 0))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => s.send(bytes(1), addr(SERVER_ADDRESSES[0], 65_536))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => s.send([1, 2] as unknown as Uint8Array, addr(SERVER_ADDRESSES[0], 80))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('sending and receiving', () => {
  test('the bytes are copied at send: changing the buffer afterwards changes nothing', () => {
    const world = multiHomed();
    const server = listen(world, 's0', 3478);
    const buffer = bytes(1, 2, 3);
    world.host('m').bindUdp({}).send(buffer, addr(SERVER_ADDRESSES[0], 3478));
    buffer[0] = 99;
    world.run();
    expect([...server.inbox[0]!.data]).toEqual([1, 2, 3]);
  });

  test('nobody listening: dropped as port-unreachable at the host', () => {
    const world = multiHomed();
    world.host('m').bindUdp({}).send(bytes(1), addr(SERVER_ADDRESSES[0], 3478));
    world.run();
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ at: 's0', reason: 'port-unreachable' }]);
  });

  test('a multi-homed host sends from the interface on the destination realm; bound sockets only hear their own address', () => {
    const world = multiHomed();
    const lanOnly = world.host('m').bindUdp({ port: 7000, address: '10.1.0.5' });
    const publicOnly = world.host('m').bindUdp({ port: 7000, address: '203.0.113.5' });
    const heard: string[] = [];
    lanOnly.onMessage((_d, from) => heard.push(`lan<-${from.address}`));
    publicOnly.onMessage((_d, from) => heard.push(`public<-${from.address}`));
    const peer = listen(world, 'peer', 1);
    const server = listen(world, 's0', 1);
    const any = world.host('m').bindUdp({});
    any.send(bytes(1), addr('10.1.0.6', 1));
    any.send(bytes(1), addr(SERVER_ADDRESSES[0], 1));
    world.host('peer').bindUdp({}).send(bytes(1), addr('10.1.0.5', 7000));
    world.host('s0').bindUdp({}).send(bytes(1), addr('203.0.113.5', 7000));
    world.run();
    expect(peer.inbox[0]!.from.address).toBe('10.1.0.5');
    expect(server.inbox[0]!.from.address).toBe('203.0.113.5');
    expect(heard.sort()).toEqual(['lan<-10.1.0.6', `public<-${SERVER_ADDRESSES[0]}`]);
  });

  test('onMessage returns a remover; every handler gets each datagram', () => {
    const world = multiHomed();
    const s = world.host('s0').bindUdp({ port: 1 });
    const a: number[] = [];
    const b: number[] = [];
    const removeA = s.onMessage((d) => a.push(d[0]!));
    s.onMessage((d) => b.push(d[0]!));
    const sender = world.host('m').bindUdp({});
    sender.send(bytes(1), addr(SERVER_ADDRESSES[0], 1));
    world.run();
    removeA();
    sender.send(bytes(2), addr(SERVER_ADDRESSES[0], 1));
    world.run();
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });

  test('a closed socket hears nothing more; unknown hosts and NATs are a RangeError', () => {
    const world = multiHomed();
    const s = listen(world, 's0', 1);
    s.socket.close();
    world.host('m').bindUdp({}).send(bytes(1), addr(SERVER_ADDRESSES[0], 1));
    world.run();
    expect(s.inbox).toHaveLength(0);
    expect(world.trace.ofKind('packet.drop')).toMatchObject([{ reason: 'port-unreachable' }]);
    expect(() => world.host('nobody')).toThrow(RangeError);
    expect(() => world.nat('nobody')).toThrow(RangeError);
  });
});
