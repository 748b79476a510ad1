/**
 * Writing a trace's pcap to a file: the one part of pcap export that needs
 * Node's file system, so it lives apart from pcap.ts and is exported only
 * from `rtc-machines/node`.
 */
import { writeFileSync } from 'node:fs';
import type { TraceRecord } from '../sim/trace.js';
import { pcapFromTrace, type PcapOptions } from './pcap.js';

/** Writes `pcapFromTrace(records, options)` to `path` (a classic pcap file Wireshark and tshark open). */
export function writePcapFile(path: string, records: readonly TraceRecord[], options?: PcapOptions): void {
  writeFileSync(path, pcapFromTrace(records, options));
}
