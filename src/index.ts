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
export * from './io/index.js';
export * from './lab/index.js';
