/**
 * The agent's bases (RFC 8445 §4): the sockets checks go out from. A host
 * base is a UDP socket on one of the host's addresses; a relayed base is a
 * TURN allocation, used through `relayedTransport` like a socket. Each has a
 * `baseIo` child (base-io.ts) that hands the agent the requests that arrive.
 *
 * Sockets are closed when their generation is over: at an ICE restart, once
 * the new generation has selected a pair (the old pair carries on until
 * then, RFC 8445 §9), and when the agent closes.
 */
import { transportAddressKey } from './address.js';
import type { Base, Step } from './agent-context.js';
import type { LocalCandidate } from './candidate.js';

/** The base a local candidate's checks go out from: the one whose address is the candidate's base (§6.1.2.4). */
export function baseOf(step: Step, candidate: LocalCandidate, generation = step.gen.generation): Base | undefined {
  const key = transportAddressKey('udp', candidate.base.address, candidate.base.port);
  return step.ctx.bases.find((b) => b.generation === generation && transportAddressKey('udp', b.address.address, b.address.port) === key);
}

export function baseById(step: Step, id: string): Base | undefined {
  return step.ctx.bases.find((b) => b.id === id);
}

/**
 * Permissions on our TURN allocations for the peer's addresses (RFC 8656 §9:
 * per IP; the client keeps them refreshed), so that checks from a relayed
 * base reach them, as libwebrtc's TurnPort creates one per remote address.
 * Each IP is asked for once per allocation. `only`: one TURN client.
 */
export function permit(step: Step, addresses: readonly { address: string; port: number }[], only?: string): void {
  const turns = step.ctx.turns.map((turn) => {
    if (!turn.allocated || turn.ended || turn.generation !== step.gen.generation || (only !== undefined && turn.id !== only)) return turn;
    const fresh = addresses.filter((a, i) => !turn.permitted.includes(a.address) && addresses.findIndex((b) => b.address === a.address) === i);
    if (fresh.length === 0) return turn;
    step.send(turn.id, { type: 'permission.create', peers: fresh.map((a) => ({ address: a.address, port: a.port })) });
    return { ...turn, permitted: [...turn.permitted, ...fresh.map((a) => a.address)] };
  });
  step.update({ turns });
}

/** `ioId` of a base's io child. */
export function ioId(base: Pick<Base, 'id'>): string {
  return `io:${base.id}`;
}

/**
 * Closes the bases and TURN clients of generations older than `keep`:
 * releases their allocations (RFC 8656 §8.1; the TURN client ends itself),
 * stops their io children and closes their sockets.
 */
export function retireGenerationsBefore(step: Step, keep: number): void {
  const old = step.ctx.bases.filter((b) => b.generation < keep);
  const oldTurns = step.ctx.turns.filter((t) => t.generation < keep);
  if (old.length === 0 && oldTurns.length === 0) return;
  for (const turn of oldTurns) {
    step.send(turn.id, { type: 'release' });
    if (turn.stream !== undefined) step.closeStream(turn.stream);
  }
  for (const base of old) {
    step.stop(ioId(base));
    // A relayed base is closed by its TURN client's release; a host socket is ours to close.
    if (base.kind === 'host') step.closeSocket(base);
  }
  step.update({ bases: step.ctx.bases.filter((b) => b.generation >= keep), turns: step.ctx.turns.filter((t) => t.generation >= keep) });
}
