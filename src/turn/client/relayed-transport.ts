/**
 * The allocation as a socket: a `DatagramTransport` whose local address is
 * the relayed transport address, whose `send` goes to a peer through the
 * TURN server, and whose messages are what peers sent to the relayed address.
 *
 * This is how an ICE agent uses a relay candidate like any other (RFC 8445
 * §5.1.1.2: a relayed candidate's base is itself): `datagramFlow(relayed,
 * remoteCandidate)` gives the STUN client transaction a flow for its
 * connectivity checks, and their answers come back the same way. What the
 * transport cannot do, a UDP socket could not either: sending to an address
 * that is not one throws `EINVAL`, sending after `close` throws `ECLOSED`
 * (with the codes of the simulator's and the real sockets' errors). The
 * permissions the peers need are the caller's to ask for (`permission.create`,
 * or `channel.bind`), as with libwebrtc's TurnPort, whose connections each
 * create theirs.
 *
 * `close()` releases the allocation (RFC 8656 §8.1); the transport is closed
 * too once the client has ended for any reason.
 *
 * When the client acts on what is sent: after the task that sent it, like a
 * socket's buffer. The senders are other actors' actions (a STUN
 * transaction transmits from its entry action; the ICE agent closes its
 * transports from one), and an actor that is sent an event processes it at
 * once when it is idle: the client would take its whole step inside another
 * actor's action, where XState forbids building actions (`enqueue.sendTo`
 * warns "Custom actions should not call `sendTo()` directly"), and its
 * effects would interleave with the sender's. So `send` and `close` check
 * what a socket checks at once (closed, not an address: thrown) and post the
 * rest to an outbox that the client's own clock drains, in order, with no
 * delay: on the simulator's clock an event at the same virtual instant
 * (deterministic, no time passes), on real timers the next turn of the loop.
 * What is posted after the client has ended is dropped, as a closed socket
 * drops what it had not sent.
 */
import type { TransportAddress } from '../../io/address.js';
import type { DatagramTransport } from '../../io/transport.js';
import { TransportError } from '../../io/errors.js';
import type { TurnClientActor } from './machine.js';
import { invalidPeer } from './requests.js';
import type { TurnClientCommand } from './types.js';

const NO_ADDRESS: TransportAddress = { address: '0.0.0.0', port: 0 };

/** The TURN client's allocation as a `DatagramTransport`: sends go to peers through the server (see the top of this file). */
export function relayedTransport(actor: TurnClientActor): DatagramTransport {
  let closedByUs = false;
  const closed = () => closedByUs || actor.getSnapshot().status !== 'active';
  const outbox: TurnClientCommand[] = [];
  let draining = false;
  const drain = () => {
    draining = false;
    const commands = outbox.splice(0);
    for (const command of commands) if (actor.getSnapshot().status === 'active') actor.send(command);
  };
  const post = (command: TurnClientCommand) => {
    outbox.push(command);
    if (draining) return;
    draining = true;
    actor.clock.setTimeout(drain, 0);
  };
  return {
    /** The relayed transport address; 0.0.0.0:0 until the allocation exists. */
    get local() {
      return actor.getSnapshot().context.allocation?.relayed ?? NO_ADDRESS;
    },
    get closed() {
      return closed();
    },
    send(data, to) {
      if (closed()) throw new TransportError('ECLOSED', 'send on a closed relayed transport (the allocation ended or was released)');
      if (!(data instanceof Uint8Array)) throw new TransportError('EINVAL', 'send needs a Uint8Array');
      const bad = invalidPeer(to);
      if (bad !== undefined) throw new TransportError('EINVAL', `cannot send to ${JSON.stringify(to)}: ${bad}`);
      // Copied: the caller may reuse its buffer before the client takes it from the outbox.
      post({ type: 'send', peer: { address: to.address, port: to.port }, data: data.slice() });
    },
    onMessage(handler) {
      const subscription = actor.on('turn.data', (event) => {
        if (!closedByUs) handler(event.data, event.peer);
      });
      return () => subscription.unsubscribe();
    },
    close() {
      if (closed()) return;
      closedByUs = true;
      post({ type: 'release' });
    },
  };
}
