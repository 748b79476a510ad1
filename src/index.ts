/**
 * rtc-machines: the package entry. Layer by layer (../shared/ARCHITECTURE.md):
 * the simulated world, the byte-exact codecs, STUN and TURN machines, ICE, and the tracing helpers.
 */
export * from './sim/index.js';
export * from './wire/index.js';
export * from './stun/index.js';
export * from './turn/index.js';
export * from './ice/index.js';
export { narrate, narrateRecord, journey, type NarrationOptions } from './inspect/narrate.js';
export { pcapFromTrace, writePcapFile, PCAP_EPOCH_SECONDS, type PcapOptions } from './inspect/pcap.js';
export { summarize, summaryTable, inferMapping, type InferredMapping, type MappingObservation } from './inspect/summary.js';
// Both layers name an ip:port a TransportAddress; the codec's also carries the address family.
export type { TransportAddress } from './sim/index.js';
export type { TransportAddress as StunTransportAddress } from './wire/index.js';
// The codec's AddressFamily is the STUN Family octet; ICE's is 'ipv4' | 'ipv6'.
export { AddressFamily } from './wire/index.js';
export type { AddressFamily as IceAddressFamily } from './ice/index.js';
export { matrixTables, matrixJsonLines } from './inspect/matrix-table.js';
