/**
 * A minimal TCP: connect / accept, ordered reliable data, FIN and RST.
 *
 * It is TCP as the layers above see it (what TURN over TCP and ICE-TCP need),
 * not TCP's internals: segments are counted, not bytes; losses cost time, not
 * data (network.ts retransmits after an RTO); a SYN is retransmitted after 1, 2
 * and 4 s (RFC 6298 §2.1's initial RTO of 1 s, doubled) and a connection that
 * was not answered in 15 s fails. NATs and firewalls see every segment, so they
 * keep per-connection state like real ones (RFC 5382).
 */
import { formatAddress, type TransportAddress } from '../io/address.js';
import type { VirtualClock } from './clock.js';
import { TransportError } from '../io/errors.js';
import type { DropReason } from './trace.js';
import type { SegmentFlag } from './network.js';
import type { StreamState, StreamTransport } from '../io/transport.js';

/** When an unanswered SYN is sent again, ms after the previous one: RFC 6298 §2.1's initial RTO of 1 s, doubled each time (§5.5). */
export const SYN_RETRANSMIT_DELAYS_MS = [1_000, 2_000, 4_000] as const;
/** How long a simulated connection waits for its SYN to be answered before it closes with "timeout", ms (as `DEFAULT_CONNECT_TIMEOUT_MS` over real sockets). */
export const CONNECT_TIMEOUT_MS = 15_000;
/** How long a connection keeps retrying data that the network drops for good, before it gives up. */
export const DATA_GIVE_UP_MS = 15_000;
/** First retransmission of a data segment the network dropped for good (RFC 6298 §2.1's 1 s), doubled each time (§5.5). */
const DATA_RETRANSMIT_FIRST_MS = 1_000;

export interface StreamOwner {
  readonly id: string;
  readonly clock: VirtualClock;
  sendSegment(connection: SimTcpConnection, flag: SegmentFlag, seq: number, payload: Uint8Array, onDrop?: (reason: DropReason, detail: string) => void): void;
  stateChanged(connection: SimTcpConnection, reason?: string): void;
  release(connection: SimTcpConnection): void;
}

/**
 * A simulated TCP connection, the `StreamTransport` of the simulated world
 * (the twin of the real `NodeTcpTransport`): ordered and reliable, set up
 * and torn down with SYN, FIN and RST segments that NATs and firewalls see
 * (RFC 5382). Made by `host.connectTcp` or handed to a `host.listenTcp`
 * callback; TURN over TCP and the signaling channel run over it.
 *
 * @throws {TransportError} from `write`: `ENOTCONN` after the connection closed or after `end()`, `EINVAL` for bytes that are not a Uint8Array.
 */
export class SimTcpConnection implements StreamTransport {
  private current: StreamState;
  private sendSeq = 0;
  private expectedSeq = 0;
  private readonly outOfOrder = new Map<number, { flag: SegmentFlag; payload: Uint8Array }>();
  private readonly queued: Uint8Array[] = [];
  private endQueued = false;
  private readonly openHandlers = new Set<() => void>();
  private readonly dataHandlers = new Set<(data: Uint8Array) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private synTimer: number | undefined;
  private giveUpTimer: number | undefined;
  /** Data segments the network dropped and that wait for their retransmission. */
  private readonly lost = new Set<number>();
  private readonly retransmitTimers = new Set<number>();

  constructor(
    private readonly owner: StreamOwner,
    readonly id: number,
    readonly local: TransportAddress,
    readonly remote: TransportAddress,
    role: 'connect' | 'accept',
  ) {
    this.current = role === 'connect' ? 'connecting' : 'open';
  }

  get state(): StreamState {
    return this.current;
  }

  // ---- the StreamTransport API -----------------------------------------------

  write(data: Uint8Array): void {
    if (this.current === 'closed' || this.endQueued) throw new TransportError('ENOTCONN', `write on closed connection ${this.describe()}`);
    if (!(data instanceof Uint8Array)) throw new TransportError('EINVAL', 'write needs a Uint8Array');
    if (data.byteLength === 0) return;
    if (this.current === 'connecting') this.queued.push(data.slice());
    else this.sendData(data.slice());
  }

  end(): void {
    if (this.current === 'closed' || this.endQueued) return;
    this.endQueued = true;
    if (this.current === 'open') this.finish();
  }

  onOpen(handler: () => void): () => void {
    this.openHandlers.add(handler);
    return () => this.openHandlers.delete(handler);
  }

