/**
 * The oracle of the NAT matrix: does a path between `a` and `b` exist in this
 * network? Decided by probing the simulated network itself with plain sockets,
 * written without a line of the ICE code, so that "the agents connect iff a
 * path exists" tests the agents against the network rather than against
 * themselves.
 *
 * ## What "a path exists" means
 * With what the ICE agents are given (one UDP socket per endpoint, a STUN
 * server, maybe a TURN server reachable over UDP or TCP), a connectivity check
 * (RFC 8445 §7.2.4: a request from one endpoint, its answer sent back to the
 * request's source, §7.3.1.2) can succeed along one of:
 *
 * 1. **Direct.** Each endpoint sends from its one UDP socket (its *base*, RFC
 *    8445 §5.1.1.1) to every address it knows of the other: the other's host
 *    address and the address the STUN server saw the other at (its
 *    server-reflexive address, §5.1.1.1); answers every request at the address
 *    it came from, and from then on sends there too (a peer-reflexive address,
 *    §7.3.1.3 and the triggered check of §7.3.1.4). Ten rounds, both sides at
 *    once, so each side's sends open its own NAT (RFC 4787 §5: filtering lets in
 *    what answers a destination the inside has sent to) before the other's next
 *    round arrives. A path exists if one request got its answer back. These are
 *    exactly the pairs ICE forms and tries: host, srflx and prflx on either side
 *    (with one socket per endpoint the oracle's sources are ICE's bases). A
 *    host address hidden behind an mDNS name resolves on the same LAN only,
 *    which is also the only place a private host address leads anywhere; a
 *    public host's address reaches the peer as its server-reflexive candidate,
 *    which libwebrtc signals even when it equals the host address once host
 *    candidates are mDNS names.
 *    Direct means UDP: the agents gather no TCP host candidates (no ICE-TCP,
 *    RFC 6544; TCP reaches only a TURN server), so neither does the oracle.
 * 2. **Relay on both sides.** Both endpoints reach the TURN server by one of
 *    the routes the agents are given (TURN_ROUTES: a UDP answer on 3478, or a
 *    TCP connection on 443 and an answer over it). Each then holds a relayed
 *    address on the server; relay to relay always works, the server sending
 *    to itself, and each side permits the other's relayed address by its IP
 *    (RFC 8656 §9), which is the server's own.
 * 3. **Relay on one side.** One endpoint reaches the TURN server, and the
 *    other's base exchanges UDP with a port on the TURN host (the relayed
 *    address it would send its checks to), *from an IP among its own
 *    candidates'*: the allocation's owner installs permissions only for the IP
 *    addresses of remote candidates it knows (RFC 8656 §9; permissions are per
 *    IP, ports are not checked), so a peer showing up from an unknown IP is
 *    dropped by the server.
 *
 * Why that is what ICE can find, no more and no less: ICE sends only from its
 * bases and through its TURN allocations, to the candidates it was told of and
 * the peer-reflexive ones it learns; it tries every pair (RFC 8445 §6.1.2)
 * until one works. So every pair ICE can validate is one the oracle tries, and
 * every path the oracle finds is one of ICE's pairs. Timing aside: the oracle
 * runs its rounds 50 ms apart, well inside a NAT's 2-minute mapping lifetime
 * (RFC 4787 REQ-5) and a check list's time to give up, as ICE does.
 */
import { createWorld, type Host, type SimUdpSocket, type TopologySpec, type World } from '../sim/index.js';
import { formatAddress, parseTransportAddress, type TransportAddress } from '../io/index.js';
import { ANSWERER, OFFERER, STUN_SERVER, TURN_ROUTES, TURN_SERVER, cellTopology, routeName, type MatrixCell, type Side } from './cell-topology.js';
import { RELAY_PROBE_PORT, decodeProbe, encodeProbe, probeTcp, startTcpReflector, startUdpReflector } from './oracle-probes.js';

export type DirectCandidateKind = 'host' | 'srflx' | 'prflx';

/** What the probes learnt about one endpoint. */
export interface SideProbe {
  /** Its host address: its one socket, on its first interface. */
  readonly host: string;
  /** The address the STUN server saw it at; null when no answer came (UDP blocked). */
  readonly srflx: string | null;
  /** Which of the agents' TURN routes ("udp:3478", "tcp:443") reach the server; empty when none does, or there is no server. */
  readonly turn: readonly string[];
  /** Its base exchanged UDP with a relayed address on the TURN host, from the IP of one of its candidates. */
  readonly relayPeer: boolean;
}

/** The first direct check that got its answer: who sent it, from where, to which of the other's addresses. */
export interface DirectPath {
  readonly from: Side;
  readonly local: string;
  readonly remote: string;
  readonly remoteKind: DirectCandidateKind;
}

