/**
 * The ICE agent's environment on real sockets (node:dgram, node:net through
 * src/io/node's transports). Node-only: import it where sockets exist.
 *
 * There is no mDNS responder here (a browser runs one; node does not), so an
 * agent given this environment signals its raw host addresses, as a browser
 * does once the page may enumerate devices.
 *
 *     const agent = startIceAgent({ environment: nodeIceEnvironment({ interfaces: ['127.0.0.1'] }), ... });
 */
import { connectTcp } from '../io/node/tcp.js';
import { bindUdp } from '../io/node/udp.js';
import type { IceEnvironment } from './environment.js';

/** What `nodeIceEnvironment` is given: the addresses to gather on (the caller chooses; nothing is enumerated) and the TCP connect timeout. */
export interface NodeIceEnvironmentOptions {
  /** The addresses to gather host candidates on, e.g. ['127.0.0.1']. */
  readonly interfaces: readonly string[];
  /** TCP connect timeout to TURN servers, ms; 15 000 (`DEFAULT_CONNECT_TIMEOUT_MS`) by default. */
  readonly connectTimeoutMs?: number;
}

/**
 * The ICE agent's environment on real sockets: UDP sockets bound on the
 * given addresses (an ephemeral port each) and TCP connections to TURN
 * servers. No mDNS responder, so the agent signals raw host addresses.
 *
 * @example
 * const agent = startIceAgent({ environment: nodeIceEnvironment({ interfaces: ['127.0.0.1'] }), role: 'controlling' });
 */
export function nodeIceEnvironment(options: NodeIceEnvironmentOptions): IceEnvironment {
  return {
    interfaces: [...options.interfaces],
    bindUdp: (address) => bindUdp({ address, port: 0 }),
    connectTcp: (remote) => connectTcp(remote, options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  };
}
