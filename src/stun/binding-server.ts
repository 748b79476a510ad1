/**
 * A STUN Binding server (RFC 8489 §6.3, §12): it tells a client the address
 * its request came from, the client's "server-reflexive" address when a NAT
 * sits between them.
 *
 * Two parts:
 * - `answerBinding(bytes, from, options)`: what to do with one datagram, as a
 *   value. Pure, so every rule is testable on its own, and reusable by a TURN
 *   server (which answers Binding requests too, RFC 8656 §3.1).
 * - `stunBindingServerMachine`: an XState machine that listens on a
 *   `DatagramTransport` (simulated or real) and on the TCP connections it is
 *   handed (`StreamTransport`s, framed per RFC 8656 §3.1), and sends those answers.
 *
 * The rules, in RFC 8489's order:
 * - Bytes that are not a STUN message (bad header, RFC 8489 §6.3), or whose
 *   FINGERPRINT does not match (§7.3), are silently dropped.
 * - Indications (a Binding indication is a keepalive, §6.3.2) and responses
 *   (we run no client transactions) are dropped: there is nothing to answer.
 * - A request whose header is sound but whose attributes do not decode gets
 *   400 (Bad Request): the transaction id is known, so the client can be told.
 * - A request with unknown comprehension-required attributes gets 420 with
 *   UNKNOWN-ATTRIBUTES listing them (§6.3.1.1, §14.13).
 * - A request for another method gets 400: this server does Binding only.
 * - A Binding request gets a success response with XOR-MAPPED-ADDRESS of its
 *   source (§14.2), SOFTWARE (§14.14) and FINGERPRINT (§14.7).
 * Garbage never throws: the decoder returns errors as values.
 */
import { assign, enqueueActions, fromCallback, setup, type Actor, type EventObject } from 'xstate';
import type { TransportAddress } from '../io/address.js';
import type { DatagramTransport, StreamTransport } from '../io/transport.js';
import { bytesToHex } from '../wire/hex.js';
import type { StunAttribute } from '../wire/stun/attribute-types.js';
import { verifyFingerprint } from '../wire/stun/fingerprint.js';
import { HEADER_LENGTH, MAGIC_COOKIE, StunMethod, decodeMessageType, methodName, readU16, readU32 } from '../wire/stun/header.js';
import { decodeStunMessage, encodeStunMessage, type StunMessage } from '../wire/stun/message.js';
import { createErrorResponse, createSuccessResponse, createUnknownAttributesResponse } from '../wire/stun/responses.js';
import { StreamFramer } from '../wire/stream-framer.js';
import { startActor, type ActorClockOptions } from './actor.js';
import { tracing, type StunTrace } from './trace.js';
import { formatAddress } from '../io/address.js';

export const DEFAULT_STUN_SOFTWARE = 'rtc-machines';

export interface BindingServerOptions {
  /** SOFTWARE in every answer; `DEFAULT_STUN_SOFTWARE` by default, none when the empty string. */
  readonly software?: string;
}

export type BindingDecision =
  | {
      readonly kind: 'answer';
      readonly response: StunMessage;
      readonly bytes: Uint8Array;
      /** ERROR-CODE of an error answer. */
      readonly code?: number;
      /** The XOR-MAPPED-ADDRESS of a success answer. */
      readonly mapped?: TransportAddress;
    }
  | { readonly kind: 'ignore'; readonly reason: string; readonly transactionId?: Uint8Array };

/** RFC 8489 §14.8: the reason phrase is under 128 characters. */
const MAX_REASON = 127;

/** What the server does with one datagram from `from`. Never throws. */
export function answerBinding(bytes: Uint8Array, from: TransportAddress, options: BindingServerOptions = {}): BindingDecision {
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) {
    const header = soundHeader(bytes);
    if (header === undefined || header.class !== 'request') {
      return { kind: 'ignore', reason: `not a STUN request: ${decoded.error.message}` };
    }
    const reason = `Bad Request: ${decoded.error.message}`.slice(0, MAX_REASON);
    return errorAnswer(createErrorResponse(header, 400, { reason }), options, 400);
  }
  const message = decoded.message;
  const fingerprint = verifyFingerprint(message);
  if (!fingerprint.ok && fingerprint.reason === 'mismatch') {
    return { kind: 'ignore', reason: `not STUN: ${fingerprint.message}`, transactionId: message.transactionId };
  }
  if (message.class !== 'request') {
    const why = message.class === 'indication' ? 'an indication needs no answer (RFC 8489 §6.3.2)' : 'a response, and this server runs no transactions';
    return { kind: 'ignore', reason: `${describeType(message)}: ${why}`, transactionId: message.transactionId };
  }
  const unknown = createUnknownAttributesResponse(message, trailer(options));
  if (unknown !== undefined) return errorAnswer(unknown, options, 420);
  if (message.method !== StunMethod.Binding) {
    const reason = `Bad Request: ${describeType(message)} is not served here, only Binding`.slice(0, MAX_REASON);
    return errorAnswer(createErrorResponse(message, 400, { reason }), options, 400);
  }
  const mapped = { address: from.address, port: from.port };
  const response = createSuccessResponse(message, [{ type: 'XOR-MAPPED-ADDRESS', value: mapped }, ...trailer(options)]);
  return { kind: 'answer', response, bytes: encodeStunMessage(response), mapped: { address: from.address, port: from.port } };
}

