/**
 * The STUN client transaction (RFC 8489 §6.2, §6.3.3, §6.3.4) as an XState
 * machine: send a request over a flow, retransmit on the RTO schedule over
 * UDP, match the response by transaction id, check it, and end with a typed
 * outcome.
 *
 *     waiting ──(response, checks pass)──▶ succeeded | rejected (error response)
 *       │  ▲
 *       │  └─(timer, transmissions < Rc: retransmit)
 *       ├──(timer, last one)──▶ timedOut
 *       └──(stream closed, send failed, unusable response,
 *           or forged responses only)──▶ failed
 *
 * Time: the retransmission timer is an XState delayed transition (`after`),
 * so the actor's `clock` (the simulator's VirtualClock, or real timers) drives
 * it; the machine reads no clock itself. IO: two actions, `listen` (on
 * entry: the flow's messages with our transaction id become events) and
 * `transmit` (each send); everything else only decides. Randomness: the
 * transaction id comes from the injected `random` (or is given). The machine
 * is the same in both worlds.
 *
 * Over TCP, a response that fails its integrity check ends the transaction at
 * once (RFC 8489 §9.2.5); over UDP it is discarded and retransmissions go on,
 * but if only such responses came the outcome says "integrity-violation"
 * rather than "timeout".
 */
import { assign, setup, type Actor, type ActorRef, type Snapshot } from 'xstate';
import type { TransportAddress } from '../io/address.js';
import { bytesToHex } from '../wire/hex.js';
import { findAttribute, type StunAttribute } from '../wire/stun/attribute-types.js';
import { TRANSACTION_ID_LENGTH, methodName } from '../wire/stun/header.js';
import { decodeStunMessage, encodeStunMessage, type DecodedStunMessage } from '../wire/stun/message.js';
import { cryptoRandom, type RandomSource } from '../io/random.js';
import type { StunFlow } from './flow.js';
import { judgeResponse, type ResponseVerdict } from './response-check.js';
import { resolveTiming, transmissionSchedule, type StunTiming, type TransmissionSchedule } from './rto.js';
import { tracing, type StunTrace, type StunTransportKind } from './trace.js';
import { formatAddress } from '../io/address.js';

/** The request to send: a method and its attributes (MESSAGE-INTEGRITY and FINGERPRINT are computed where they stand). */
export interface StunRequest {
  readonly method: number;
  readonly attributes: readonly StunAttribute[];
  /** 12 bytes; drawn from `random` when absent. */
  readonly transactionId?: Uint8Array;
}

/**
 * What a STUN client transaction (RFC 8489 §6.2) is given: the flow to send
 * over, the request, the key that signs it and checks the answer, its
 * randomness and timing, and where to trace. The input of
 * `stunTransactionMachine`, `startStunTransaction` and `runStunTransaction`.
 */
export interface StunTransactionInput {
  readonly flow: StunFlow;
  readonly request: StunRequest;
  /** Key for MESSAGE-INTEGRITY(-SHA256) on the request and for checking the response (`shortTermKey` / `longTermKey`). */
  readonly key?: Uint8Array;
  /** Source of the transaction id; `cryptoRandom` by default. A simulation passes its seeded one. */
  readonly random?: RandomSource;
  /** RFC 8489 §6.2 values; the RFC's defaults otherwise. */
  readonly timing?: Partial<StunTiming>;
  /** Where the transaction records its sends, retransmissions and outcome (a world's trace); none by default. */
  readonly trace?: StunTrace;
  /** Who runs the transaction, for the trace (a host id). */
  readonly agent?: string;
}

interface OutcomeBase {
  readonly transactionId: Uint8Array;
  /** How many times the request was sent. */
  readonly transmissions: number;
}

interface Answered extends OutcomeBase {
  readonly response: DecodedStunMessage;
  readonly from: TransportAddress;
  /** True when a key was given and the response's MESSAGE-INTEGRITY(-SHA256) matched. */
  readonly authenticated: boolean;
}

