/**
 * Links: what a datagram suffers between two attachments of a realm.
 *
 * Every attachment (a host's interface, a NAT's inside or outside) has its own
 * access link; one hop across a realm crosses the sender's link and then the
 * receiver's, so its delay is the sum of both, its loss the chance that either
 * loses it, and its MTU the smaller of the two.
 */
import type { SeededRandom } from './random.js';

/**
 * An access link as a topology spec writes it: every field optional, the
 * rest taken from `DEFAULT_LAN_LINK` or `DEFAULT_INTERNET_LINK` by where the
 * attachment is. A hop across a realm crosses the sender's link and then the
 * receiver's.
 */
export interface LinkSpec {
  /** One-way latency of this access link, ms. */
  readonly latencyMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs] per datagram, ms. Jitter can reorder datagrams, as on a real path. */
  readonly jitterMs?: number;
  /** Probability in [0, 1] that a datagram is lost on this link. */
  readonly loss?: number;
  /** Largest IP packet (header included) the link carries, bytes. */
  readonly mtu?: number;
}

/** An access link's quality with every field set (the units of `LinkSpec`: ms, a probability, bytes); what `world.setLinkQuality` changes. */
export interface LinkQuality {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly loss: number;
  readonly mtu: number;
}

/** A LAN attachment's link unless the spec says otherwise: 0.5 ms one way, no jitter, no loss, Ethernet's 1500-byte MTU. */
export const DEFAULT_LAN_LINK: LinkQuality = { latencyMs: 0.5, jitterMs: 0, loss: 0, mtu: 1500 };
/** An internet attachment's link unless the spec says otherwise: 10 ms one way, no jitter, no loss, 1500-byte MTU. */
export const DEFAULT_INTERNET_LINK: LinkQuality = { latencyMs: 10, jitterMs: 0, loss: 0, mtu: 1500 };

/** IPv4 header (20) + UDP header (8): the bytes a UDP datagram adds to its payload when it is measured against a link's MTU. */
export const UDP_OVERHEAD = 28;
/** IPv4 header (20) + TCP header (20, no options): the bytes a TCP segment adds to its payload when it is measured against a link's MTU. */
export const TCP_OVERHEAD = 40;

/** The smallest MTU every IPv4 link must carry (RFC 791). */
export const MIN_MTU = 68;

export function resolveLink(spec: LinkSpec | undefined, defaults: LinkQuality): LinkQuality {
  return {
    latencyMs: spec?.latencyMs ?? defaults.latencyMs,
    jitterMs: spec?.jitterMs ?? defaults.jitterMs,
    loss: spec?.loss ?? defaults.loss,
    mtu: spec?.mtu ?? defaults.mtu,
  };
}

/** What is wrong with a link spec, in words, or undefined when it is valid. */
export function linkProblem(spec: LinkSpec): string | undefined {
  const finiteNonNegative = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v >= 0);
  if (!finiteNonNegative(spec.latencyMs)) return `latencyMs must be a finite number >= 0, got ${spec.latencyMs}`;
  if (!finiteNonNegative(spec.jitterMs)) return `jitterMs must be a finite number >= 0, got ${spec.jitterMs}`;
  if (spec.loss !== undefined && !(Number.isFinite(spec.loss) && spec.loss >= 0 && spec.loss <= 1)) return `loss must be a probability in [0, 1], got ${spec.loss}`;
  if (spec.mtu !== undefined && !(Number.isInteger(spec.mtu) && spec.mtu >= MIN_MTU && spec.mtu <= 65535)) return `mtu must be an integer in [${MIN_MTU}, 65535], got ${spec.mtu}`;
  return undefined;
}

/** A link in a running world: its quality can change and it can go down (a scenario breaking the network). */
export class Link {
  up = true;

  constructor(
    public quality: LinkQuality,
    private readonly random: SeededRandom,
  ) {}

  /** One traversal's delay, rounded to the microsecond so traces stay short and exact. */
  sampleDelay(): number {
    const { latencyMs, jitterMs } = this.quality;
    const delay = jitterMs > 0 ? latencyMs + this.random.float() * jitterMs : latencyMs;
    return Math.round(delay * 1000) / 1000;
  }

  sampleLoss(): boolean {
    return this.random.chance(this.quality.loss);
  }
}
