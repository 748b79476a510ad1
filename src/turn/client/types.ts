/**
 * What the TURN client is given, what it can be told, what it tells, and how
 * it ends: the public shapes of machine.ts.
 *
 * Words are RFC 8656's: the *allocation* on the server, its *relayed
 * transport address* (what peers send to), the *server-reflexive* address the
 * server saw (XOR-MAPPED-ADDRESS), *permissions* (per peer IP, §9) and
 * *channel bindings* (per peer transport address, §12), the allocation's
 * *lifetime* (§7).
 */
import type { TransportAddress } from '../../io/address.js';
import type { RandomSource } from '../../io/random.js';
import type { StunFlow } from '../../stun/flow.js';
import type { StunTiming } from '../../stun/rto.js';
import type { StunOutcomeKind } from '../../stun/trace.js';
import type { TurnClientTrace } from './trace.js';

/** Long-term credentials (RFC 8489 §9.2): the realm comes from the server's 401. */
export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
}

/** Who receives the client's notifications besides `actor.on(...)`: a parent machine's `self`, typically. */
export interface TurnClientListener {
  send(event: TurnClientNotification): void;
}

/**
 * What the TURN client (RFC 8656) is given: the flow to its server, the
 * long-term credentials, and optionally the lifetime to ask for (s), its
 * randomness, trace, timing (ms), SOFTWARE and keepalive interval (ms).
 * The input of `turnClientMachine` and `startTurnClient`.
 */
export interface TurnClientInput {
  /**
   * The flow to the TURN server: `datagramFlow(socket, server)` for UDP,
   * `streamFlow(connection)` for TCP (RFC 8656 §3.1; the flow does the framing).
   * The client uses it for all its requests, indications and ChannelData; the
   * socket or connection stays the caller's to close.
   */
  readonly flow: StunFlow;
  readonly credentials: TurnCredentials;
  /** LIFETIME to ask for in Allocate and Refresh, seconds (RFC 8656 §7.1); the server's default (600 s) otherwise. */
  readonly lifetime?: number;
  /** Transaction ids: the simulator's `world.random.fork(label)`; `cryptoRandom` by default. */
  readonly random?: RandomSource;
  /** Where the client records its requests and what came of them (a world's trace); none by default. */
  readonly trace?: TurnClientTrace;
  /** Who runs the client (a host id), for the trace and the notifications. */
  readonly agent?: string;
  /** RFC 8489 §6.2 timing of every transaction (RTO, Rc, Rm, Ti, a deadline). */
  readonly timing?: Partial<StunTiming>;
  /** SOFTWARE in every request (RFC 8489 §14.14); none by default. */
  readonly software?: string;
  /**
   * Over UDP, a Binding indication to the server every so many ms, so that
   * NATs between client and server keep the mapping the allocation's 5-tuple
   * depends on (RFC 8489 §3: indications "keep these bindings alive"; NATs
   * may drop an idle UDP mapping after 2 minutes, RFC 4787 REQ-5, sooner than
   * the 4-minute permission refreshes). Default 15 000, RFC 8445 §11's Tr;
   * 0 turns it off (an ICE agent that sends its own keepalives through the
   * allocation can). Never over TCP: the connection is the 5-tuple.
   */
  readonly keepaliveIntervalMs?: number;
  /** Also sent every notification (a parent machine passes its `self`). */
  readonly parent?: TurnClientListener;
}

/** An allocation as the client learned it from the Allocate success response (RFC 8656 §7.3). */
export interface TurnAllocation {
  /** XOR-RELAYED-ADDRESS: where peers send to reach this client; a relay candidate for ICE. */
  readonly relayed: TransportAddress;
  /** XOR-MAPPED-ADDRESS: the client's address as the server saw it; a server-reflexive candidate for ICE. */
  readonly mapped?: TransportAddress;
  /** Seconds, from the latest Allocate or Refresh success response. */
  readonly lifetime: number;
}

// ---- commands -----------------------------------------------------------------