/**
 * What the oracle found for one cell, probing the network with plain
 * sockets and no ICE code: whether a path exists, the direct one if any,
 * whether a relayed one does, what it learnt about each side, and why, in
 * one sentence.
 */
export interface OracleVerdict {
  /** A path exists: `direct !== null || relay`. */
  readonly path: boolean;
  readonly direct: DirectPath | null;
  /** A path through the TURN server exists (cases 2 or 3 above). */
  readonly relay: boolean;
  readonly a: SideProbe;
  readonly b: SideProbe;
  /** One sentence: why. */
  readonly explanation: string;
}

export interface OracleOptions {
  /** The oracle world's seed (ports, random NAT choices); default 1. */
  readonly seed?: number;
}

/** Retransmissions of a discovery probe, ms after the first (RFC 8489 §6.2.1's doubling, shortened: links here lose nothing unless told to). */
const PROBE_RETRIES_MS = [500, 1_500, 3_500] as const;
/** Discovery ends once every TCP attempt has connected or given up (15 s in src/sim/stream.ts). */
const DISCOVERY_MS = 16_000;
const CHECK_ROUNDS = 10;
const CHECK_INTERVAL_MS = 50;
/** Time after the last round for its answers to come back across two NAT chains. */
const CHECK_DRAIN_MS = 1_000;

/** Probes the cell's network, in a world of its own, and says whether a path exists. */
export function findPath(cell: MatrixCell, options: OracleOptions = {}): OracleVerdict {
  return findPathIn(cellTopology(cell), options);
}

/**
 * The same for any topology with hosts `a` and `b` and the matrix's servers
 * (`stun` at STUN_SERVER's address; `turn`, when the topology has it, at
 * TURN_SERVER's): two hosts on one LAN, say, which find each other at their
 * host addresses.
 */
export function findPathIn(spec: TopologySpec, options: OracleOptions = {}): OracleVerdict {
  const world = createWorld(spec, { seed: options.seed ?? 1, trace: { payloads: false, retain: false } });
  const turn = spec.hosts.some((h) => h.id === TURN_SERVER.id);
  startUdpReflector(world.host(STUN_SERVER.id), STUN_SERVER.port);
  const relaySources = new Map<Side, string>();
  if (turn) {
    const turnHost = world.host(TURN_SERVER.id);
    for (const route of TURN_ROUTES) (route.transport === 'udp' ? startUdpReflector : startTcpReflector)(turnHost, route.port);
    for (const side of [OFFERER, ANSWERER] as const) startUdpReflector(turnHost, relayProbePort(side), (from) => relaySources.set(side, from.address));
  }

  const a = new Endpoint(world, OFFERER);
  const b = new Endpoint(world, ANSWERER);
  for (const endpoint of [a, b]) endpoint.discover(turn);
  world.run({ until: DISCOVERY_MS });

  a.learn(b);
  b.learn(a);
  for (let round = 0; round < CHECK_ROUNDS; round++) {
    world.clock.setTimeout(() => {
      a.sendChecks();
      b.sendChecks();
    }, round * CHECK_INTERVAL_MS);
  }
  world.run({ until: world.clock.now() + CHECK_ROUNDS * CHECK_INTERVAL_MS + CHECK_DRAIN_MS });

  const report = (e: Endpoint): SideProbe => {
    const seenFrom = relaySources.get(e.side);
    const candidateIps = [e.hostAddress.address, ...(e.srflx ? [e.srflx.address] : [])];
    return { host: formatAddress(e.hostAddress), srflx: e.srflx ? formatAddress(e.srflx) : null, turn: [...e.turnRoutes], relayPeer: seenFrom !== undefined && e.relayAnswered && candidateIps.includes(seenFrom) };
  };
  const ra = report(a);
  const rb = report(b);
  const direct = a.success ?? b.success ?? null;
  const reachA = ra.turn.length > 0;
  const reachB = rb.turn.length > 0;
  const relay = (reachA && reachB) || (reachA && rb.relayPeer) || (reachB && ra.relayPeer);
  return { path: direct !== null || relay, direct, relay, a: ra, b: rb, explanation: explain(turn, direct, relay, ra, rb) };
}

/** Each endpoint probes a relayed address of its own, so the stand-in knows whose datagrams it saw. */
function relayProbePort(side: Side): number {
  return RELAY_PROBE_PORT + (side === OFFERER ? 0 : 1);
}

/** One endpoint: its socket, what it learnt, and the checks it sends and answers. */
class Endpoint {
  readonly host: Host;
  readonly socket: SimUdpSocket;
  readonly hostAddress: TransportAddress;
  srflx: TransportAddress | undefined;
  readonly turnRoutes = new Set<string>();
  relayAnswered = false;
  success: DirectPath | undefined;
  /** The other endpoint's addresses this one sends checks to, by "ip:port", with how it learnt each. */
  private readonly remotes = new Map<string, { address: TransportAddress; kind: DirectCandidateKind }>();

