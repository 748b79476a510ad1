/**
 * Getting a relayed transport address: the one effect of the TURN server
 * that differs between the worlds. In the simulator it is a host's `bindUdp`
 * (synchronous); on real sockets a `node:dgram` socket on the relay IP
 * (asynchronous). `relayBinder` turns either into the XState callback actor
 * the server machine invokes as `bindRelay`, and implements EVEN-PORT on top
 * of a plain "bind a UDP port" function (RFC 8656 §7.2 step 7):
 *
 * - EVEN-PORT asks for an even port: bind any port, and try again while it is
 *   odd (each try has an even chance);
 * - with the R bit, the next-higher port is reserved too, for a later Allocate
 *   that presents the RESERVATION-TOKEN (RTP on the even port, RTCP next to it).
 *
 * When binding is synchronous the result is sent back synchronously, so in
 * the simulator the Allocate is answered at the very virtual instant it
 * arrived. If the server stops waiting (the client's connection closed), the
 * sockets that arrive afterwards are closed, never leaked.
 */
import { fromCallback, type CallbackActorLogic, type EventObject } from 'xstate';
import type { DatagramTransport } from '../../io/transport.js';

/** Binds one UDP socket on the relay address: port 0 for any free port, else exactly that port (throwing or rejecting when it is taken). */
export type BindRelaySocket = (port: number) => DatagramTransport | PromiseLike<DatagramTransport>;

export interface RelayRequest {
  /** The relayed port must be even (EVEN-PORT). */
  readonly evenPort: boolean;
  /** Reserve the next-higher port as well (EVEN-PORT with the R bit). */
  readonly reserveNext: boolean;
}

export interface RelayBindInput {
  /** The 5-tuple key of the allocation being created; it comes back in the result. */
  readonly key: string;
  readonly request: RelayRequest;
  /** The injected clock: stamps the result with the instant it arrived. */
  readonly now: () => number;
  /** The server's `relaySocket` (its input), for a binder made without a function of its own. */
  readonly bind?: BindRelaySocket;
}

export type RelayBindEvent =
  | { readonly type: 'relay.bound'; readonly key: string; readonly relay: DatagramTransport; readonly reserved?: DatagramTransport; readonly at: number }
  | { readonly type: 'relay.failed'; readonly key: string; readonly reason: string; readonly at: number };

export interface RelayBinderOptions {
  /** How many sockets to try for an even port (and a free one after it). Default 16. */
  readonly attempts?: number;
}

export type RelayBinderLogic = CallbackActorLogic<EventObject, RelayBindInput>;

/**
 * The `bindRelay` actor, from a way to bind one UDP port: `bind` here (for
 * `machine.provide({ actors: { bindRelay } })`), or else the server input's
 * `relaySocket`, which is how the machine's own default binds. Without either,
 * every Allocate fails with 508 and a message saying how to give one.
 */
export function relayBinder(bind?: BindRelaySocket, options: RelayBinderOptions = {}): RelayBinderLogic {
  const attempts = options.attempts ?? 16;
  return fromCallback<EventObject, RelayBindInput>(({ input, sendBack }) => {
    let cancelled = false;
    const { key, request, now } = input;
    const socket = bind ?? input.bind;
    const finish = (relay: DatagramTransport, reserved?: DatagramTransport) => {
      if (cancelled) {
        relay.close();
        reserved?.close();
        return;
      }
      const event: RelayBindEvent = { type: 'relay.bound', key, relay, ...(reserved !== undefined ? { reserved } : {}), at: now() };
      sendBack(event);
    };
    const fail = (reason: string) => {
      if (cancelled) return;
      const event: RelayBindEvent = { type: 'relay.failed', key, reason, at: now() };
      sendBack(event);
    };

    const attempt = (n: number): void => {
      if (socket === undefined) return fail(NO_BINDER);
      if (n >= attempts) return fail(request.evenPort ? `no even port${request.reserveNext ? ' with a free port after it' : ''} in ${attempts} tries` : `binding failed ${attempts} times`);
      bindOne(socket, 0, (relay) => {
        if (!request.evenPort) return finish(relay);
        if (relay.local.port % 2 !== 0 || (request.reserveNext && relay.local.port === 65534)) {
          relay.close();
          return attempt(n + 1);
        }
        if (!request.reserveNext) return finish(relay);
        bindOne(
          socket,
          relay.local.port + 1,
          (reserved) => finish(relay, reserved),
          () => {
            relay.close();
            attempt(n + 1);
          },
        );
      }, (error) => (request.evenPort ? attempt(n + 1) : fail(`cannot bind a relay port: ${String(error)}`)));
    };
    attempt(0);
    return () => {
      cancelled = true;
    };
  });
}

/** Calls `bind(port)` and continues with its socket, synchronously when it is synchronous. */
function bindOne(bind: BindRelaySocket, port: number, then: (socket: DatagramTransport) => void, otherwise: (error: unknown) => void): void {
  let result: DatagramTransport | PromiseLike<DatagramTransport>;
  try {
    result = bind(port);
  } catch (error) {
    return otherwise(error);
  }
  if (isPromiseLike(result)) result.then(then, otherwise);
  else then(result);
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

const NO_BINDER = "no relay binder: give the server's input a relaySocket, or provide one with turnServerMachine.provide({ actors: { bindRelay: relayBinder(...) } })";

/** A `bindRelay` that fails every Allocate with 508, saying how to give the server a way to bind. */
export const noRelayBinder: RelayBinderLogic = fromCallback<EventObject, RelayBindInput>(({ input, sendBack }) => {
  const event: RelayBindEvent = { type: 'relay.failed', key: input.key, reason: NO_BINDER, at: input.now() };
  sendBack(event);
});
