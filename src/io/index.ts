/**
 * Layer 0: the IO contract every world implements (ARCHITECTURE.md). The
 * simulator's hosts and the real `node:dgram`/`node:net` sockets (in
 * `./node/`, exported only from `rtc-machines/node`) give the same shapes, so
 * the machines above run unchanged in both worlds.
 */
export { AddressError, addressFamily, formatAddress, isValidPort, parseTransportAddress, sameAddress, type AddressFamily, type Protocol, type TransportAddress } from './address.js';
export { realClock, type Clock } from './clock.js';
export { TransportError, type TransportErrorCode } from './errors.js';
export { cryptoRandom, type RandomSource } from './random.js';
export type { DatagramTransport, StreamState, StreamTransport } from './transport.js';