/**
 * How a STUN transaction ended, as a value (network failures are outcomes,
 * never exceptions): a success or error response (RFC 8489 §6.3.3, §6.3.4),
 * a timeout after the retransmission schedule (§6.2), responses that all
 * failed integrity (§9.2.5), a response that cannot be used (§7.3.3, §7.3.4),
 * or a transport that closed. Switch on `kind`.
 */
export type StunTransactionOutcome =
  | ({ readonly kind: 'success' } & Answered)
  | ({ readonly kind: 'error'; readonly code: number; readonly reason: string } & Answered)
  /** No response within the schedule; `elapsedMs` is the give-up time (39,500 ms by default over UDP). */
  | ({ readonly kind: 'timeout'; readonly elapsedMs: number } & OutcomeBase)
  /** Responses came, but none passed the integrity check (RFC 8489 §9.2.5). */
  | ({ readonly kind: 'integrity-violation'; readonly detail: string } & OutcomeBase)
  /** A response came that ends the transaction but cannot be used (RFC 8489 §7.3.3, §7.3.4). */
  | ({ readonly kind: 'bad-response'; readonly detail: string; readonly unknownAttributes: readonly number[]; readonly response: DecodedStunMessage; readonly from: TransportAddress } & OutcomeBase)
  /** The stream closed, or the transport refused to send. */
  | ({ readonly kind: 'transport-closed'; readonly reason: string } & OutcomeBase);

// ---- IO: the flow, by the machine's own actions ------------------------------------

type IoEvent =
  | { readonly type: 'stun.message'; readonly message: DecodedStunMessage; readonly from: TransportAddress }
  | { readonly type: 'stun.garbled'; readonly reason: string; readonly from: TransportAddress }
  | { readonly type: 'flow.closed'; readonly reason: string }
  | { readonly type: 'flow.send-failed'; readonly reason: string };

/**
 * Subscribes to the flow for the actor's lifetime and passes up what carries
 * our transaction id (decoded, or why it could not be). Bytes for other
 * transactions, and bytes that are not STUN, are not ours: left alone.
 *
 * Not a child actor: a transaction runs per connectivity check and per TURN
 * request, and such a child would cost a creation, a start, an event per
 * send and a stop each time, for no decision of its own. The subscription
 * ends with the actor's observers (`complete`: done or stopped).
 */
function listen(flow: StunFlow, transactionId: Uint8Array, self: ActorRef<Snapshot<unknown>, IoEvent>): void {
  const offMessage = flow.onMessage((bytes, from) => {
    if (!carriesTransactionId(bytes, transactionId)) return;
    const decoded = decodeStunMessage(bytes);
    self.send(decoded.ok ? { type: 'stun.message', message: decoded.message, from } : { type: 'stun.garbled', reason: decoded.error.message, from });
  });
  const offClose = flow.onClose((reason) => self.send({ type: 'flow.closed', reason }));
  // Methods, not named arrows: tsx (esbuild keepNames) wraps each named arrow it creates, per call.
  self.subscribe({
    complete() {
      offMessage();
      offClose();
    },
    error() {
      offMessage();
      offClose();
    },
  });
}

/** Sends the request; a transport that refuses it (closed) becomes an event, never a throw. */
function transmit(context: TransactionContext, self: ActorRef<Snapshot<unknown>, IoEvent>): void {
  try {
    context.flow.send(context.requestBytes);
  } catch (error) {
    self.send({ type: 'flow.send-failed', reason: error instanceof Error ? error.message : String(error) });
  }
}

function carriesTransactionId(bytes: Uint8Array, id: Uint8Array): boolean {
  if (bytes.length < 8 + TRANSACTION_ID_LENGTH) return false;
  for (let i = 0; i < TRANSACTION_ID_LENGTH; i++) if (bytes[8 + i] !== id[i]) return false;
  return true;
}

// ---- the machine ---------------------------------------------------------------

interface TransactionContext {
  readonly flow: StunFlow;
  readonly transport: StunTransportKind;
  readonly requestBytes: Uint8Array;
  readonly transactionId: Uint8Array;
  readonly method: string;
  readonly key: Uint8Array | undefined;
  readonly schedule: TransmissionSchedule;
  readonly trace: StunTrace | undefined;
  readonly agent: string | undefined;
  transmissions: number;
  /** Why the last response that failed its integrity check failed; set once one has. */
  forged: string | undefined;
  outcome: StunTransactionOutcome | undefined;
}

