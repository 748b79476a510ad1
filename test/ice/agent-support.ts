/**
 * Worlds for the agent tests: two endpoints (alice, the offerer and
 * controlling agent; bob, the answerer), a STUN server and maybe a TURN
 * server on the internet, and the agents wired together by connectAgents.
 */
import { createWorld, type NetworkProfileName, type TopologySpec, type World } from '../../src/sim/index.js';
import { startBindingServer } from '../../src/stun/binding-server.js';
import { startSimTurnServer, type SimTurnServer } from '../../src/turn/server/sim.js';
import { startIceAgent, type IceAgentActor } from '../../src/ice/agent.js';
import type { IceAgentInput, IceTurnServer } from '../../src/ice/agent-types.js';
import { connectAgents, runCall, type AgentLink, type CallResult, type ConnectOptions } from '../../src/ice/connect.js';
import { simIceEnvironment } from '../../src/ice/environment.js';
import type { IceRole } from '../../src/ice/priority.js';

export const STUN = { address: '198.51.100.1', port: 3478 } as const;
export const TURN = { address: '198.51.100.2', port: 3478 } as const;
export const TURN_USER = { username: 'ice', password: 'ice-secret' } as const;

/** Where an endpoint sits: a network profile, or the shared hotel LAN (both on one LAN behind a NAT that does not hairpin). */
export type Place = NetworkProfileName | 'hotel';

export interface SceneSpec {
  readonly a: Place;
  readonly b: Place;
  /** A TURN server, and over which transports the agents use it. */
  readonly turn?: false | 'udp' | 'tcp' | 'both';
  readonly seed?: number;
  readonly roles?: readonly [IceRole, IceRole];
  readonly agent?: Partial<IceAgentInput>;
  readonly agentA?: Partial<IceAgentInput>;
  readonly agentB?: Partial<IceAgentInput>;
}

export interface Scene {
  readonly world: World;
  readonly a: IceAgentActor;
  readonly b: IceAgentActor;
  readonly turn: SimTurnServer | undefined;
}

export function topology(spec: Pick<SceneSpec, 'a' | 'b' | 'turn'>): TopologySpec {
  const hotel = spec.a === 'hotel' || spec.b === 'hotel';
  const place = (id: string, p: Place) => (p === 'hotel' ? { id, realm: 'hotel' } : { id, profile: p });
  return {
    ...(hotel ? { lans: [{ id: 'hotel', subnet: '10.1.0.0/24', gateway: { id: 'hotel-nat', nat: { preset: 'port-restricted' as const, hairpinning: false }, outside: { realm: 'internet' } } }] } : {}),
    hosts: [{ id: 'stun', address: STUN.address }, ...(spec.turn ? [{ id: 'turn', address: TURN.address }] : []), place('alice', spec.a), place('bob', spec.b)],
  };
}

/** 'both': UDP and TCP on 3478, and TCP on 443 too, as deployments do for networks that let only the web out. */
export function turnServers(turn: SceneSpec['turn']): IceTurnServer[] {
  if (!turn) return [];
  const transports: ('udp' | 'tcp')[] = turn === 'both' ? ['udp', 'tcp'] : [turn];
  const servers = transports.map((transport) => ({ address: TURN, transport, credentials: TURN_USER }));
  return turn === 'both' ? [...servers, { address: { address: TURN.address, port: 443 }, transport: 'tcp', credentials: TURN_USER }] : servers;
}

export function scene(spec: SceneSpec): Scene {
  const world = createWorld(topology(spec), { seed: spec.seed ?? 1 });
  startBindingServer({ socket: world.host('stun').bindUdp({ port: STUN.port }), trace: world.trace, agent: 'stun' });
  const config = { realm: 'ice.test', users: { [TURN_USER.username]: TURN_USER.password } };
  const turn = spec.turn ? startSimTurnServer(world, 'turn', { config }) : undefined;
  if (spec.turn === 'both') startSimTurnServer(world, 'turn', { config, port: 443 });
  const [roleA, roleB] = spec.roles ?? ['controlling', 'controlled'];
  const agent = (id: string, role: IceRole, own: Partial<IceAgentInput> | undefined) =>
    startIceAgent(
      {
        environment: simIceEnvironment(world.host(id), world.mdns),
        role,
        stunServers: [STUN],
        turnServers: turnServers(spec.turn),
        random: world.random.fork(`ice:${id}`),
        trace: world.trace,
        agent: id,
        ...spec.agent,
        ...own,
      },
      { clock: world.clock },
    );
  return { world, a: agent('alice', roleA, spec.agentA), b: agent('bob', roleB, spec.agentB), turn };
}

/** A scene, its agents connected, run until the call settles. */
export function call(spec: SceneSpec, connect: ConnectOptions = {}, timeoutMs = 90_000): Scene & { link: AgentLink; result: CallResult } {
  const s = scene(spec);
  const link = connectAgents(s.world, s.a, s.b, connect);
  const result = runCall(s.world, link, { timeoutMs });
  return { ...s, link, result };
}

/** Runs the world until `done()` or `maxMs` of virtual time. */
export function runUntil(world: World, done: () => boolean, maxMs = 60_000): boolean {
  const deadline = world.clock.now() + maxMs;
  while (!done()) {
    const next = world.clock.peek();
    if (next === undefined || next > deadline) return done();
    world.clock.step();
  }
  return true;
}

export const stateOf = (agent: IceAgentActor) => agent.getSnapshot().context.connectionState;

/** The ice.state records of one agent: [t, state]. */
export function stateLog(world: World, agent: string): [number, string][] {
  return world.trace.ofKind('ice.state').filter((r) => r.agent === agent).map((r) => [r.t, r.state]);
}
