/**
 * Running client transactions without writing the actor plumbing each time,
 * and the Binding request every STUN client starts with.
 *
 * In the simulator:
 *
 *     const pending = runStunTransaction({ flow: datagramFlow(socket, server), request: bindingRequest(),
 *                                          random: world.random.fork('alice:stun'), trace: world.trace },
 *                                        { clock: world.clock });
 *     const outcome = await pending;   // the world runs while the program waits (src/stun/actor.ts)
 *
 * In the real world, the same without `clock` (real timers) and `random` (crypto).
 */
import { formatAddress, type TransportAddress } from '../io/address.js';
import { findAttribute, type StunAttribute } from '../wire/stun/attribute-types.js';
import { StunMethod } from '../wire/stun/header.js';
import type { StunMessage } from '../wire/stun/message.js';
import { startActor, waitOnClock, type ActorClockOptions } from './actor.js';
import { stunTransactionMachine, type StunRequest, type StunTransactionActor, type StunTransactionInput, type StunTransactionOutcome } from './transaction.js';

/** What a Binding request carries besides its method. */
export interface BindingRequestOptions {
  /** SOFTWARE, when given (RFC 8489 §14.14). */
  readonly software?: string;
  /** Append FINGERPRINT (RFC 8489 §14.7); default true, as it helps a shared port tell STUN apart. */
  readonly fingerprint?: boolean;
  readonly transactionId?: Uint8Array;
}

/** A Binding request (RFC 8489 §3): "what address did this come from?". */
export function bindingRequest(options: BindingRequestOptions = {}): StunRequest {
  const attributes: StunAttribute[] = [];
  if (options.software !== undefined) attributes.push({ type: 'SOFTWARE', value: options.software });
  if (options.fingerprint !== false) attributes.push({ type: 'FINGERPRINT' });
  return { method: StunMethod.Binding, attributes, ...(options.transactionId !== undefined ? { transactionId: options.transactionId } : {}) };
}

/**
 * The reflexive address a Binding success response reports: XOR-MAPPED-ADDRESS,
 * or MAPPED-ADDRESS from a server that predates RFC 5389 (RFC 8489 §14.1, §14.2).
 */
export function mappedAddress(response: StunMessage): TransportAddress | undefined {
  return (findAttribute(response, 'XOR-MAPPED-ADDRESS') ?? findAttribute(response, 'MAPPED-ADDRESS'))?.value;
}

/** The transaction's clock: a VirtualClock in the simulator; real timers by default. */
export type StunRunOptions = ActorClockOptions;

/**
 * Creates and starts a STUN client transaction (RFC 8489 §6.2) on the given
 * clock (real timers without one), and returns its actor, to watch its
 * states or stop it; its output is the `StunTransactionOutcome`. For just the
 * outcome, use `runStunTransaction`.
 */
export function startStunTransaction(input: StunTransactionInput, options: StunRunOptions = {}): StunTransactionActor {
  return startActor(stunTransactionMachine, input, options);
}

/**
 * Starts a transaction and resolves with its outcome (never rejects for
 * network reasons: outcomes are values). On a simulated clock the world runs
 * while the program awaits it; it rejects with a `WorldIdleError` only if the
 * world has nothing left to run before the outcome.
 */
export function runStunTransaction(input: StunTransactionInput, options: StunRunOptions = {}): Promise<StunTransactionOutcome> {
  let actor: StunTransactionActor;
  try {
    actor = startStunTransaction(input, options);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error))); // bad timing: a rejection, as promised
  }
  const what = `runStunTransaction (a ${actor.getSnapshot().context.method} request to ${formatAddress(input.flow.remote)})`;
  return waitOnClock<StunTransactionOutcome>(actor.clock, what, (resolve, reject) => {
    const check = () => {
      const snapshot = actor.getSnapshot();
      if (snapshot.status === 'done') resolve(snapshot.output);
      else if (snapshot.status === 'error') reject(snapshot.error instanceof Error ? snapshot.error : new Error(String(snapshot.error)));
      else if (snapshot.status === 'stopped') reject(new Error(`${what} was stopped before it had an outcome`));
    };
    check();
    const subscription = actor.subscribe({ next: check, error: check, complete: check });
    return () => subscription.unsubscribe();
  });
}