// The response checks run HMACs: judge each message once, however many guards ask. A decoded
// message belongs to one transaction (each transaction decodes its own), so the key is fixed per message.
const verdicts = new WeakMap<DecodedStunMessage, ResponseVerdict>();
function verdictOf(context: TransactionContext, message: DecodedStunMessage): ResponseVerdict {
  let verdict = verdicts.get(message);
  if (verdict === undefined) verdicts.set(message, (verdict = judgeResponse(message, context.key)));
  return verdict;
}

function isVerdict(kind: ResponseVerdict['verdict']) {
  return ({ context, event }: { context: TransactionContext; event: IoEvent }) =>
    event.type === 'stun.message' && verdictOf(context, event.message).verdict === kind;
}

function mappedOf(message: DecodedStunMessage): string | undefined {
  const mapped = findAttribute(message, 'XOR-MAPPED-ADDRESS') ?? findAttribute(message, 'MAPPED-ADDRESS');
  return mapped === undefined ? undefined : formatAddress(mapped.value);
}

function base(context: TransactionContext): OutcomeBase {
  return { transactionId: context.transactionId, transmissions: context.transmissions };
}

/** The transaction id as hex, for records only (most transactions of a large untraced run never need it). */
function hexOf(context: TransactionContext): string {
  return bytesToHex(context.transactionId);
}

// The schedule for the RFC's default timing, worked out once per transport: nearly every
// transaction uses it, and resolving and validating the timing was a visible part of starting one.
const DEFAULT_SCHEDULES = { udp: transmissionSchedule(resolveTiming(), 'udp'), tcp: transmissionSchedule(resolveTiming(), 'tcp') };

function scheduleFor(timing: Partial<StunTiming> | undefined, transport: StunTransportKind): TransmissionSchedule {
  return timing === undefined ? DEFAULT_SCHEDULES[transport] : transmissionSchedule(resolveTiming(timing), transport);
}

function withAgent(context: TransactionContext): { agent?: string } {
  return context.agent === undefined ? {} : { agent: context.agent };
}

/**
 * The STUN client transaction (RFC 8489 §6.2, §6.3.3, §6.3.4) as an XState
 * machine: send the request, retransmit on the RTO schedule over UDP, match
 * the response by transaction id, check it, and end with a
 * `StunTransactionOutcome` as its output. Its timers run on the actor's
 * clock. Most callers want `runStunTransaction`; start it yourself
 * (`startStunTransaction`) to watch its states.
 *
 * A `timing` that makes no schedule leaves the actor in error status with a
 * `StunTimingError` (`runStunTransaction` rejects with it).
 * @example
 * const outcome = await runStunTransaction({ flow: datagramFlow(socket, server), request: bindingRequest(), random }, { clock: world.clock });
 * if (outcome.kind === 'success') console.log(mappedAddress(outcome.response));
 */
