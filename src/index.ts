/**
 * rtc-machines: the package entry. Layer by layer (../shared/ARCHITECTURE.md):
 * the simulated world, the byte-exact codecs, and the tracing helpers.
 */
export * from './sim/index.js';
export * from './wire/index.js';
export { narrate, narrateRecord, journey, type NarrationOptions } from './inspect/narrate.js';
export { pcapFromTrace, writePcapFile, PCAP_EPOCH_SECONDS, type PcapOptions } from './inspect/pcap.js';
export { summarize, summaryTable, inferMapping, type InferredMapping, type MappingObservation } from './inspect/summary.js';
// Both layers name an ip:port a TransportAddress; the codec's also carries the address family.
export type { TransportAddress } from './sim/index.js';
export type { TransportAddress as StunTransportAddress } from './wire/index.js';
