/**
 * The matrix's `ConnectCell` for our ICE agents: `a` controlling, `b`
 * controlled, both configured with the cell's STUN server and, when there is
 * one, the TURN server over UDP on 3478 and over TCP on 443 (TURN_ROUTES: a
 * relayed candidate of each, as a browser given those two TURN URLs gathers);
 * wired together by `connectAgents` (full trickle, RFC 8838) and run until the
 * call settles.
 */
import { startIceAgent } from '../ice/agent.js';
import type { IceTurnServer } from '../ice/agent-types.js';
import { connectAgents, runCall } from '../ice/connect.js';
import { simIceEnvironment } from '../ice/environment.js';
import type { AgentOutcome, CellSetting } from './cell.js';
import type { IceRole } from '../ice/priority.js';

/** One way, ms: a signaling server a continent away. */
export const MATRIX_SIGNALING_DELAY_MS = 100;
/**
 * How long a cell may take, virtual ms. Beyond the agents' own point of giving
 * up (RFC 8863's 39.5 s PAC timer, a check's 15 s), so a cell ends because the
 * agents settled, never because the runner lost patience.
 */
export const MATRIX_CELL_TIMEOUT_MS = 90_000;

/**
 * The matrix's default `ConnectCell`: starts our two ICE agents in the cell's
 * world (the offerer controlling, the answerer controlled) with the cell's
 * STUN server and TURN routes, connects them by full trickle over a 100 ms
 * signaling path, and runs the call until it settles (at most 90 s of
 * virtual time). Pass another `ConnectCell` to `runMatrix` to put other
 * agents through the same matrix.
 */
export function connectIceAgents(setting: CellSetting): AgentOutcome {
  const { world, servers } = setting;
  const turn = servers.turn;
  const turnServers: IceTurnServer[] = turn
    ? turn.routes.map((route) => ({ address: route.address, transport: route.transport, credentials: { username: turn.username, password: turn.password } }))
    : [];
  const start = (id: string, role: IceRole) =>
    startIceAgent(
      {
        environment: simIceEnvironment(world.host(id), world.mdns),
        role,
        stunServers: [servers.stun],
        turnServers,
        random: world.random.fork(`ice:${id}`),
        trace: world.trace,
        agent: id,
      },
      { clock: world.clock },
    );
  const a = start(setting.offerer, 'controlling');
  const b = start(setting.answerer, 'controlled');
  const link = connectAgents(world, a, b, { signalingDelayMs: MATRIX_SIGNALING_DELAY_MS, trickle: 'full' });
  const call = runCall(world, link, { timeoutMs: MATRIX_CELL_TIMEOUT_MS });
  // The agents are not stopped: the cell's world, its clock and everything on it are dropped
  // together, and stopping each agent's tree of actors was 2-3% of the whole matrix.
  return { connected: call.connected, local: call.local, remote: call.remote, protocol: call.protocol, ms: call.msToConnected };
}
