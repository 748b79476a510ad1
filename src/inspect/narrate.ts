/**
 * Narration: the trace in plain words, one line per thing a reader cares
 * about. A packet gets one line when its journey ends, showing every node it
 * crossed and every address a NAT rewrote on the way; mappings, links,
 * connections and the scenario's own notes get a line each.
 */
import type { Hop, TraceRecord } from '../sim/index.js';

/** How `narrate` and `narrateRecord` tell packets apart: by names of your choosing instead of bare ids. */
export interface NarrationOptions {
  /** Names for packets, e.g. a scenario's send labels. */
  readonly labels?: ReadonlyMap<number, string>;
}

/**
 * The trace in plain words: one line per thing a reader cares about, each
 * stamped with its virtual time. A packet gets one line when its journey
 * ends (delivered or dropped, and why), showing every node it crossed and
 * every address a NAT rewrote; mappings, links, connections and notes get a
 * line each.
 *
 * @example
 * for (const line of narrate(world.trace.records)) console.log(line);
 */
export function narrate(records: readonly TraceRecord[], options: NarrationOptions = {}): string[] {
  return records.flatMap((r) => {
    const line = narrateRecord(r, options);
    return line === undefined ? [] : [`${formatTime(r.t)}  ${line}`];
  });
}

/**
 * One record in plain words, without its time, or `undefined` for a record
 * that is told elsewhere (a packet's send and translations are told on its
 * delivery or drop) or not at this layer: for narrating a trace live, as
 * its records arrive (`trace.subscribe`).
 */
export function narrateRecord(record: TraceRecord, options: NarrationOptions = {}): string | undefined {
  switch (record.kind) {
    case 'note':
      return `— ${record.text}`;
    case 'packet.deliver': {
      const label = labelOf(record.packet, options);
      return `${label}${record.protocol}${segmentOf(record.segment)} ${journey(record.path)}  ✓ delivered to ${record.host} after ${round(record.t - record.sentAt)} ms`;
    }
    case 'packet.drop': {
      const label = labelOf(record.packet, options);
      return `${label}${record.protocol}${segmentOf(record.segment)} ${journey(record.path)}  ✗ dropped at ${record.at} (${record.reason}): ${record.detail}`;
    }
    case 'nat.mapping.create': {
      const scope = record.destination === undefined ? 'for every destination' : `for ${record.destination} only`;
      return `${record.nat} maps ${record.protocol} ${record.internal} → ${record.external} (${scope})`;
    }
    case 'nat.mapping.expire':
      return `${record.nat} forgets ${record.protocol} mapping ${record.internal} → ${record.external} after ${round(record.idleMs / 1000)} s idle`;
    case 'stream.state':
      return `tcp ${record.host} ${record.local} ↔ ${record.remote}: ${record.state}${record.reason ? ` (${record.reason})` : ''}`;
    case 'link.state':
      return `link ${record.interface} goes ${record.up ? 'up' : 'down'}`;
    default:
      // packet.send and nat.translate are told as part of the packet's line; upper layers' kinds narrate themselves.
      return undefined;
  }
}

/**
 * "a:1 → b:2  alice ▸ home-nat (src → c:3) ▸ server": the addresses the packet
 * left with, then each node it reached, with what that node rewrote.
 */
export function journey(path: readonly Hop[]): string {
  const first = path[0];
  if (!first) return '';
  const nodes = path.map((hop, i) => {
    // A hop holds the addresses as the packet arrived; a node's rewrite shows on the next hop.
    const next = path[i + 1];
    const changes: string[] = [];
    if (next && next.src !== hop.src) changes.push(`src → ${next.src}`);
    if (next && next.dst !== hop.dst) changes.push(`dst → ${next.dst}`);
    return changes.length ? `${hop.at} (${changes.join(', ')})` : hop.at;
  });
  return `${first.src} → ${first.dst}  ${nodes.join(' ▸ ')}`;
}

export function formatTime(t: number): string {
  return `${t.toFixed(3).padStart(10)} ms`;
}

function labelOf(packet: number, options: NarrationOptions): string {
  const label = options.labels?.get(packet);
  return label ? `[${label}] ` : '';
}

function segmentOf(segment: string | undefined): string {
  return segment ? ` ${segment}` : '';
}

function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
