/**
 * STUN's records in the one trace (ARCHITECTURE.md, principle 4).
 *
 * The simulator's `TraceKinds` interface is extended here by module
 * augmentation, so that a simulated run shows each STUN step (a transaction
 * starting, retransmitting, being answered or giving up, a server answering)
 * between the `packet.*` records of the datagrams that carried it, in one
 * typed, JSON-serialisable record. Fields are plain text and numbers: the
 * transaction id in hex, addresses as "ip:port", the method by its RFC name.
 */
import type { Trace } from '../sim/trace.js';
import type { TransportAddress } from '../io/address.js';

/** Fields every client-side record shares. */
interface TransactionFields {
  /** The transaction id, 24 hex digits. */
  readonly transaction: string;
  /** "Binding", "Allocate", ... or "0x0ab" for a method this library does not name. */
  readonly method: string;
  /** Who runs the transaction (a host id), when the caller said. */
  readonly agent?: string;
}

export type StunTransportKind = 'udp' | 'tcp';

/** How a client transaction ended (RFC 8489 §6.3.3, §6.3.4, §9.1.4, §9.2.5). */
export type StunOutcomeKind = 'success' | 'error' | 'timeout' | 'integrity-violation' | 'bad-response' | 'transport-closed';

declare module '../sim/trace.js' {
  interface TraceKinds {
    /** A client transaction sends its request for the first time. */
    'stun.request': TransactionFields & {
      readonly class: 'request';
      readonly transport: StunTransportKind;
      readonly from: string;
      readonly to: string;
      readonly attempt: 1;
    };
    /** RFC 8489 §6.2.1: no response within RTO, the request goes again. */
    'stun.retransmit': TransactionFields & {
      readonly from: string;
      readonly to: string;
      /** 2 for the first retransmission, up to Rc. */
      readonly attempt: number;
      /** How long the transaction waited for a response to the previous transmission. */
      readonly waitedMs: number;
    };
    /** The response that ends a transaction. */
    'stun.response': TransactionFields & {
      readonly class: 'success-response' | 'error-response';
      readonly from: string;
      readonly to: string;
      /** Transmissions of the request so far. */
      readonly transmissions: number;
      readonly outcome: 'success' | 'error';
      /** ERROR-CODE of an error response. */
      readonly code?: number;
      readonly reason?: string;
      /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) of a success response, "ip:port". */
      readonly mapped?: string;
      /** True when MESSAGE-INTEGRITY(-SHA256) was checked and matched. */
      readonly authenticated: boolean;
    };
    /** A message with our transaction id that we threw away, and why (bad fingerprint, integrity, class). */
    'stun.discard': TransactionFields & {
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    };
    /** A transaction that ended without a usable response. */
    'stun.timeout': TransactionFields & {
      readonly to: string;
      readonly transmissions: number;
      readonly elapsedMs: number;
      /** "timeout", or "integrity-violation" when every response that came failed its integrity check (RFC 8489 §9.2.5). */
      readonly outcome: 'timeout' | 'integrity-violation';
    };
    /** A transaction that failed before its timers ran out: the stream closed, or the response was unusable. */
    'stun.failure': TransactionFields & {
      readonly to: string;
      readonly transmissions: number;
      readonly outcome: 'transport-closed' | 'integrity-violation' | 'bad-response';
      readonly detail: string;
    };
    /** A server answers a request. */
    'stun.answer': {
      readonly transaction: string;
      readonly method: string;
      readonly class: 'success-response' | 'error-response';
      /** The server's own address, as bound. */
      readonly from: string;
      /** Where the answer goes: the source the request came from. */
      readonly to: string;
      readonly code?: number;
      readonly reason?: string;
      /** The XOR-MAPPED-ADDRESS the server reported, "ip:port". */
      readonly mapped?: string;
      readonly agent?: string;
    };
    /** A server drops what it received without answering, and why (garbage, an indication, a response). */
    'stun.ignore': {
      readonly from: string;
      readonly to: string;
      readonly reason: string;
      readonly transaction?: string;
      readonly agent?: string;
    };
  }
}

/**
 * What the STUN machines need of a trace: the simulator's `Trace` or anything with its
 * `record`. `wanted` false (a trace that keeps nothing and has no listeners) lets them skip
 * building records.
 */
export type StunTrace = Pick<Trace, 'record'> & { readonly wanted?: boolean };

/**
 * Whether anyone reads the trace: the one test every layer's machines ask before they build a
 * record (asked at each record, not once: a listener may come later). When nobody does, hot
 * paths do not even format the addresses of a record that would be dropped.
 */
export function tracing<T extends { readonly wanted?: boolean }>(trace: T | undefined): trace is T {
  return trace !== undefined && trace.wanted !== false;
}

