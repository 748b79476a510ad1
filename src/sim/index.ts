/** Layer 1: the simulated world. */
export * from './address.js';
export * from './clock.js';
export * from './errors.js';
export * from './firewall.js';
export { Host, EPHEMERAL_PORTS, type BindOptions } from './host.js';
export * from './link.js';
export { NatBox } from './nat-box.js';
export * from './nat.js';
export type { Attachment, Packet, Realm, Segment, SegmentFlag } from './network.js';
export * from './profiles.js';
export * from './random.js';
export { SimTcpConnection, SimTcpListener, CONNECT_TIMEOUT_MS, SYN_RETRANSMIT_DELAYS_MS } from './stream.js';
export * from './topology.js';
export * from './trace.js';
export type * from './transport.js';
export { SimUdpSocket } from './udp.js';
export * from './world.js';
export * from './scenario.js';
