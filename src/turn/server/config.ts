/**
 * What a TURN server is configured with, and the numbers RFC 8656 fixes.
 *
 * Configuration is trusted (the operator wrote it), so a value that makes no
 * sense is a programming error and `resolveServerConfig` throws a
 * `TurnConfigError`; what clients send is untrusted and never throws.
 */
import type { ChannelNumberRange } from './channels.js';
import { compilePeerPolicy, type PeerPolicy, type PeerPolicySpec } from './peer-policy.js';

/** RFC 8656 §7.2: "the default lifetime is 10 minutes". */
export const DEFAULT_ALLOCATION_LIFETIME_S = 600;
/** RFC 8656 §7.2 suggests one hour as the maximum a server grants. */
export const MAX_ALLOCATION_LIFETIME_S = 3600;
/** RFC 8656 §9: "The Permission Lifetime MUST be 300 seconds (= 5 minutes)". */
export const PERMISSION_LIFETIME_S = 300;
/** RFC 8656 §12: a channel binding lasts 10 minutes unless refreshed. */
export const CHANNEL_LIFETIME_S = 600;
/** RFC 8656 §7.2: a port reserved by EVEN-PORT (R bit) is held "for about 30 seconds". */
export const RESERVATION_LIFETIME_S = 30;
/** How long a nonce stays fresh by default; coturn's default too (its `stale-nonce`). */
export const DEFAULT_NONCE_LIFETIME_S = 600;
/** SOFTWARE of the server's responses by default (RFC 8489 §14.14). */
export const DEFAULT_TURN_SOFTWARE = 'rtc-machines';
/** Allocations one username may hold at once, by default (RFC 8656 §7.2, 486 Allocation Quota Reached). */
export const DEFAULT_ALLOCATION_QUOTA = 10;

/**
 * What a TURN server (RFC 8656) is configured with by its operator: the
 * realm and users of the long-term credentials (RFC 8489 §9.2), and
 * optionally SOFTWARE, lifetimes (s), the per-user allocation quota, the
 * peer policy and the channel-number range. Unset fields take RFC 8656's
 * defaults.
 */
export interface TurnServerConfig {
  /** REALM of the long-term credentials (RFC 8489 §9.2). */
  readonly realm: string;
  /** Long-term credentials: username → password. */
  readonly users: Readonly<Record<string, string>>;
  /** SOFTWARE in every response; `DEFAULT_TURN_SOFTWARE` by default, none when ''. */
  readonly software?: string;
  /** Lifetime granted when a client asks for less or nothing (RFC 8656 §7.2). Default 600 s. */
  readonly defaultLifetimeSeconds?: number;
  /** The most a client gets, whatever LIFETIME asks (RFC 8656 §7.2). Default 3600 s. */
  readonly maxLifetimeSeconds?: number;
  /** A nonce older than this gets 438 Stale Nonce (RFC 8489 §9.2.4). Default 600 s. */
  readonly nonceLifetimeSeconds?: number;
  /** Allocations per username at once before 486 (RFC 8656 §7.2). Default 10; `Infinity` for no limit. */
  readonly allocationQuota?: number;
  /** Which peers may be relayed to and from (403 for the others, RFC 8656 §9.1, §21.3). */
  readonly peers?: PeerPolicySpec;
  /**
   * Channel numbers accepted by ChannelBind: 'rfc8656' (0x4000-0x4FFF, the default) or 'rfc5766'
   * (0x4000-0x7FFF, for clients of the older RFC such as coturn's turnutils_uclient); see channels.ts.
   */
  readonly channelNumbers?: ChannelNumberRange;
}

/** A configuration with every default applied and the peer policy compiled. */
export interface ResolvedServerConfig {
  readonly realm: string;
  readonly users: ReadonlyMap<string, string>;
  readonly software: string;
  readonly defaultLifetimeSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly nonceLifetimeSeconds: number;
  readonly allocationQuota: number;
  readonly peers: PeerPolicy;
  readonly channelNumbers: ChannelNumberRange;
}

/**
 * A TURN server configuration that makes no sense: no realm, a user without
 * a password, a lifetime or quota that is not positive. A programming error
 * (the operator's configuration is trusted), so it is thrown, naming the
 * field; the server actor fails with it when it starts.
 */
export class TurnConfigError extends Error {
  override readonly name = 'TurnConfigError';
}

/** @throws TurnConfigError for a missing realm, a user without a password, or lifetimes and quotas that are not positive. */
export function resolveServerConfig(config: TurnServerConfig): ResolvedServerConfig {
  if (typeof config.realm !== 'string' || config.realm === '') throw new TurnConfigError('realm must be a non-empty string');
  const users = new Map<string, string>();
  for (const [name, password] of Object.entries(config.users ?? {})) {
    if (typeof password !== 'string') throw new TurnConfigError(`user ${JSON.stringify(name)} has no password string`);
    users.set(name, password);
  }
  const positive = (name: string, value: number | undefined, fallback: number, integer = true): number => {
    const v = value ?? fallback;
    const ok = v === Infinity ? !integer : Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
    if (!ok) throw new TurnConfigError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
    return v;
  };
  const defaultLifetimeSeconds = positive('defaultLifetimeSeconds', config.defaultLifetimeSeconds, DEFAULT_ALLOCATION_LIFETIME_S);
  const maxLifetimeSeconds = positive('maxLifetimeSeconds', config.maxLifetimeSeconds, MAX_ALLOCATION_LIFETIME_S);
  if (maxLifetimeSeconds < defaultLifetimeSeconds) {
    throw new TurnConfigError(`maxLifetimeSeconds (${maxLifetimeSeconds}) is below defaultLifetimeSeconds (${defaultLifetimeSeconds})`);
  }
  const quota = config.allocationQuota ?? DEFAULT_ALLOCATION_QUOTA;
  if (!(quota === Infinity || (Number.isInteger(quota) && quota >= 0))) {
    throw new TurnConfigError(`allocationQuota must be a whole number or Infinity, got ${String(config.allocationQuota)}`);
  }
  return {
    realm: config.realm,
    users,
    software: config.software ?? DEFAULT_TURN_SOFTWARE,
    defaultLifetimeSeconds,
    maxLifetimeSeconds,
    nonceLifetimeSeconds: positive('nonceLifetimeSeconds', config.nonceLifetimeSeconds, DEFAULT_NONCE_LIFETIME_S, false),
    allocationQuota: quota,
    peers: compilePeerPolicy(config.peers),
    channelNumbers: channelNumbers(config.channelNumbers),
  };
}

function channelNumbers(range: ChannelNumberRange | undefined): ChannelNumberRange {
  if (range === undefined || range === 'rfc8656' || range === 'rfc5766') return range ?? 'rfc8656';
  throw new TurnConfigError(`channelNumbers must be 'rfc8656' or 'rfc5766', got ${JSON.stringify(range)}`);
}

/**
 * The lifetime a request gets, in seconds (RFC 8656 §7.2 for Allocate, §7.3
 * for Refresh): the client's LIFETIME capped at the maximum, but never below
 * the default; the default when it asked for nothing. (Refresh with LIFETIME
 * 0 deletes, and is handled before this.)
 */
export function grantedLifetime(config: Pick<ResolvedServerConfig, 'defaultLifetimeSeconds' | 'maxLifetimeSeconds'>, requested: number | undefined): number {
  if (requested === undefined) return config.defaultLifetimeSeconds;
  return Math.max(config.defaultLifetimeSeconds, Math.min(requested, config.maxLifetimeSeconds));
}
