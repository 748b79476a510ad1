/**
 * Shared helpers of the layer-1 tests.
 *
 * Importing this module configures fast-check for the whole test file:
 * - `FC_SEED=<n>` replays a failure (fast-check prints `seed` and `path` in
 *   every failing property's message); add `FC_PATH=<path>` and `-t <name>` to
 *   go straight to the shrunk counterexample of that one property;
 * - `FC_NUM_RUNS=<n>` sets every property's number of runs (more when hunting for bugs).
 *
 * Properties are declared with `prop([arbitraries], params)(name, predicate)`,
 * the shape of @fast-check/vitest's `test.prop`, over plain `fc.assert`:
 * importing @fast-check/vitest costs about 1.3 s per test file (it loads
 * vitest's full entry), which for this suite was most of its run time.
 */
import fc from 'fast-check';
import { test } from 'vitest';
import { createWorld, type SimUdpSocket, type TopologySpec, type World, type WorldOptions } from '../../src/sim/index.js';
import { type TransportAddress } from '../../src/io/index.js';

const seed = process.env.FC_SEED;
const path = process.env.FC_PATH;
const numRuns = process.env.FC_NUM_RUNS;
fc.configureGlobal({
  ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
  ...(path !== undefined && path !== '' ? { path } : {}),
  ...(numRuns !== undefined && numRuns !== '' ? { numRuns: Number(numRuns) } : {}),
});

/** A fast-check `numRuns`, unless FC_NUM_RUNS overrides every property's. */
export function runs(n: number): { numRuns: number } {
  return { numRuns: numRuns !== undefined && numRuns !== '' ? Number(numRuns) : n };
}

/**
 * A vitest test that checks a property; a failure's message starts with
 * fast-check's report: `{ seed: …, path: … }` and the shrunk counterexample.
 */
export function prop<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  params?: fc.Parameters<Ts>,
): (name: string, predicate: (...args: Ts) => boolean | void) => void {
  return (name, predicate) =>
    test(name, () => {
      const property = (fc.property as unknown as (...args: unknown[]) => fc.IProperty<Ts>)(...arbitraries, predicate);
      fc.assert(property, params);
    });
}

export const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

export interface Received {
  readonly t: number;
  readonly data: Uint8Array;
  readonly from: TransportAddress;
}

/** Binds a UDP socket that remembers everything it receives. */
export function listen(world: World, host: string, port?: number): { socket: SimUdpSocket; inbox: Received[] } {
  const socket = world.host(host).bindUdp(port === undefined ? {} : { port });
  const inbox: Received[] = [];
  socket.onMessage((data, from) => inbox.push({ t: world.clock.now(), data, from }));
  return { socket, inbox };
}

/** Binds a UDP socket that sends every datagram back where it came from. */
export function echo(world: World, host: string, port: number): { socket: SimUdpSocket; inbox: Received[] } {
  const l = listen(world, host, port);
  l.socket.onMessage((data, from) => l.socket.send(data, from));
  return l;
}

export function build(spec: TopologySpec, options?: WorldOptions): World {
  return createWorld(spec, options);
}

export const addr = (address: string, port: number): TransportAddress => ({ address, port });
export const fmt = (a: TransportAddress): string => `${a.address}:${a.port}`;

export function lastPacketId(world: World): number {
  const sends = world.trace.ofKind('packet.send');
  return sends[sends.length - 1]!.packet;
}

/** How the packet `id` ended: 'delivered', or the drop reason, or 'in-flight'. */
export function fate(world: World, id: number): string {
  for (const r of world.trace.packet(id)) {
    if (r.kind === 'packet.deliver') return 'delivered';
    if (r.kind === 'packet.drop') return r.reason;
  }
  return 'in-flight';
}

/** The public addresses the tests give their servers. */
export const SERVER_ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3'] as const;
