/**
 * A listener attached as soon as `startIceAgent` returns hears everything
 * the agent tells: its credentials first, then every candidate it signals
 * (each host candidate among them). The agent begins on its clock after the
 * task that started it (src/ice/agent.ts): in the simulator at the same
 * virtual instant, on real sockets on the next turn of the event loop.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startIceAgent, type IceAgentActor } from '../../src/ice/agent.js';
import type { IceAgentEmitted } from '../../src/ice/agent-types.js';
import { nodeIceEnvironment } from '../../src/ice/environment-node.js';
import { NETWORK_PROFILE_NAMES } from '../../src/sim/index.js';
import { prop, runs } from '../sim/support.js';
import { scene } from './agent-support.js';

/** Every event the agent emits that signalling carries, in order. */
function listen(agent: IceAgentActor): IceAgentEmitted[] {
  const heard: IceAgentEmitted[] = [];
  for (const type of ['local.credentials', 'local.candidate', 'local.end-of-candidates', 'gathering-state'] as const) agent.on(type, (event) => heard.push(event));
  return heard;
}

/** What the agent heard matches what its snapshot says it signalled this generation. */
function expectHeardEverything(agent: IceAgentActor, heard: readonly IceAgentEmitted[]): void {
  const context = agent.getSnapshot().context;
  const { ufrag, pwd } = context.gen.local;
  expect(heard[0]).toEqual({ type: 'local.credentials', ufrag, pwd });
  const candidates = heard.flatMap((e) => (e.type === 'local.candidate' ? [e.candidate] : []));
  expect(candidates).toEqual(context.gen.signalled);
  const hostBases = context.bases.filter((b) => b.kind === 'host' && b.candidate !== undefined);
  expect(hostBases.length).toBeGreaterThan(0);
  expect(candidates.filter((c) => c.type === 'host')).toHaveLength(hostBases.length);
}

describe('a listener attached right after startIceAgent', () => {
  it('in the simulator, hears the credentials and every candidate, and nothing is told before the world runs', () => {
    const s = scene({ a: 'port-restricted', b: 'open' });
    const heardA = listen(s.a);
    const heardB = listen(s.b);
    expect(heardA).toEqual([]);
    s.world.runFor(10_000);
    for (const [agent, heard] of [[s.a, heardA], [s.b, heardB]] as const) {
      expectHeardEverything(agent, heard);
      expect(heard.some((e) => e.type === 'local.candidate' && e.candidate.type === 'srflx')).toBe(true);
      expect(heard.slice(-2).map((e) => e.type).sort()).toEqual(['gathering-state', 'local.end-of-candidates']);
    }
    // It began at the instant it was started: no virtual time passed first.
    const first = s.world.trace.ofKind('ice.gathering').find((r) => r.agent === 'alice');
    expect(first?.t).toBe(0);
  });

  prop([fc.constantFrom(...NETWORK_PROFILE_NAMES), fc.integer({ min: 1, max: 1_000 })], runs(20))('on any network and seed, misses none of the candidates', (profile, seed) => {
    const s = scene({ a: profile, b: 'open', seed });
    const heard = listen(s.a);
    s.world.runFor(60_000);
    const context = s.a.getSnapshot().context;
    expect(heard[0]).toEqual({ type: 'local.credentials', ufrag: context.gen.local.ufrag, pwd: context.gen.local.pwd });
    expect(heard.flatMap((e) => (e.type === 'local.candidate' ? [e.candidate] : []))).toEqual(context.gen.signalled);
  });

  it('on real sockets (127.0.0.1), hears the credentials and the host candidate', async () => {
    const agent = startIceAgent({ environment: nodeIceEnvironment({ interfaces: ['127.0.0.1'] }), role: 'controlling', agent: 'alice', stunServers: [] });
    const heard = listen(agent);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gathering did not complete within 5 s; heard ${JSON.stringify(heard.map((e) => e.type))}`)), 5_000);
        const done = () => (clearTimeout(timer), resolve());
        agent.on('local.end-of-candidates', done);
        if (agent.getSnapshot().context.gen.gathering === 'complete') done();
      });
      expectHeardEverything(agent, heard);
      expect(heard.find((e) => e.type === 'local.candidate')).toMatchObject({ candidate: { type: 'host', address: '127.0.0.1', transport: 'udp' } });
    } finally {
      // No TURN allocation to release: closing closes the sockets at once.
      agent.send({ type: 'close' });
      expect(agent.getSnapshot().status).toBe('done');
    }
  });
});