  constructor(
    private readonly world: World,
    readonly side: Side,
  ) {
    this.host = world.host(side);
    this.socket = this.host.bindUdp();
    this.hostAddress = { address: this.host.addresses[0]!, port: this.socket.local.port };
    this.socket.onMessage((data, from) => this.receive(data, from));
  }

  /** Asks the STUN server (and the TURN server, by each of the agents' routes) where it sees us, and tries a relayed address. */
  discover(turn: boolean): void {
    this.ask({ address: STUN_SERVER.address, port: STUN_SERVER.port }, () => this.srflx !== undefined);
    if (!turn) return;
    for (const route of TURN_ROUTES) {
      const to = { address: TURN_SERVER.address, port: route.port };
      if (route.transport === 'udp') this.ask(to, () => this.turnRoutes.has(routeName(route)));
      else probeTcp(this.host, to, (reached) => reached && this.turnRoutes.add(routeName(route)));
    }
    this.ask({ address: TURN_SERVER.address, port: relayProbePort(this.side) }, () => this.relayAnswered);
  }

  /** The other endpoint's candidates, as signaling would carry them: host, and srflx when it has one. */
  learn(other: Endpoint): void {
    this.remotes.set(formatAddress(other.hostAddress), { address: other.hostAddress, kind: 'host' });
    // A public host's srflx address is its host address: one candidate (RFC 8445 §5.1.3), known as host.
    const srflx = other.srflx && formatAddress(other.srflx);
    if (other.srflx && srflx !== undefined && !this.remotes.has(srflx)) this.remotes.set(srflx, { address: other.srflx, kind: 'srflx' });
  }

  sendChecks(): void {
    for (const { address } of this.remotes.values()) this.socket.send(encodeProbe({ kind: 'req', by: this.side }), address);
  }

  private ask(to: TransportAddress, answered: () => boolean): void {
    const send = () => {
      if (!answered()) this.socket.send(encodeProbe({ kind: 'who' }), to);
    };
    send();
    for (const delay of PROBE_RETRIES_MS) this.world.clock.setTimeout(send, delay);
  }

  private receive(data: Uint8Array, from: TransportAddress): void {
    const message = decodeProbe(data);
    if (message === undefined) return;
    const source = formatAddress(from);
    switch (message.kind) {
      case 'you':
        if (from.address === STUN_SERVER.address && from.port === STUN_SERVER.port) this.srflx ??= parseTransportAddress(message.seen);
        else if (from.address === TURN_SERVER.address && TURN_ROUTES.some((r) => r.transport === 'udp' && r.port === from.port)) this.turnRoutes.add(`udp:${from.port}`);
        else if (from.address === TURN_SERVER.address && from.port === relayProbePort(this.side)) this.relayAnswered = true;
        return;
      case 'req':
        if (message.by === this.side) return; // our own check, sent to an address that turned out to be ours
        // RFC 8445 §7.3.1.3: an unknown source is a peer-reflexive candidate; §7.3.1.4: check it too.
        if (!this.remotes.has(source)) this.remotes.set(source, { address: from, kind: 'prflx' });
        this.socket.send(encodeProbe({ kind: 'res', by: this.side }), from);
        return;
      case 'res':
        if (message.by === this.side || this.success) return;
        this.success = { from: this.side, local: formatAddress(this.hostAddress), remote: source, remoteKind: this.remotes.get(source)?.kind ?? 'prflx' };
        return;
      case 'who':
        return;
    }
  }
}

function explain(turn: boolean, direct: DirectPath | null, relay: boolean, a: SideProbe, b: SideProbe): string {
  const reach = (name: string, s: SideProbe) => (s.turn.length > 0 ? `${name} reaches TURN over ${s.turn.join(', ')}` : `${name} cannot reach TURN`);
  if (direct) {
    const other = direct.from === OFFERER ? ANSWERER : OFFERER;
    return `direct: ${direct.from}'s check from ${direct.local} reached ${other}'s ${direct.remoteKind} address ${direct.remote} and its answer came back`;
  }
  const noDirect = `no direct path (a seen at ${a.srflx ?? 'nothing: no STUN answer'}, b at ${b.srflx ?? 'nothing: no STUN answer'}, no check answered in ${CHECK_ROUNDS} rounds)`;
  if (!turn) return `${noDirect}, and no TURN server`;
  return `${noDirect}; ${reach('a', a)}, ${reach('b', b)}${relay ? ': a relayed path' : ''}${!relay && (a.turn.length > 0 || b.turn.length > 0) ? ', and the other cannot send UDP to a relayed address' : ''}`;
}
