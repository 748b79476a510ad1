/**
 * Helpers of the TURN client tests: collecting a client's notifications,
 * waiting for one (in real time, bounded) or running a world until one comes
 * (in virtual time), and summarising the trace.
 *
 * Importing test/sim/support.ts configures fast-check (FC_SEED, FC_PATH,
 * FC_NUM_RUNS); its `prop` has the shape of @fast-check/vitest's `test.prop`.
 */
import type { World } from '../../../src/sim/index.js';
import type { TurnClientNotification } from '../../../src/turn/client/types.js';
import type { TurnClientActor } from '../../../src/turn/client/machine.js';

export { prop, runs } from '../../sim/support.js';

const NOTIFICATIONS: readonly TurnClientNotification['type'][] = [
  'turn.allocated',
  'turn.refreshed',
  'turn.permission',
  'turn.channel',
  'turn.data',
  'turn.refused',
  'turn.ended',
];

export type Notification<T extends TurnClientNotification['type']> = Extract<TurnClientNotification, { type: T }>;

/** Every notification a client emits, in order, from now on. */
export function collect(actor: TurnClientActor): TurnClientNotification[] {
  const told: TurnClientNotification[] = [];
  for (const type of NOTIFICATIONS) actor.on(type, (event) => told.push(event));
  return told;
}

/**
 * The first notification of `type` (matching `where`) in `told` or after it,
 * in real time; rejects after `timeoutMs` with what did come, so a test never hangs.
 */
export function waitFor<T extends TurnClientNotification['type']>(
  actor: TurnClientActor,
  told: readonly TurnClientNotification[],
  type: T,
  where: (event: Notification<T>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Notification<T>> {
  const matches = (event: TurnClientNotification): event is Notification<T> => event.type === type && where(event as Notification<T>);
  const already = told.find(matches);
  if (already !== undefined) return Promise.resolve(already);
  return new Promise((resolve, reject) => {
    const subscriptions = NOTIFICATIONS.map((t) =>
      actor.on(t, (event) => {
        if (!matches(event)) return;
        done();
        resolve(event);
      }),
    );
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${type} within ${timeoutMs} ms; the client told: ${told.map(describe).join(' | ') || 'nothing'}; it is ${JSON.stringify(actor.getSnapshot().value)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      for (const s of subscriptions) s.unsubscribe();
    };
  });
}

/** Steps the world until `done()` or until `withinMs` of virtual time passed; returns whether `done()` held. */
export function runUntil(world: World, done: () => boolean, withinMs = 60_000): boolean {
  const deadline = world.clock.now() + withinMs;
  while (!done()) {
    const next = world.clock.peek();
    if (next === undefined || next > deadline) return false;
    world.clock.step();
  }
  return true;
}

/** A notification in a line, for failure messages. */
export function describe(event: TurnClientNotification): string {
  switch (event.type) {
    case 'turn.data':
      return `${event.type} ${event.via} from ${event.peer.address}:${event.peer.port} (${event.data.length} bytes)`;
    case 'turn.ended':
      return `${event.type} ${JSON.stringify(event.end)}`;
    default:
      return JSON.stringify(event);
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** `n` bytes that differ from one test to the next but not between runs. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
