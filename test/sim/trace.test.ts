/** The trace: ordered, typed, JSON Lines, subscribers, payloads. */
import { describe, expect, test } from 'vitest';
import { Trace, type TraceRecord } from '../../src/sim/index.js';
import { toHex } from '../../src/sim/trace.js';
import { addr, build, bytes, listen, SERVER_ADDRESSES } from './support.js';

function pingWorld(options?: { payloads?: boolean; retain?: boolean }) {
  const world = build({ hosts: [{ id: 'alice', profile: 'port-restricted' }, { id: 's0', address: SERVER_ADDRESSES[0] }] }, { trace: options ?? {} });
  const seen: TraceRecord[] = [];
  const unsubscribe = world.trace.subscribe((r) => seen.push(r));
  listen(world, 's0', 3478);
  world.host('alice').bindUdp({ port: 4000 }).send(bytes(0xca, 0xfe), addr(SERVER_ADDRESSES[0], 3478));
  world.runFor(1_000);
  return { world, seen, unsubscribe };
}

describe('Trace', () => {
  test('an empty trace is an empty string of JSON Lines', () => {
    const trace = new Trace(() => 0);
    expect(trace.toJSONLines()).toBe('');
    expect(trace.length).toBe(0);
  });

  test('records are stamped with time and sequence, and one packet can be followed through its records', () => {
    const { world } = pingWorld();
    const [send] = world.trace.ofKind('packet.send');
    expect(send).toMatchObject({ kind: 'packet.send', host: 'alice', protocol: 'udp', size: 2, payload: 'cafe', src: '192.168.1.2:4000' });
    expect(world.trace.packet(send!.packet).map((r) => r.kind)).toEqual(['packet.send', 'nat.translate', 'packet.deliver']);
    const deliver = world.trace.ofKind('packet.deliver')[0]!;
    expect(deliver.path.map((h) => h.at)).toEqual(['alice', 'alice-home-nat', 's0']);
    expect(deliver.t).toBe(deliver.sentAt + 21);
  });

  test('subscribers see every record as it is written, until they unsubscribe', () => {
    const { world, seen, unsubscribe } = pingWorld();
    expect(seen).toEqual(world.trace.records);
    unsubscribe();
    world.trace.record('note', { text: 'after' });
    expect(seen).toHaveLength(world.trace.length - 1);
    expect(world.trace.records.at(-1)).toMatchObject({ kind: 'note', text: 'after', t: 1_000 });
  });

  test('payloads can be left out; a non-retaining trace streams to subscribers only', () => {
    expect(pingWorld({ payloads: false }).world.trace.ofKind('packet.send')[0]).not.toHaveProperty('payload');
    const { world, seen } = pingWorld({ retain: false });
    expect(world.trace.records).toHaveLength(0);
    expect(seen.length).toBe(world.trace.length);
    expect(seen.map((r) => r.seq)).toEqual(seen.map((_, i) => i));
  });

  test('toHex respects views into larger buffers', () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5]);
    expect(toHex(buffer.subarray(1, 3))).toBe('0203');
  });
});
