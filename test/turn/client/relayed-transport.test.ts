/**
 * The allocation as a socket, as other actors use it: a STUN transaction
 * sends from its own entry action, the ICE agent closes from one. The
 * client acts on what is sent after the sender's task (src/turn/client/
 * relayed-transport.ts), so no client step runs inside another actor's
 * action (XState warned "Custom actions should not call `sendTo()`
 * directly" for each one), in order, at the same virtual instant.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createWorld } from '../../../src/sim/index.js';
import { startBindingServer } from '../../../src/stun/binding-server.js';
import { bindingRequest, startStunTransaction } from '../../../src/stun/client.js';
import { datagramFlow } from '../../../src/stun/flow.js';
import { relayedTransport } from '../../../src/turn/client/relayed-transport.js';
import { startSimTurnClient } from '../../../src/turn/client/sim.js';
import { startSimTurnServer } from '../../../src/turn/server/sim.js';
import { runUntil } from './support.js';

const BOB = { address: '203.0.113.50', port: 3478 };

function allocated() {
  const world = createWorld({ hosts: [{ id: 'turn', address: '198.51.100.1' }, { id: 'bob', address: BOB.address }, { id: 'alice', profile: 'port-restricted' }] });
  const server = startSimTurnServer(world, 'turn', { config: { realm: 'example.org', users: { alice: 'secret' } } });
  const bob = world.host('bob').bindUdp({ port: BOB.port });
  startBindingServer({ socket: bob, trace: world.trace, agent: 'bob' }, { clock: world.clock });
  const alice = startSimTurnClient(world, 'alice', { server: server.address, credentials: { username: 'alice', password: 'secret' } });
  expect(runUntil(world, () => alice.actor.getSnapshot().context.allocation !== undefined, 5_000)).toBe(true);
  alice.actor.send({ type: 'permission.create', peers: [BOB] });
  world.runFor(1_000);
  return { world, alice: alice.actor, relayed: relayedTransport(alice.actor) };
}

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn');
});
afterEach(() => {
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

describe('relayedTransport, used by other actors', () => {
  it('carries a STUN transaction (which sends from its entry action, and again from its timers) with no warning', () => {
    const { world, relayed } = allocated();
    const check = startStunTransaction({ flow: datagramFlow(relayed, BOB), request: bindingRequest(), random: world.random.fork('check'), trace: world.trace, agent: 'alice' }, { clock: world.clock });
    expect(runUntil(world, () => check.getSnapshot().status === 'done', 10_000)).toBe(true);
    expect(check.getSnapshot().output).toMatchObject({ kind: 'success', from: BOB });
  });

  it('hands the client what was sent after the sending task, in order, at the same virtual instant; close comes after the sends', () => {
    const { world, alice, relayed } = allocated();
    const sentAt = world.clock.now();
    const before = world.trace.ofKind('turn.client.data').length;
    for (const n of [1, 2, 3]) relayed.send(new Uint8Array(n), BOB);
    relayed.close();
    expect(relayed.closed).toBe(true);
    // Nothing yet: the client takes its outbox on its own clock.
    expect(world.trace.ofKind('turn.client.data')).toHaveLength(before);
    world.clock.step();
    const data = world.trace.ofKind('turn.client.data').slice(before);
    expect(data.map((r) => [r.t, r.direction, r.size])).toEqual([
      [sentAt, 'to-peer', 1],
      [sentAt, 'to-peer', 2],
      [sentAt, 'to-peer', 3],
    ]);
    expect(alice.getSnapshot().matches('releasing')).toBe(true);
    world.runFor(1_000);
    expect(alice.getSnapshot().output).toEqual({ kind: 'released', confirmed: true });
  });

  it('drops what was posted once the client has ended before taking it, as a closed socket drops what it had not sent', () => {
    const { world, alice, relayed } = allocated();
    relayed.send(new Uint8Array([1]), BOB);
    alice.stop();
    expect(relayed.closed).toBe(true);
    expect(() => world.runFor(1_000)).not.toThrow();
  });
});
