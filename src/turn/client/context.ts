/**
 * The TURN client machine's context, how it starts, and the small pure helpers
 * its actions share: the input of a STUN transaction for a request, the
 * verdict on its outcome (computed once per outcome), and the records and
 * notifications that say what happened.
 */
import { cryptoRandom, type RandomSource } from '../../io/random.js';
import type { StunTransactionInput, StunTransactionOutcome } from '../../stun/transaction.js';
import type { TraceKinds } from '../../sim/trace.js';
import { buildRequest, judgeOutcome, readAllocation, readLifetime, type Attempt, type ClientAuth, type TurnRequestPurpose } from './requests.js';
import type { Channels, PendingRequest, Permissions } from './peers.js';
import { DEFAULT_KEEPALIVE_INTERVAL_MS } from './timing.js';
import { endpointOf, type TurnClientTrace } from './trace.js';
import { tracing } from '../../stun/trace.js';
import type { RequestFailure, TurnAllocation, TurnClientEnd, TurnClientInput, TurnClientNotification } from './types.js';

export interface TurnClientContext {
  readonly input: TurnClientInput;
  /** The server's transport address as "ip:port", for the trace. */
  readonly server: string;
  readonly random: RandomSource;
  /** Over UDP and not turned off: ms between keepalives; 0 otherwise. */
  readonly keepaliveMs: number;
  readonly auth: ClientAuth;
  /** The attempt of the Allocate, Refresh or release request in flight (the one run by an invoked transaction). */
  readonly attempt: Attempt;
  readonly allocation: TurnAllocation | undefined;
  /** LIFETIME asked for by an on-demand `refresh`, used by the next Refresh only. */
  readonly refreshLifetime: number | undefined;
  /** `release` came while the Allocate was in flight: release as soon as it succeeds. */
  readonly releaseWanted: boolean;
  readonly permissions: Permissions;
  readonly channels: Channels;
  /** The next channel number to try (RFC 8656 §12: 0x4000 up). */
  readonly nextChannel: number;
  /** CreatePermission and ChannelBind requests in flight, by transaction actor id. */
  readonly requests: Readonly<Record<string, PendingRequest>>;
  readonly requestCount: number;
  readonly end: TurnClientEnd | undefined;
}

const FIRST_ATTEMPT_UNSIGNED: Attempt = { signed: false, staleRetried: false };

export function initialContext(input: TurnClientInput): TurnClientContext {
  const keepalive = input.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
  return {
    input,
    server: endpointOf(input.flow.remote),
    random: input.random ?? cryptoRandom,
    keepaliveMs: input.flow.transport === 'udp' && Number.isFinite(keepalive) && keepalive > 0 ? Math.min(keepalive, 2 ** 31 - 1) : 0,
    auth: { username: input.credentials.username, password: input.credentials.password },
    // The first Allocate goes without credentials: the realm and nonce come with the 401 (RFC 8489 §9.2.3).
    attempt: FIRST_ATTEMPT_UNSIGNED,
    allocation: undefined,
    refreshLifetime: undefined,
    releaseWanted: false,
    permissions: {},
    channels: {},
    nextChannel: 0x4000,
    requests: {},
    requestCount: 0,
    end: undefined,
  };
}

/** A fresh attempt of a request, signed when the credentials are complete. */
export function freshAttempt(auth: ClientAuth): Attempt {
  return { signed: auth.key !== undefined && auth.nonce !== undefined, staleRetried: false };
}

/** The STUN transaction that carries a request. */
export function transactionInput(context: TurnClientContext, purpose: TurnRequestPurpose): StunTransactionInput {
  const { input } = context;
  const { request, key } = buildRequest(purpose, context.auth, input.software);
  return {
    flow: input.flow,
    request,
    random: context.random,
    ...(key !== undefined ? { key } : {}),
    ...(input.timing !== undefined ? { timing: input.timing } : {}),
    ...(input.trace !== undefined ? { trace: input.trace } : {}),
    ...(input.agent !== undefined ? { agent: input.agent } : {}),
  };
}

/** A verdict with what a success carries for the request's method. */
export type Verdict =
  | { readonly verdict: 'success'; readonly allocation?: TurnAllocation; readonly lifetime?: number }
  | { readonly verdict: 'retry'; readonly why: 'challenged' | 'stale-nonce'; readonly auth: ClientAuth }
  | { readonly verdict: 'failure'; readonly failure: RequestFailure };

// Guards and actions ask about the same outcome several times; judge it once (an outcome belongs to one done event).
const verdicts = new WeakMap<StunTransactionOutcome, Verdict>();

/** What is judged: a request's purpose, or the release (a Refresh whose success carries nothing to read). */
export type JudgedKind = TurnRequestPurpose['kind'] | 'release';

/** What an outcome means for a request of `kind`, made with `attempt`. */
export function verdictOf(context: TurnClientContext, outcome: StunTransactionOutcome, kind: JudgedKind, attempt: Attempt): Verdict {
  let verdict = verdicts.get(outcome);
  if (verdict !== undefined) return verdict;
  const judged = judgeOutcome(outcome, context.auth, attempt);
  if (judged.verdict !== 'success') verdict = judged;
  else if (kind === 'allocate') {
    const read = readAllocation(judged.response);
    verdict = read.ok ? { verdict: 'success', allocation: read.allocation } : { verdict: 'failure', failure: read.failure };
  } else if (kind === 'refresh') {
    const read = readLifetime(judged.response);
    verdict = read.ok ? { verdict: 'success', lifetime: read.lifetime } : { verdict: 'failure', failure: read.failure };
  } else verdict = { verdict: 'success' };
  verdicts.set(outcome, verdict);
  return verdict;
}

/** The notification, stamped with the client's agent. */
export function notification(context: TurnClientContext, event: TurnClientNotification): TurnClientNotification {
  return context.input.agent === undefined ? event : { ...event, client: context.input.agent };
}

/** Writes one `turn.client.*` record, with the fields every one of them carries. */
export function record<K extends 'turn.client.allocation' | 'turn.client.permission' | 'turn.client.channel' | 'turn.client.data' | 'turn.client.ignore'>(
  context: TurnClientContext,
  kind: K,
  fields: Omit<TraceKinds[K], 'agent' | 'server'>,
): void {
  const trace: TurnClientTrace | undefined = context.input.trace;
  // Nobody reads it (a large untraced run): do not build the record.
  if (!tracing(trace)) return;
  const common = { ...(context.input.agent !== undefined ? { agent: context.input.agent } : {}), server: context.server };
  trace.record(kind, { ...common, ...fields } as TraceKinds[K]);
}