/** SOFTWARE then FINGERPRINT, which must be last (RFC 8489 §14.7). */
function trailer(options: BindingServerOptions): StunAttribute[] {
  const software = options.software ?? DEFAULT_STUN_SOFTWARE;
  return [...(software === '' ? [] : [{ type: 'SOFTWARE' as const, value: software }]), { type: 'FINGERPRINT' }];
}

function errorAnswer(response: StunMessage, options: BindingServerOptions, code: number): BindingDecision {
  // Error answers built by the responses helpers carry ERROR-CODE (+ UNKNOWN-ATTRIBUTES); add the trailer once.
  const attributes = response.attributes.some((a) => a.type === 'FINGERPRINT') ? response.attributes : [...response.attributes, ...trailer(options)];
  const full = { ...response, attributes };
  return { kind: 'answer', response: full, bytes: encodeStunMessage(full), code };
}

/**
 * The header of a message whose attributes did not decode: the first two bits
 * zero, the magic cookie, a length that matches (RFC 8489 §6.3). Only then is
 * the transaction id trustworthy enough to answer.
 */
function soundHeader(bytes: Uint8Array): { method: number; class: StunMessage['class']; transactionId: Uint8Array } | undefined {
  if (bytes.length < HEADER_LENGTH) return undefined;
  const type = readU16(bytes, 0);
  const length = readU16(bytes, 2);
  if ((type & 0xc000) !== 0 || length % 4 !== 0 || readU32(bytes, 4) !== MAGIC_COOKIE || HEADER_LENGTH + length !== bytes.length) return undefined;
  return { ...decodeMessageType(type), transactionId: bytes.slice(8, HEADER_LENGTH) };
}

function describeType(message: Pick<StunMessage, 'method' | 'class'>): string {
  return `a ${methodName(message.method) ?? `method 0x${message.method.toString(16).padStart(3, '0')}`} ${message.class}`;
}

// ---- the server as a machine ------------------------------------------------------

/** A Binding server's socket (and TCP connections, as they come), its answers' options and its trace. */
export interface BindingServerInput extends BindingServerOptions {
  /** The UDP socket to serve on; none for a server that only takes TCP connections. */
  readonly socket?: DatagramTransport;
  readonly trace?: StunTrace;
  /** Who the server is, for the trace (a host id). */
  readonly agent?: string;
}

/** One STUN message for the server, from a datagram or a stream frame, and how to answer its sender. */
interface MessageEvent {
  readonly type: 'message';
  readonly data: Uint8Array;
  readonly from: TransportAddress;
  /** The server's own address the message arrived at. */
  readonly local: TransportAddress;
  readonly reply: (bytes: Uint8Array) => void;
}

/** What a Binding server takes: datagrams, TCP connections and their ends, and `stop`. */
export type BindingServerEvent =
  | MessageEvent
  /** A TCP connection a listener accepted: serve STUN over it (RFC 8489 §6.2.2), framed as RFC 8656 §3.1 says. */
  | { readonly type: 'connection'; readonly stream: StreamTransport }
  | { readonly type: 'connection.closed'; readonly id: string; readonly reason: string }
  | { readonly type: 'stop' };

interface ServerContext {
  readonly socket: DatagramTransport | undefined;
  readonly options: BindingServerOptions;
  readonly trace: StunTrace | undefined;
  readonly agent: string | undefined;
  /** Requests answered and messages ignored so far. */
  answered: number;
  ignored: number;
  /** Connections taken so far (it names their actors). */
  connections: number;
}

/** IO: each datagram of the socket becomes a message event. */
const listenDatagrams = fromCallback<EventObject, DatagramTransport | undefined>(({ input: socket, sendBack }) => {
  if (socket === undefined) return;
  return socket.onMessage((data, from) => {
    const event: MessageEvent = { type: 'message', data, from, local: socket.local, reply: (bytes) => socket.send(bytes, from) };
    sendBack(event);
  });
});

/** IO: each STUN frame of a connection becomes a message event; a stream out of step is closed. */
const serveStream = fromCallback<EventObject, { readonly id: string; readonly stream: StreamTransport }>(({ input: { id, stream }, sendBack }) => {
  const framer = new StreamFramer();
  const offData = stream.onData((chunk) => {
    const { frames, error } = framer.push(chunk);
    for (const frame of frames) {
      const event: MessageEvent = { type: 'message', data: frame.bytes, from: stream.remote, local: stream.local, reply: (bytes) => stream.write(bytes) };
      sendBack(event);
    }
    if (error !== undefined) stream.end();
  });
  const offClose = stream.onClose((reason) => sendBack({ type: 'connection.closed', id, reason }));
  return () => {
    offData();
    offClose();
  };
});