  onData(handler: (data: Uint8Array) => void): () => void {
    this.dataHandlers.add(handler);
    return () => this.dataHandlers.delete(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  // ---- driven by the host ------------------------------------------------------

  /** Active open: SYN, retransmitted until answered or timed out. */
  startConnect(): void {
    const attempt = (n: number) => {
      if (this.current !== 'connecting') return;
      this.owner.sendSegment(this, 'SYN', 0, new Uint8Array(0));
      const next = SYN_RETRANSMIT_DELAYS_MS[n];
      const elapsed = SYN_RETRANSMIT_DELAYS_MS.slice(0, n).reduce((a, b) => a + b, 0);
      this.synTimer = this.owner.clock.setTimeout(() => (next === undefined ? this.close('timeout') : attempt(n + 1)), next ?? CONNECT_TIMEOUT_MS - elapsed);
    };
    attempt(0);
  }

  /** Passive open: answer the SYN. */
  acceptSyn(): void {
    this.owner.sendSegment(this, 'SYN-ACK', 0, new Uint8Array(0));
  }

  segment(flag: SegmentFlag, seq: number, payload: Uint8Array): void {
    if (this.current === 'closed') return;
    switch (flag) {
      case 'SYN':
        // A retransmitted SYN whose SYN-ACK was lost or is in flight: answer again.
        return this.acceptSyn();
      case 'SYN-ACK':
        if (this.current === 'connecting') this.opened();
        return;
      case 'RST':
        return this.close(this.current === 'connecting' ? 'refused' : 'reset');
      case 'DATA':
      case 'FIN':
        // Data can overtake the SYN-ACK on a jittery path; it proves the peer accepted.
        if (this.current === 'connecting') this.opened();
        this.outOfOrder.set(seq, { flag, payload });
        return this.deliverInOrder();
    }
  }

  /** Ends the connection, once; tells the handlers why. */
  close(reason: string): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.owner.clock.clearTimeout(this.synTimer);
    this.owner.clock.clearTimeout(this.giveUpTimer);
    for (const timer of this.retransmitTimers) this.owner.clock.clearTimeout(timer);
    this.retransmitTimers.clear();
    this.owner.stateChanged(this, reason);
    this.owner.release(this);
    for (const handler of [...this.closeHandlers]) handler(reason);
    this.openHandlers.clear();
    this.dataHandlers.clear();
    this.closeHandlers.clear();
  }

  describe(): string {
    return `${formatAddress(this.local)} ↔ ${formatAddress(this.remote)} on ${this.owner.id}`;
  }

  private opened(): void {
    this.current = 'open';
    this.owner.clock.clearTimeout(this.synTimer);
    this.owner.stateChanged(this);
    for (const handler of [...this.openHandlers]) handler();
    for (const data of this.queued.splice(0)) this.sendData(data);
    if (this.endQueued) this.finish();
  }

  /**
   * Sends a data segment. When the network drops it for good (a link down, a NAT without the
   * mapping), TCP retransmits it with a doubling timeout until it gets through or the connection
   * gives up: a short outage costs time, not data. (Without this the segment was lost, everything
   * after it stuck behind it at the receiver, and the connection closed 15 s later regardless.)
   */
  private sendData(data: Uint8Array, seq = this.sendSeq++, backoffMs = DATA_RETRANSMIT_FIRST_MS): void {
    this.owner.sendSegment(this, 'DATA', seq, data, (reason, detail) => {
      if (this.current === 'closed') return;
      this.lost.add(seq);
      this.unreachable(reason, detail);
      const timer = this.owner.clock.setTimeout(() => {
        this.retransmitTimers.delete(timer);
        this.lost.delete(seq);
        if (this.current !== 'closed') this.sendData(data, seq, backoffMs * 2);
      }, backoffMs);
      this.retransmitTimers.add(timer);
    });
  }

  private finish(): void {
    this.owner.sendSegment(this, 'FIN', this.sendSeq++, new Uint8Array(0));
    this.close('local-closed');
  }

  /** The network dropped our data for good: TCP would retry, then give up. */
  private unreachable(reason: DropReason, detail: string): void {
    if (this.giveUpTimer !== undefined || this.current === 'closed') return;
    this.giveUpTimer = this.owner.clock.setTimeout(() => {
      this.giveUpTimer = undefined;
      // Every dropped segment got through on a retransmission: the path recovered.
      if (this.lost.size === 0) return;
      this.close(`unreachable (${reason}: ${detail})`);
    }, DATA_GIVE_UP_MS);
  }

  /** Segments can overtake each other on a jittery path; TCP hands them up in order. */
  private deliverInOrder(): void {
    for (let next = this.outOfOrder.get(this.expectedSeq); next !== undefined; next = this.outOfOrder.get(this.expectedSeq)) {
      this.outOfOrder.delete(this.expectedSeq++);
      if (next.flag === 'FIN') return this.close('remote-closed');
      for (const handler of [...this.dataHandlers]) handler(next.payload);
      if (this.current === 'closed') return;
    }
  }
}

/** A simulated listening TCP socket, made by `host.listenTcp`: it hands each accepted connection to its callback until it is closed (the twin of `NodeTcpListener`). */
export class SimTcpListener {
  private isClosed = false;

  constructor(
    readonly local: TransportAddress,
    readonly onConnection: (connection: SimTcpConnection) => void,
    private readonly release: (listener: SimTcpListener) => void,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Stops accepting; open connections stay open. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.release(this);
  }
}