/** What the client can be told while its allocation lives. */
export type TurnClientCommand =
  /** Install permissions for these peers' IP addresses (the port is ignored, RFC 8656 §9), and keep them refreshed. */
  | { readonly type: 'permission.create'; readonly peers: readonly TransportAddress[] }
  /** Stop refreshing these peers' permissions: they lapse on the server within 300 s (TURN cannot delete one). */
  | { readonly type: 'permission.drop'; readonly peers: readonly TransportAddress[] }
  /**
   * Bind a channel to this peer transport address (RFC 8656 §12), the next free
   * number from 0x4000 unless `channel` is given, and keep it refreshed; data to
   * the peer goes as ChannelData once the binding succeeds. Binding also
   * installs the permission for the peer's IP.
   */
  | { readonly type: 'channel.bind'; readonly peer: TransportAddress; readonly channel?: number }
  /** Send bytes to a peer through the relay: ChannelData when a channel is bound to it, else a Send indication (RFC 8656 §11.1, §12.5). */
  | { readonly type: 'send'; readonly peer: TransportAddress; readonly data: Uint8Array }
  /** Refresh now (RFC 8656 §8), optionally asking for another lifetime. */
  | { readonly type: 'refresh'; readonly lifetime?: number }
  /** Delete the allocation: Refresh with LIFETIME 0 (RFC 8656 §8.1). */
  | { readonly type: 'release' };

// ---- notifications ------------------------------------------------------------

/** How the latest attempt of a request failed: an error response's code, or why no answer counted. */
export interface RequestFailure {
  readonly code?: number;
  readonly reason: string;
  /** The STUN transaction's outcome ('error', 'timeout', 'transport-closed', ...). */
  readonly outcome: StunOutcomeKind | 'unusable-response';
}

export interface TurnClientNotificationSource {
  /** The client's `agent`, when given: tells several clients apart. */
  readonly client?: string;
}

/** What the client tells: emitted (`actor.on(type, ...)`) and sent to `input.parent`. */
export type TurnClientNotification =
  | (TurnClientNotificationSource & { readonly type: 'turn.allocated'; readonly allocation: TurnAllocation })
  | (TurnClientNotificationSource & { readonly type: 'turn.refreshed'; readonly lifetime: number })
  | (TurnClientNotificationSource & {
      readonly type: 'turn.permission';
      /** Peer IP addresses. */
      readonly peers: readonly string[];
      readonly result: 'installed' | 'refreshed' | 'failed';
      readonly failure?: RequestFailure;
    })
  | (TurnClientNotificationSource & {
      readonly type: 'turn.channel';
      readonly peer: TransportAddress;
      readonly channel: number;
      readonly result: 'bound' | 'refreshed' | 'failed';
      readonly failure?: RequestFailure;
    })
  /** Application data from a peer, relayed by the server (a copy: the receiver may keep it). */
  | (TurnClientNotificationSource & { readonly type: 'turn.data'; readonly peer: TransportAddress; readonly data: Uint8Array; readonly via: 'data-indication' | 'channel-data' })
  /** A command the client could not carry out in its state, or with those arguments (nothing was sent). */
  | (TurnClientNotificationSource & { readonly type: 'turn.refused'; readonly command: TurnClientCommand['type']; readonly reason: string })
  | (TurnClientNotificationSource & { readonly type: 'turn.ended'; readonly end: TurnClientEnd });

// ---- the end ------------------------------------------------------------------

/** How a client ends: its output, and the `end` of its last notification. */
export type TurnClientEnd =
  /** No allocation was made (RFC 8656 §7.4): an error response, no answer, or one that could not be used. */
  | ({ readonly kind: 'allocate-failed' } & RequestFailure)
  /** A Refresh failed (RFC 8656 §8.3): the allocation is taken as gone. */
  | ({ readonly kind: 'refresh-failed' } & RequestFailure)
  /** The flow closed (a TCP connection ends its allocation, RFC 8656 §3.1) or refused to send. */
  | { readonly kind: 'transport-closed'; readonly reason: string }
  /** The lifetime ran out before a Refresh succeeded (RFC 8656 §7: the server deletes it). */
  | { readonly kind: 'expired'; readonly lifetime: number }
  /**
   * Released by a Refresh with LIFETIME 0. `confirmed` when the server said so
   * (success, or 437: it was already gone); otherwise it lapses on its own.
   */
  | ({ readonly kind: 'released'; readonly confirmed: boolean } & Partial<RequestFailure>);

/** Just the `kind` of a `TurnClientEnd` ('allocate-failed', 'refresh-failed', 'transport-closed', 'expired', 'released'): for tables and switches. */
export type TurnClientEndKind = TurnClientEnd['kind'];
