/**
 * Benchmarks of the simulated world:
 * - datagrams per wall-second through a path of two NATs (a double-cone host
 *   sending to a public server, every datagram traced);
 * - virtual seconds per wall-second for an idle-but-timered world (hosts behind
 *   NATs that send a keep-alive every 15 s, mappings refreshed and expiring).
 */
import { createWorld, type TraceOptions } from '../src/sim/index.js';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly detail: string;
}

export function benchDatagramsThroughTwoNats(datagrams = 200_000, trace: TraceOptions = {}): BenchResult {
  const world = createWorld({ hosts: [{ id: 'client', profile: 'double-cone' }, { id: 'server', address: '198.51.100.1' }] }, { seed: 1, trace });
  const server = world.host('server').bindUdp({ port: 3478 });
  let received = 0;
  server.onMessage(() => received++);
  const client = world.host('client').bindUdp({ port: 5000 });
  const payload = new Uint8Array(100);
  const to = { address: '198.51.100.1', port: 3478 };
  // Paced sends (one per 10 µs of virtual time), as a real sender would, so the queue stays small.
  let sent = 0;
  const sendNext = () => {
    client.send(payload, to);
    if (++sent < datagrams) world.clock.setTimeout(sendNext, 0.01);
  };
  world.clock.setTimeout(sendNext, 0);
  const start = performance.now();
  world.run();
  const seconds = (performance.now() - start) / 1000;
  if (received !== datagrams) throw new Error(`benchmark broken: ${received} of ${datagrams} datagrams arrived`);
  return {
    name: `datagrams through two NATs, ${trace.retain === false ? 'trace streamed, not kept' : 'whole trace kept in memory'}`,
    value: datagrams / seconds,
    unit: 'datagrams/s',
    detail: `${datagrams} datagrams of 100 bytes, 2 NAT translations each, ${world.trace.length} trace records, ${seconds.toFixed(2)} s wall`,
  };
}

export function benchIdleTimeredWorld(hosts = 100, virtualHours = 24): BenchResult {
  const world = createWorld({ hosts: [...Array.from({ length: hosts }, (_, i) => ({ id: `h${i}`, profile: 'port-restricted' as const })), { id: 'server', address: '198.51.100.1' }] }, { seed: 1 });
  world.host('server').bindUdp({ port: 3478 });
  // Each host keeps its NAT mapping open with a keep-alive every 15 s (what ICE consent and TURN refreshes do).
  // Every tenth host stops after an hour, so its mappings expire on the clock.
  for (let i = 0; i < hosts; i++) {
    const socket = world.host(`h${i}`).bindUdp({});
    const stopAt = i % 10 === 0 ? 3_600_000 : Number.POSITIVE_INFINITY;
    const keepAlive = () => {
      socket.send(new Uint8Array(20), { address: '198.51.100.1', port: 3478 });
      if (world.clock.now() < stopAt) world.clock.setTimeout(keepAlive, 15_000);
    };
    world.clock.setTimeout(keepAlive, i * 150);
  }
  const virtualMs = virtualHours * 3_600_000;
  const start = performance.now();
  const result = world.run({ until: virtualMs });
  const seconds = (performance.now() - start) / 1000;
  return {
    name: 'virtual time in an idle, timered world',
    value: virtualMs / 1000 / seconds,
    unit: 'virtual s per wall s',
    detail: `${hosts} hosts behind NATs, keep-alive every 15 s, ${virtualHours} h simulated, ${result.events} events, ${world.trace.length} trace records, ${seconds.toFixed(2)} s wall`,
  };
}
