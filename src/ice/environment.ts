/**
 * What the ICE agent is provided with from outside (ARCHITECTURE.md,
 * principle 6: same machine, two worlds): the host's addresses, sockets,
 * TCP connections and, where there is one, an mDNS responder. Time,
 * randomness and the trace come in through the agent's input and clock.
 *
 * Two implementations: {@link simIceEnvironment} for a host of the simulated
 * world (its sockets, its LAN's mDNS responders), and `nodeIceEnvironment`
 * (environment-node.ts, node-only) for real sockets.
 */
import type { TransportAddress } from '../io/address.js';
import type { Host } from '../sim/host.js';
import type { MdnsResponders } from '../sim/mdns.js';
import type { DatagramTransport, StreamTransport } from '../io/transport.js';

/** mDNS as host candidates use it (draft-ietf-mmusic-mdns-ice-candidates). */
export interface IceMdns {
  /** A fresh `<uuid>.local` name that answers for `address` on its LAN. */
  register(address: string): string;
  /** Resolves a peer's `.local` name; `undefined` when nobody on our LANs answers. */
  resolve(name: string, onAnswer: (address: string | undefined) => void): void;
}

/**
 * What the ICE agent is given from the world it runs in: the host's
 * interface addresses, how to bind UDP sockets on them and connect over TCP
 * to TURN servers, and an mDNS responder where there is one. Make one with
 * `simIceEnvironment` (simulated host) or `nodeIceEnvironment` (real
 * sockets).
 */
export interface IceEnvironment {
  /** The host's IP addresses, one per interface, in the order candidates are gathered. */
  readonly interfaces: readonly string[];
  /**
   * A UDP socket on `address`, on a port the system chooses. Synchronous in
   * the simulator (it must be: the world runs on virtual time), a promise for
   * real sockets.
   */
  bindUdp(address: string): DatagramTransport | Promise<DatagramTransport>;
  /** A TCP connection to a TURN server (RFC 8656 §3.1); it may still be connecting. */
  connectTcp(remote: TransportAddress): StreamTransport;
  /** Absent where no responder exists: the agent then signals raw host addresses. */
  readonly mdns?: IceMdns;
}

/**
 * The environment of a simulated host: its interfaces' addresses, its
 * sockets, and the world's mDNS responders (which answer only on the
 * querier's own LANs, RFC 6762 §2).
 *
 *     const env = simIceEnvironment(world.host('alice'), world.mdns);
 */
export function simIceEnvironment(host: Host, mdns?: MdnsResponders): IceEnvironment {
  const base: IceEnvironment = {
    interfaces: host.addresses,
    bindUdp: (address) => host.bindUdp({ address }),
    connectTcp: (remote) => host.connectTcp(remote),
  };
  if (mdns === undefined) return base;
  return {
    ...base,
    mdns: {
      register(address) {
        const attachment = host.interfaces.find((i) => i.address === address);
        if (attachment === undefined) throw new RangeError(`${host.id} has no interface ${address}`);
        return mdns.register(host.id, attachment);
      },
      resolve: (name, onAnswer) => mdns.query(host, name, onAnswer),
    },
  };
}
