/**
 * Running client transactions without writing the actor plumbing each time,
 * and the Binding request every STUN client starts with.
 *
 * In the simulator:
 *
 *     const pending = runStunTransaction({ flow: datagramFlow(socket, server), request: bindingRequest(),
 *                                          random: world.random.fork('alice:stun'), trace: world.trace },
 *                                        { clock: world.clock });
 *     world.run();
 *     const outcome = await pending;
 *
 * In the real world, the same without `clock` (real timers) and `random` (crypto).
 */
import { createActor, toPromise } from 'xstate';
import type { TransportAddress } from '../io/address.js';
import { findAttribute, type StunAttribute } from '../wire/stun/attribute-types.js';
import { StunMethod } from '../wire/stun/header.js';
import type { StunMessage } from '../wire/stun/message.js';
import type { Clock } from '../io/clock.js';
import { stunTransactionMachine, type StunRequest, type StunTransactionActor, type StunTransactionInput, type StunTransactionOutcome } from './transaction.js';

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

export interface StunRunOptions {
  /** The actor's clock: a VirtualClock in the simulator; real timers by default. */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/** Creates and starts a transaction actor. */
export function startStunTransaction(input: StunTransactionInput, options: StunRunOptions = {}): StunTransactionActor {
  const actor = createActor(stunTransactionMachine, { input, ...(options.clock !== undefined ? { clock: options.clock } : {}) });
  actor.start();
  return actor;
}

/** Starts a transaction and resolves with its outcome (never rejects for network reasons: outcomes are values). */
export function runStunTransaction(input: StunTransactionInput, options: StunRunOptions = {}): Promise<StunTransactionOutcome> {
  return toPromise(startStunTransaction(input, options));
}
