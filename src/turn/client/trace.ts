/**
 * The TURN client's records in the one trace (ARCHITECTURE.md, principle 4).
 *
 * Each request the client makes is already traced by the STUN transaction it
 * runs ('stun.request', 'stun.retransmit', 'stun.response', 'stun.timeout',
 * 'stun.failure', with the client's `agent`). These records add what those
 * cannot say: what the answers meant for the allocation (challenged,
 * allocated, refreshed, released, lost and why), for each permission and
 * channel binding, and every datagram the client relayed through the server
 * or dropped. The kinds are named `turn.client.*` so that they never mix with
 * the server's `turn.*` records of the same run.
 *
 * Fields are plain JSON: addresses as "ip:port", a permission's peer as a
 * bare IP (a permission ignores the port, RFC 8656 §9), lifetimes in seconds.
 */
import type { TransportAddress } from '../../io/address.js';
import type { Trace } from '../../sim/trace.js';
import { formatAddress } from '../../io/address.js';

/** How relayed data travelled between this client and its server (RFC 8656 §11, §12). */
export type TurnClientFraming = 'send-indication' | 'data-indication' | 'channel-data';

interface ClientFields {
  /** Who runs the client (a host id), when the caller said. */
  readonly agent?: string;
  /** The TURN server, "ip:port". */
  readonly server: string;
}

declare module '../../sim/trace.js' {
  interface TraceKinds {
    /** The allocation as the client sees it (RFC 8656 §7, §8). */
    'turn.client.allocation': ClientFields & {
      readonly event:
        /** 401 with REALM and NONCE: the next request carries credentials (RFC 8489 §9.2.3). */
        | 'challenged'
        /** 438 Stale Nonce: the request goes again with the new NONCE (RFC 8489 §9.2.5). */
        | 'stale-nonce'
        | 'allocated'
        | 'refreshed'
        | 'released'
        /** Allocate failed: no allocation was made. */
        | 'failed'
        /** An allocation that existed is gone: Refresh failed, the transport closed, or the lifetime ran out. */
        | 'ended';
      readonly method?: string;
      readonly relayed?: string;
      readonly mapped?: string;
      /** Seconds granted (LIFETIME of the response). */
      readonly lifetime?: number;
      /** When the next Refresh is due, ms after this record. */
      readonly refreshInMs?: number;
      readonly code?: number;
      readonly reason?: string;
    };
    /** A permission (RFC 8656 §9): asked for, installed, refreshed, failed, or no longer refreshed. */
    'turn.client.permission': ClientFields & {
      readonly event: 'request' | 'installed' | 'refreshed' | 'failed' | 'dropped';
      /** Peer IP addresses. */
      readonly peers: readonly string[];
      readonly code?: number;
      readonly reason?: string;
    };
    /** A channel binding (RFC 8656 §12): asked for, bound, refreshed or failed. */
    'turn.client.channel': ClientFields & {
      readonly event: 'request' | 'bound' | 'refreshed' | 'failed';
      readonly channel: number;
      readonly peer: string;
      readonly code?: number;
      readonly reason?: string;
    };
    /** One datagram of application data through the allocation, either way. */
    'turn.client.data': ClientFields & {
      readonly direction: 'to-peer' | 'from-peer';
      readonly peer: string;
      /** Bytes of application data. */
      readonly size: number;
      readonly framing: TurnClientFraming;
      readonly channel?: number;
    };
    /** Something that reached the client from its server and was dropped, and why. */
    'turn.client.ignore': ClientFields & {
      readonly from: string;
      readonly reason: string;
    };
  }
}

/** What the TURN client needs of a trace: the simulator's `Trace` or anything with its `record`. */
/** Where the client writes; `wanted` false (a trace that keeps nothing and has no listeners) lets it skip building records. */
export type TurnClientTrace = Pick<Trace, 'record'> & { readonly wanted?: boolean };

/** "ip:port". */
export function endpointOf(address: TransportAddress): string {
  return formatAddress(address);
}
