/**
 * What the client holds on the server for its peers: permissions (per peer
 * IP, RFC 8656 §9) and channel bindings (per peer transport address, §12),
 * as plain records and pure functions over them, so that the machine's
 * actions stay one line each and the rules can be read in one place.
 *
 * Refreshing (see timing.ts): each successful CreatePermission starts
 * one refresh timer for the peers it carried (its *group*); when it fires,
 * those of its peers that are still wanted, and not kept alive by a bound
 * channel's ChannelBind refreshes, go again in one request.
 */
import type { TransportAddress } from '../../io/address.js';
import { CHANNEL_NUMBER_MAX, CHANNEL_NUMBER_MIN, isValidChannelNumber } from '../../wire/turn/channel-data.js';
import type { Attempt, TurnRequestPurpose } from './requests.js';
import { endpointOf } from './trace.js';

export interface PermissionEntry {
  /** The peer as first given (CreatePermission sends its port too, which the server ignores). */
  readonly peer: TransportAddress;
  /** 'installing' until a success response; 'failed' when the latest request for it failed. */
  readonly state: 'installing' | 'installed' | 'failed';
  /** Keep refreshing it (false once dropped). */
  readonly wanted: boolean;
  /** The request whose refresh timer covers it. */
  readonly group?: string;
}

export interface ChannelEntry {
  readonly channel: number;
  readonly peer: TransportAddress;
  /** 'bound' from the first ChannelBind success response on; data goes as ChannelData only then (RFC 8656 §12.5). */
  readonly state: 'binding' | 'bound' | 'failed';
}

/** A request in flight besides Allocate and the allocation's own Refresh, by the id of its transaction actor. */
export interface PendingRequest {
  readonly purpose: Extract<TurnRequestPurpose, { kind: 'permission' | 'channel' }>;
  readonly attempt: Attempt;
  /** It refreshes what an earlier request installed (for the notifications). */
  readonly refresh: boolean;
}

export type Permissions = Readonly<Record<string, PermissionEntry>>;
export type Channels = Readonly<Record<string, ChannelEntry>>;

/** Permissions are per IP address (RFC 8656 §9). */
export const ipOf = (peer: TransportAddress): string => peer.address;
/** Channels are per transport address (RFC 8656 §12). */
export const channelKey = (peer: TransportAddress): string => endpointOf(peer);

/** Marks `peers` wanted (new ones 'installing'); returns one peer per IP, for the request. */
export function wantPermissions(permissions: Permissions, peers: readonly TransportAddress[]): { permissions: Permissions; peers: TransportAddress[] } {
  const next: Record<string, PermissionEntry> = { ...permissions };
  const unique = new Map<string, TransportAddress>();
  for (const peer of peers) {
    const ip = ipOf(peer);
    if (unique.has(ip)) continue;
    unique.set(ip, peer);
    const entry = next[ip];
    next[ip] = entry === undefined ? { peer, state: 'installing', wanted: true } : { ...entry, wanted: true };
  }
  return { permissions: next, peers: [...unique.values()] };
}

/** After a CreatePermission answered: installed under the request's group, or failed. */
export function settlePermissions(permissions: Permissions, peers: readonly TransportAddress[], result: { ok: true; group: string } | { ok: false }): Permissions {
  const next: Record<string, PermissionEntry> = { ...permissions };
  for (const peer of peers) {
    const entry = next[ipOf(peer)];
    if (entry === undefined) continue;
    next[ipOf(peer)] = result.ok ? { ...entry, state: 'installed', group: result.group } : { peer: entry.peer, state: 'failed', wanted: entry.wanted };
  }
  return next;
}

/** The peers a group's timer refreshes: still in the group, wanted, and without a bound channel refreshing them. */
export function permissionsDue(permissions: Permissions, channels: Channels, group: string): TransportAddress[] {
  return Object.entries(permissions)
    .filter(([ip, entry]) => entry.group === group && entry.wanted && !hasBoundChannel(channels, ip))
    .map(([, entry]) => entry.peer);
}

/** The wanted permission of this IP, if a bound channel no longer keeps it (after a ChannelBind failed). */
export function orphanedPermission(permissions: Permissions, channels: Channels, ip: string): TransportAddress | undefined {
  const entry = permissions[ip];
  return entry !== undefined && entry.wanted && entry.state === 'installed' && !hasBoundChannel(channels, ip) ? entry.peer : undefined;
}

/** Stops refreshing the peers' permissions, and forgets channels to those IPs (their refreshes would install the permission again). */
export function dropPermissions(permissions: Permissions, channels: Channels, peers: readonly TransportAddress[]): { permissions: Permissions; channels: Channels; ips: string[] } {
  const ips = [...new Set(peers.map(ipOf))];
  const next: Record<string, PermissionEntry> = { ...permissions };
  for (const ip of ips) {
    const entry = next[ip];
    if (entry !== undefined) next[ip] = { ...entry, wanted: false };
  }
  const kept = Object.fromEntries(Object.entries(channels).filter(([, c]) => !ips.includes(ipOf(c.peer))));
  return { permissions: next, channels: kept, ips };
}

export function hasBoundChannel(channels: Channels, ip: string): boolean {
  return Object.values(channels).some((c) => c.state === 'bound' && ipOf(c.peer) === ip);
}

export function channelByNumber(channels: Channels, channel: number): ChannelEntry | undefined {
  return Object.values(channels).find((c) => c.channel === channel);
}

/** The channel bound (and usable for ChannelData) to exactly this peer transport address. */
export function boundChannelTo(channels: Channels, peer: TransportAddress): ChannelEntry | undefined {
  const entry = channels[channelKey(peer)];
  return entry?.state === 'bound' ? entry : undefined;
}

export type ChannelChoice = { readonly ok: true; readonly channel: number; readonly next: number } | { readonly ok: false; readonly reason: string };

/**
 * The channel number for a ChannelBind to `peer`: the one it already has; the
 * one asked for, if valid and free; otherwise the next unused from 0x4000 up
 * (libwebrtc counts up from 0x4000 too). Numbers are never reused for another
 * peer: RFC 8656 §12 forbids rebinding a channel to a different peer until 5
 * minutes after it expired, and 4096 numbers outlast any session.
 */
export function chooseChannel(channels: Channels, next: number, peer: TransportAddress, requested: number | undefined): ChannelChoice {
  const existing = channels[channelKey(peer)];
  if (existing !== undefined) {
    if (requested !== undefined && requested !== existing.channel) {
      return { ok: false, reason: `${channelKey(peer)} is already bound to channel 0x${existing.channel.toString(16)}` };
    }
    return { ok: true, channel: existing.channel, next };
  }
  if (requested !== undefined) {
    if (!isValidChannelNumber(requested)) return { ok: false, reason: `channel number ${requested} is outside 0x4000-0x4FFF (RFC 8656 §12)` };
    if (channelByNumber(channels, requested) !== undefined) return { ok: false, reason: `channel 0x${requested.toString(16)} is bound to another peer` };
    return { ok: true, channel: requested, next };
  }
  let candidate = Math.max(next, CHANNEL_NUMBER_MIN);
  while (candidate <= CHANNEL_NUMBER_MAX && channelByNumber(channels, candidate) !== undefined) candidate++;
  if (candidate > CHANNEL_NUMBER_MAX) return { ok: false, reason: 'every channel number 0x4000-0x4FFF is taken' };
  return { ok: true, channel: candidate, next: candidate + 1 };
}