export const stunTransactionMachine = setup({
  types: {
    input: {} as StunTransactionInput,
    context: {} as TransactionContext,
    events: {} as IoEvent,
    output: {} as StunTransactionOutcome,
  },
  delays: {
    /** Until the next transmission is due, or, after the last, until the give-up time (RFC 8489 §6.2.1). */
    nextTimer: ({ context }) => {
      const { sendAt, giveUpAt } = context.schedule;
      const sentAt = sendAt[context.transmissions - 1] ?? 0;
      return (sendAt[context.transmissions] ?? giveUpAt) - sentAt;
    },
  },
  guards: {
    moreToSend: ({ context }) => context.transmissions < context.schedule.sendAt.length,
    isSuccess: isVerdict('success'),
    isError: isVerdict('error'),
    isBadResponse: isVerdict('bad-response'),
    /** RFC 8489 §9.2.5: over a reliable transport a response that fails integrity ends the transaction. */
    isForgedOverStream: ({ context, event }) => {
      if (event.type !== 'stun.message' || context.transport !== 'tcp') return false;
      const verdict = verdictOf(context, event.message);
      return verdict.verdict === 'discard' && verdict.integrity;
    },
  },
  actions: {
    countTransmission: assign({ transmissions: ({ context }) => context.transmissions + 1 }),
    listen: ({ context, self }) => listen(context.flow, context.transactionId, self),
    transmit: ({ context, self }) => transmit(context, self),
    traceTransmission: ({ context }) => {
      if (!tracing(context.trace)) return;
      const common = { transaction: hexOf(context), method: context.method, ...withAgent(context), from: formatAddress(context.flow.local), to: formatAddress(context.flow.remote) };
      if (context.transmissions === 1) {
        context.trace?.record('stun.request', { ...common, class: 'request', transport: context.transport, attempt: 1 });
      } else {
        const { sendAt } = context.schedule;
        const waitedMs = (sendAt[context.transmissions - 1] ?? 0) - (sendAt[context.transmissions - 2] ?? 0);
        context.trace?.record('stun.retransmit', { ...common, attempt: context.transmissions, waitedMs });
      }
    },
    /** A message with our id that is not an answer: note it, keep waiting (remembering integrity failures). */
    discard: assign(({ context, event }) => {
      if (event.type !== 'stun.message') return {};
      const verdict = verdictOf(context, event.message);
      return verdict.verdict === 'discard' && verdict.integrity ? { forged: verdict.reason } : {};
    }),
    traceDiscard: ({ context, event }) => {
      if (!tracing(context.trace) || (event.type !== 'stun.message' && event.type !== 'stun.garbled')) return;
      const verdict = event.type === 'stun.message' ? verdictOf(context, event.message) : undefined;
      const reason = event.type === 'stun.garbled' ? `undecodable: ${event.reason}` : verdict?.verdict === 'discard' ? verdict.reason : 'not an answer';
      context.trace?.record('stun.discard', { transaction: hexOf(context), method: context.method, ...withAgent(context), from: formatAddress(event.from), to: formatAddress(context.flow.local), reason });
    },
    settleAnswer: assign({
      outcome: ({ context, event }): StunTransactionOutcome | undefined => {
        if (event.type !== 'stun.message') return context.outcome;
        const verdict = verdictOf(context, event.message);
        const answered = { ...base(context), response: event.message, from: event.from };
        switch (verdict.verdict) {
          case 'success':
            return { kind: 'success', ...answered, authenticated: verdict.authenticated };
          case 'error':
            return { kind: 'error', code: verdict.code, reason: verdict.reason, ...answered, authenticated: verdict.authenticated };
          case 'bad-response':
            return { kind: 'bad-response', detail: verdict.detail, unknownAttributes: verdict.unknownAttributes, ...base(context), response: event.message, from: event.from };
          case 'discard':
            return { kind: 'integrity-violation', detail: verdict.reason, ...base(context) };
        }
      },
    }),
    settleClosed: assign({
      outcome: ({ context, event }) =>
        event.type === 'flow.closed' || event.type === 'flow.send-failed' ? { kind: 'transport-closed' as const, reason: event.reason, ...base(context) } : context.outcome,
    }),
    settleTimeout: assign({
      outcome: ({ context }) =>
        context.forged !== undefined
          ? { kind: 'integrity-violation' as const, detail: context.forged, ...base(context) }
          : { kind: 'timeout' as const, elapsedMs: context.schedule.giveUpAt, ...base(context) },
    }),
    traceOutcome: ({ context }) => {
      const outcome = context.outcome;
      const trace = context.trace;
      if (outcome === undefined || !tracing(trace)) return;
      const common = { transaction: hexOf(context), method: context.method, ...withAgent(context) };
      const to = formatAddress(context.flow.remote);
      switch (outcome.kind) {
        case 'success':
        case 'error': {
          const mapped = outcome.kind === 'success' ? mappedOf(outcome.response) : undefined;
          trace.record('stun.response', {
            ...common,
            class: outcome.response.class === 'success-response' ? 'success-response' : 'error-response',
            from: formatAddress(outcome.from),
            to: formatAddress(context.flow.local),
            transmissions: outcome.transmissions,
            outcome: outcome.kind,
            ...(outcome.kind === 'error' ? { code: outcome.code, reason: outcome.reason } : {}),
            ...(mapped !== undefined ? { mapped } : {}),
            authenticated: outcome.authenticated,
          });
          return;
        }
        case 'timeout':
          trace.record('stun.timeout', { ...common, to, transmissions: outcome.transmissions, elapsedMs: outcome.elapsedMs, outcome: 'timeout' });
          return;
        case 'integrity-violation':
          if (context.transport === 'udp' && context.transmissions >= context.schedule.sendAt.length) {
            trace.record('stun.timeout', { ...common, to, transmissions: outcome.transmissions, elapsedMs: context.schedule.giveUpAt, outcome: 'integrity-violation' });
          } else {
            trace.record('stun.failure', { ...common, to, transmissions: outcome.transmissions, outcome: 'integrity-violation', detail: outcome.detail });
          }
          return;
        case 'bad-response':
          trace.record('stun.failure', { ...common, to, transmissions: outcome.transmissions, outcome: 'bad-response', detail: outcome.detail });
          return;
        case 'transport-closed':
          trace.record('stun.failure', { ...common, to, transmissions: outcome.transmissions, outcome: 'transport-closed', detail: outcome.reason });
          return;
      }
    },
  },
}).createMachine({
  id: 'stunTransaction',
  context: ({ input }) => initialContext(input),
  entry: 'listen',
  initial: 'waiting',
  states: {
    /** A transmission has just gone; waiting for its answer or the next timer. */
    waiting: {
      entry: ['countTransmission', 'traceTransmission', 'transmit'],
      after: {
        nextTimer: [
          { guard: 'moreToSend', target: 'waiting', reenter: true },
          { target: 'timedOut', actions: ['settleTimeout', 'traceOutcome'] },
        ],
      },
      on: {
        'stun.message': [
          { guard: 'isSuccess', target: 'succeeded', actions: ['settleAnswer', 'traceOutcome'] },
          { guard: 'isError', target: 'rejected', actions: ['settleAnswer', 'traceOutcome'] },
          { guard: 'isBadResponse', target: 'failed', actions: ['settleAnswer', 'traceOutcome'] },
          { guard: 'isForgedOverStream', target: 'failed', actions: ['traceDiscard', 'settleAnswer', 'traceOutcome'] },
          { actions: ['discard', 'traceDiscard'] },
        ],
        'stun.garbled': { actions: 'traceDiscard' },
        'flow.closed': { target: 'failed', actions: ['settleClosed', 'traceOutcome'] },
        'flow.send-failed': { target: 'failed', actions: ['settleClosed', 'traceOutcome'] },
      },
    },
    succeeded: { type: 'final' },
    /** An error response: the server answered, with a code (401, 420, 438, ...). */
    rejected: { type: 'final' },
    failed: { type: 'final' },
    timedOut: { type: 'final' },
  },
  // Every final state is entered with its outcome settled; the fallback only satisfies the type.
  output: ({ context }) => context.outcome ?? { kind: 'transport-closed', reason: 'stopped', ...base(context) },
});

function initialContext(input: StunTransactionInput): TransactionContext {
  const transactionId = input.request.transactionId ?? (input.random ?? cryptoRandom).bytes(TRANSACTION_ID_LENGTH);
  const requestBytes = encodeStunMessage(
    { method: input.request.method, class: 'request', transactionId, attributes: input.request.attributes },
    input.key === undefined ? {} : { key: input.key },
  );
  const transport = input.flow.transport;
  return {
    flow: input.flow,
    transport,
    requestBytes,
    transactionId: requestBytes.subarray(8, 8 + TRANSACTION_ID_LENGTH),
    method: methodName(input.request.method) ?? `0x${input.request.method.toString(16).padStart(3, '0')}`,
    key: input.key,
    schedule: scheduleFor(input.timing, transport),
    trace: input.trace,
    agent: input.agent,
    transmissions: 0,
    forged: undefined,
    outcome: undefined,
  };
}

/** A running transaction (`createActor(stunTransactionMachine, ...)`). */
export type StunTransactionActor = Actor<typeof stunTransactionMachine>;
