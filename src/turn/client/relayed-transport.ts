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
 */
import type { TransportAddress } from '../../io/address.js';
import type { DatagramTransport } from '../../io/transport.js';
import { TransportError } from '../../io/errors.js';
import type { TurnClientActor } from './machine.js';
import { invalidPeer } from './requests.js';

const NO_ADDRESS: TransportAddress = { address: '0.0.0.0', port: 0 };

export function relayedTransport(actor: TurnClientActor): DatagramTransport {
  let closedByUs = false;
  const closed = () => closedByUs || actor.getSnapshot().status !== 'active';
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
      // Copied: the caller may reuse its buffer before the actor takes the event (it may be busy with another).
      actor.send({ type: 'send', peer: { address: to.address, port: to.port }, data: data.slice() });
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
      actor.send({ type: 'release' });
    },
  };
}