// Each message is judged once, however many guards and actions ask.
const decisions = new WeakMap<BindingServerEvent, BindingDecision>();
function decisionOf(context: ServerContext, event: BindingServerEvent): BindingDecision | undefined {
  if (event.type !== 'message') return undefined;
  let decision = decisions.get(event);
  if (decision === undefined) decisions.set(event, (decision = answerBinding(event.data, event.from, context.options)));
  return decision;
}

function withAgent(context: ServerContext): { agent?: string } {
  return context.agent === undefined ? {} : { agent: context.agent };
}

/** The STUN Binding server (RFC 8489 §3) as an XState machine; `startBindingServer` runs one. */
export const stunBindingServerMachine = setup({
  types: {
    input: {} as BindingServerInput,
    context: {} as ServerContext,
    events: {} as BindingServerEvent,
  },
  actors: { listenDatagrams, serveStream },
  guards: {
    deservesAnswer: ({ context, event }) => decisionOf(context, event)?.kind === 'answer',
  },
  actions: {
    /** Sending is this machine's only effect on the world. */
    answer: ({ context, event }) => {
      const decision = decisionOf(context, event);
      if (decision?.kind !== 'answer' || event.type !== 'message') return;
      try {
        event.reply(decision.bytes);
      } catch {
        // The socket or connection closed under us: there is no one left to answer.
      }
    },
    traceAnswer: ({ context, event }) => {
      const decision = decisionOf(context, event);
      if (decision?.kind !== 'answer' || event.type !== 'message') return;
      if (!tracing(context.trace)) return;
      const { response } = decision;
      const error = response.attributes.find((a) => a.type === 'ERROR-CODE');
      context.trace.record('stun.answer', {
        transaction: bytesToHex(response.transactionId),
        method: methodName(response.method) ?? `0x${response.method.toString(16).padStart(3, '0')}`,
        class: response.class === 'success-response' ? 'success-response' : 'error-response',
        from: formatAddress(event.local),
        to: formatAddress(event.from),
        ...(error !== undefined ? { code: error.value.code, reason: error.value.reason } : {}),
        ...(decision.mapped !== undefined ? { mapped: formatAddress(decision.mapped) } : {}),
        ...withAgent(context),
      });
    },
    traceIgnore: ({ context, event }) => {
      const decision = decisionOf(context, event);
      if (decision?.kind !== 'ignore' || event.type !== 'message') return;
      const transaction = decision.transactionId === undefined ? {} : { transaction: bytesToHex(decision.transactionId) };
      context.trace?.record('stun.ignore', { from: formatAddress(event.from), to: formatAddress(event.local), reason: decision.reason, ...transaction, ...withAgent(context) });
    },
    countAnswered: assign({ answered: ({ context }) => context.answered + 1 }),
    countIgnored: assign({ ignored: ({ context }) => context.ignored + 1 }),
    acceptConnection: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'connection') return;
      const id = `connection-${context.connections + 1}`;
      enqueue.assign({ connections: context.connections + 1 });
      enqueue.spawnChild('serveStream', { id, input: { id, stream: event.stream } });
    }),
    forgetConnection: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'connection.closed') enqueue.stopChild(event.id);
    }),
  },
}).createMachine({
  id: 'stunBindingServer',
  context: ({ input }) => ({
    socket: input.socket,
    options: input.software === undefined ? {} : { software: input.software },
    trace: input.trace,
    agent: input.agent,
    answered: 0,
    ignored: 0,
    connections: 0,
  }),
  invoke: { src: 'listenDatagrams', input: ({ context }) => context.socket },
  initial: 'serving',
  states: {
    serving: {
      on: {
        message: [{ guard: 'deservesAnswer', actions: ['traceAnswer', 'answer', 'countAnswered'] }, { actions: ['traceIgnore', 'countIgnored'] }],
        connection: { actions: 'acceptConnection' },
        'connection.closed': { actions: 'forgetConnection' },
        stop: 'stopped',
      },
    },
    /** Stopped listening; the socket and connections stay open (they are the caller's). */
    stopped: { type: 'final' },
  },
});

/** A running Binding server (what `startBindingServer` returns): stop it, or read its state; its socket stays the caller's. */
export type StunBindingServerActor = Actor<typeof stunBindingServerMachine>;

/** The server's clock (it sets no timers; given for symmetry with the client). */
export type BindingServerStartOptions = ActorClockOptions;

/** Creates and starts a Binding server; `actor.send({ type: 'connection', stream })` hands it TCP connections. */
export function startBindingServer(input: BindingServerInput, options: BindingServerStartOptions = {}): StunBindingServerActor {
  return startActor(stunBindingServerMachine, input, options);
}
