/**
 * The same agent machine on real sockets and real time (ARCHITECTURE.md,
 * principle 6): two agents on 127.0.0.1 connect host/host; with coturn as
 * their TURN server and the relay policy, they connect relay/relay through
 * it. Bounded: each call has a deadline; coturn that will not start fails
 * the test with what it printed (never skipped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/io/clock.js';
import { awaitCall, connectAgents } from '../../src/ice/connect.js';
import { nodeIceEnvironment } from '../../src/ice/environment-node.js';
import { type IceAgentInput } from '../../src/ice/agent-types.js';
import { startIceAgent, type IceAgentActor } from '../../src/ice/agent.js';
import { startCoturn, type Coturn } from '../support/coturn.js';

function agents(input: Partial<IceAgentInput>): [IceAgentActor, IceAgentActor] {
  const start = (agent: string, role: 'controlling' | 'controlled') => startIceAgent({ environment: nodeIceEnvironment({ interfaces: ['127.0.0.1'] }), role, agent, ...input });
  return [start('alice', 'controlling'), start('bob', 'controlled')];
}

/** Closes both agents and waits (at most 4 s) for them to release their allocations and close their sockets. */
async function close(...all: IceAgentActor[]): Promise<void> {
  await Promise.all(
    all.map(
      (agent) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 4_000);
          agent.subscribe({ complete: () => (clearTimeout(timer), resolve()) });
          agent.send({ type: 'close' });
          if (agent.getSnapshot().status !== 'active') (clearTimeout(timer), resolve());
        }),
    ),
  );
  for (const agent of all) agent.stop();
}

describe('the ICE agent on real sockets', () => {
  it('two agents on 127.0.0.1 connect host/host, with the real clock', async () => {
    const [a, b] = agents({});
    const link = connectAgents({ clock: realClock }, a, b, { signalingDelayMs: 5 });
    const result = await awaitCall(link, { timeoutMs: 10_000 });
    link.stop();
    const sockets = a.getSnapshot().context.bases.map((base) => base.transport);
    try {
      expect(result).toMatchObject({ connected: true, local: 'host', remote: 'host', protocol: 'udp' });
      expect(result.selected.a?.local.address).toBe('127.0.0.1');
      expect(result.selected.a?.remote.port).toBe(result.selected.b?.local.port);
    } finally {
      await close(a, b);
    }
    expect(sockets.every((s) => s.closed)).toBe(true);
  });

  describe('with coturn', () => {
    let coturn: Coturn;
    beforeAll(async () => {
      coturn = await startCoturn();
    }, 60_000);
    afterAll(async () => {
      await coturn?.stop();
    });

    it("relay policy: relay/relay through coturn's allocations, over UDP and TCP to the server", async () => {
      const server = { address: coturn.host, port: coturn.port };
      const credentials = { username: coturn.username, password: coturn.password };
      const [a, b] = agents({
        iceTransportPolicy: 'relay',
        turnServers: [
          { address: server, transport: 'udp', credentials },
          { address: server, transport: 'tcp', credentials },
        ],
      });
      const link = connectAgents({ clock: realClock }, a, b, { signalingDelayMs: 5 });
      const result = await awaitCall(link, { timeoutMs: 20_000 });
      link.stop();
      try {
        expect(result, coturn.log()).toMatchObject({ connected: true, local: 'relay', remote: 'relay' });
        // Both sides gathered a relayed candidate per transport to the server, and signalled nothing else.
        for (const agent of [a, b]) {
          const signalled = agent.getSnapshot().context.gen.signalled;
          expect(signalled.map((c) => c.type)).toEqual(['relay', 'relay']);
        }
        expect(result.relayProtocol).toBe('udp');
      } finally {
        await close(a, b);
      }
    }, 30_000);
  });
});
