/**
 * What an operation of the client decides to do, as data: context to assign,
 * records to write, transactions to start, timers to (re)arm or cancel, bytes
 * to send, notifications to tell. The operations (operations.ts) are
 * pure functions from the context to `Effects`; the machine carries them out
 * in one place (`applyEffects` in machine.ts), in this order: records,
 * assignments, cancellations, timers, transactions, transmissions,
 * notifications, so that a trace reads "asked, then sent".
 */
import type { TraceKinds } from '../../sim/trace.js';
import type { StunTransactionInput } from '../../stun/transaction.js';
import type { TurnClientContext } from './context.js';
import type { TurnClientNotification } from './types.js';

/** Timers the machine raises to itself. */
export type TimerEvent =
  /** A CreatePermission group is due for its refresh. */
  | { readonly type: 'permission.due'; readonly group: string }
  /** A channel binding is due for its refresh. */
  | { readonly type: 'channel.due'; readonly key: string }
  /** A Refresh succeeded: the lifetime starts again. */
  | { readonly type: 'lifetime.renewed' };

type ClientKind = 'turn.client.allocation' | 'turn.client.permission' | 'turn.client.channel' | 'turn.client.data' | 'turn.client.ignore';

/** One `turn.client.*` record, without the fields every record gets (agent, server). */
export type ClientRecord = { [K in ClientKind]: { readonly kind: K; readonly fields: Omit<TraceKinds[K], 'agent' | 'server'> } }[ClientKind];

export interface Effects {
  readonly records?: readonly ClientRecord[];
  readonly assign?: Partial<TurnClientContext>;
  readonly cancel?: readonly string[];
  readonly timers?: readonly { readonly id: string; readonly delayMs: number; readonly event: TimerEvent }[];
  readonly spawn?: readonly { readonly id: string; readonly input: StunTransactionInput }[];
  readonly transmit?: readonly Uint8Array[];
  readonly notify?: readonly TurnClientNotification[];
}

/** `b` after `a`: lists concatenate, assignments merge (b's win). */
export function mergeEffects(a: Effects, b: Effects): Effects {
  return {
    records: [...(a.records ?? []), ...(b.records ?? [])],
    assign: { ...a.assign, ...b.assign },
    cancel: [...(a.cancel ?? []), ...(b.cancel ?? [])],
    timers: [...(a.timers ?? []), ...(b.timers ?? [])],
    spawn: [...(a.spawn ?? []), ...(b.spawn ?? [])],
    transmit: [...(a.transmit ?? []), ...(b.transmit ?? [])],
    notify: [...(a.notify ?? []), ...(b.notify ?? [])],
  };
}

/** The context after an operation's assignments: what a following operation must start from. */
export function contextAfter(context: TurnClientContext, effects: Effects): TurnClientContext {
  return effects.assign === undefined ? context : { ...context, ...effects.assign };
}
