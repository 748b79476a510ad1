/**
 * The TURN server's records in the one trace (ARCHITECTURE.md, principle 4).
 *
 * The simulator's `TraceKinds` interface is extended here by module
 * augmentation, so that a simulated run shows every TURN step between the
 * `packet.*` records of the datagrams that carried it: each request and its
 * answer, each allocation, permission and channel binding as it is created,
 * refreshed and ends, and each datagram the server relayed or refused to
 * relay. Fields are plain JSON: addresses as "ip:port" (a permission's peer as
 * a bare IP, since permissions ignore the port, RFC 8656 §9), transaction ids
 * in hex, lifetimes in seconds and instants in the trace's milliseconds.
 *
 * An allocation is named by its relayed transport address, unique on a server
 * while the allocation lives, and carries its 5-tuple (client, server,
 * transport) when it is created.
 */
import type { TransportAddress } from '../../io/address.js';
import type { Trace } from '../../sim/trace.js';
import { formatAddress } from '../../io/address.js';

/** The transport between client and server (RFC 8656 §3.1): UDP, or TCP with framing. */
export type TurnTransportKind = 'udp' | 'tcp';

/** Why an allocation ended (RFC 8656 §7: lifetime expiry, Refresh with LIFETIME 0; §3.1: the TCP connection closed). */
export type AllocationEndReason = 'expired' | 'refreshed-to-zero' | 'connection-closed' | 'server-stopped';

/** How relayed data was carried between client and server (RFC 8656 §11, §12). */
export type RelayFraming = 'send-indication' | 'data-indication' | 'channel-data';

interface ServerFields {
  /** Who the server is (a host id), when the caller said. */
  readonly agent?: string;
}

interface ExchangeFields extends ServerFields {
  /** The server's transport address the request arrived at. */
  readonly server: string;
  /** The client's transport address (the source of the request). */
  readonly client: string;
  readonly transport: TurnTransportKind;
  readonly transaction: string;
  /** "Allocate", "Refresh", ... or "0x0ab" for a method this library does not name. */
  readonly method: string;
}

declare module '../../sim/trace.js' {
  interface TraceKinds {
    /** A request the server decoded. */
    'turn.request': ExchangeFields & {
      /** USERNAME, when the request carries one (authenticated or not). */
      readonly username?: string;
    };
    /** The server's answer to a request. */
    'turn.response': ExchangeFields & {
      readonly class: 'success-response' | 'error-response';
      readonly code?: number;
      readonly reason?: string;
      /** Why the server answered so, in words (which check failed); for error responses. */
      readonly detail?: string;
      /** True when the answer carries MESSAGE-INTEGRITY (the request was authenticated). */
      readonly authenticated: boolean;
    };
    /** Something that arrived at a server address and was dropped without an answer, and why. */
    'turn.ignore': ServerFields & {
      readonly server: string;
      readonly from: string;
      readonly transport: TurnTransportKind;
      readonly reason: string;
      readonly transaction?: string;
    };
    /** An allocation's life: created by Allocate, refreshed by Refresh, deleted (RFC 8656 §7). */
    'turn.allocation':
      | (ServerFields & {
          readonly event: 'create';
          readonly allocation: string;
          readonly client: string;
          readonly server: string;
          readonly transport: TurnTransportKind;
          readonly username: string;
          /** Seconds granted. */
          readonly lifetime: number;
          /** When it expires unless refreshed, in trace milliseconds. */
          readonly expiresAt: number;
        })
      | (ServerFields & { readonly event: 'refresh'; readonly allocation: string; readonly lifetime: number; readonly expiresAt: number })
      | (ServerFields & { readonly event: 'delete'; readonly allocation: string; readonly reason: AllocationEndReason });
    /** A permission (RFC 8656 §9): installed or refreshed by CreatePermission or ChannelBind, or expired after 300 s. */
    'turn.permission': ServerFields & {
      readonly event: 'install' | 'refresh' | 'expire';
      readonly allocation: string;
      /** The peer's IP address (a permission ignores the port). */
      readonly peer: string;
      readonly expiresAt: number;
      readonly by?: 'CreatePermission' | 'ChannelBind';
    };
    /** A channel binding (RFC 8656 §12): bound or refreshed by ChannelBind, or expired after 600 s. */
    'turn.channel': ServerFields & {
      readonly event: 'bind' | 'refresh' | 'expire';
      readonly allocation: string;
      readonly channel: number;
      readonly peer: string;
      readonly expiresAt: number;
    };
    /** A port reserved by EVEN-PORT with the R bit, or that reservation being used or running out (RFC 8656 §7.2). */
    'turn.reservation': ServerFields & {
      readonly event: 'reserve' | 'use' | 'expire';
      /** RESERVATION-TOKEN, 16 hex digits. */
      readonly token: string;
      readonly relayed: string;
    };
    /** A datagram relayed between client and peer through an allocation. */
    'turn.relay': ServerFields & {
      readonly allocation: string;
      readonly direction: 'client-to-peer' | 'peer-to-client';
      readonly peer: string;
      /** Bytes of application data. */
      readonly size: number;
      readonly framing: RelayFraming;
    };
    /** A datagram the allocation would not relay (no permission, no channel, forbidden peer...), and why. */
    'turn.refuse': ServerFields & {
      readonly allocation: string;
      readonly direction: 'client-to-peer' | 'peer-to-client';
      /** The peer, when known ("ip:port"). */
      readonly peer?: string;
      readonly size: number;
      readonly reason: string;
    };
  }
}

/** What the TURN server needs of a trace: the simulator's `Trace` or anything with its `record`. */
export type TurnTrace = Pick<Trace, 'record'> & { readonly wanted?: boolean };

/** "ip:port" of an address, as every TURN record writes it. */
export function endpoint(address: TransportAddress): string {
  return formatAddress(address);
}
