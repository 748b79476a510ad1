/**
 * What `stun probe` says on standard error while it waits: each transmission
 * of the Binding request and how long it will wait for an answer before the
 * next, on the schedule of RFC 8489 §6.2.1 (UDP: RTO 500 ms, doubling, Rc = 7
 * transmissions, then Rm = 16 RTOs more) or §6.2.2 (TCP: one transmission,
 * Ti = 39.5 s), cut short by --timeout-ms.
 *
 * It reads the transaction's own trace records (`stun.request`,
 * `stun.retransmit`), so what it says is what the machine did, not a guess.
 */
import type { TraceKind, TraceKinds } from '../sim/trace.js';
import { resolveTiming, transmissionSchedule, type StunTiming } from '../stun/rto.js';
import type { StunTrace } from '../stun/trace.js';

export interface ProbeProgressOptions {
  /** The server as an address ("127.0.0.1:3478"). */
  readonly server: string;
  /** The server as the user wrote it (a name, perhaps). */
  readonly asked: string;
  readonly transport: 'udp' | 'tcp';
  readonly timing: Partial<StunTiming>;
  readonly say: (line: string) => void;
}

/** The lines, as a trace the transaction records into. */
export function probeProgress(options: ProbeProgressOptions): StunTrace {
  const schedule = transmissionSchedule(resolveTiming(options.timing), options.transport);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const total = schedule.sendAt.length;
  /** How long the n-th transmission (1-based) waits for an answer, and for what after it. */
  const wait = (n: number): string => {
    const at = schedule.sendAt[n - 1] ?? 0;
    const next = schedule.sendAt[n];
    if (next !== undefined) return `waiting ${seconds(next - at)} for an answer before sending it again`;
    return `waiting ${seconds(schedule.giveUpAt - at)} for an answer, then giving up`;
  };
  const where = options.asked === options.server ? options.server : `${options.asked} (${options.server})`;
  const rule =
    options.transport === 'udp'
      ? `RFC 8489 §6.2.1: up to ${total} transmission${total === 1 ? '' : 's'}, at ${schedule.sendAt.map((t) => (t / 1000).toString()).join(', ')} s; giving up at ${seconds(schedule.giveUpAt)}`
      : `RFC 8489 §6.2.2: one transmission over TCP; giving up at ${seconds(schedule.giveUpAt)}`;
  return {
    record<K extends TraceKind>(kind: K, fields: TraceKinds[K]) {
      if (kind === 'stun.request') {
        options.say(`asking ${where} over ${options.transport.toUpperCase()} which address it sees us at (${rule})`);
        const sent = options.transport === 'udp' ? 'sent the Binding request' : 'wrote the Binding request (TCP sends it once the connection opens)';
        options.say(`${sent} (transmission 1 of ${total}); ${wait(1)}`);
      } else if (kind === 'stun.retransmit') {
        const { attempt, waitedMs } = fields as TraceKinds['stun.retransmit'];
        options.say(`no answer in ${seconds(waitedMs)}; sent it again (transmission ${attempt} of ${total}); ${wait(attempt)}`);
      }
    },
  };
}
