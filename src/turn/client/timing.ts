/**
 * When the client refreshes what it holds on the server.
 *
 * RFC 8656 says how long things last, not when to refresh them: an
 * allocation lasts its LIFETIME (§7, §8), a permission 300 s (§9), a channel
 * binding 600 s (§12). The client refreshes each early enough that one lost
 * round of retransmissions (39.5 s over UDP, RFC 8489 §6.2.1) still ends
 * before the expiry. The figures are libwebrtc's (p2p/base/turn_port.cc):
 *
 * - the allocation: one minute before its lifetime ends
 *   (`TurnPort::ScheduleRefresh`); half the lifetime when it is under two
 *   minutes; and never later than 59 minutes, however long the server grants;
 * - a permission: one minute before its 300 s end, so every 4 minutes
 *   (`TurnEntry::OnCreatePermissionSuccess`);
 * - a channel binding: also every 4 minutes, not 9, because a ChannelBind
 *   refreshes the peer's permission too (RFC 8656 §12.2), so one request keeps
 *   both alive; while a channel is bound to a peer, its permission is not
 *   refreshed separately (`TurnChannelBindRequest::OnResponse`).
 */

/** RFC 8656 §9: "The Permission Lifetime MUST be 300 seconds (= 5 minutes)". */
export const TURN_PERMISSION_LIFETIME_MS = 300_000;
/** RFC 8656 §12: a channel binding lasts 10 minutes unless refreshed. */
export const TURN_CHANNEL_LIFETIME_MS = 600_000;
/** libwebrtc: refresh a permission one minute before it expires. */
export const PERMISSION_REFRESH_MS = TURN_PERMISSION_LIFETIME_MS - 60_000;
/** libwebrtc: refresh a channel binding as often as a permission, which it also refreshes. */
export const CHANNEL_REFRESH_MS = TURN_PERMISSION_LIFETIME_MS - 60_000;
/** RFC 8445 §11: "Tr SHOULD be configurable and SHOULD have a default of 15 seconds". */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;

const MINUTE_MS = 60_000;
const LONGEST_LIFETIME_S = 3600;

/** How long after a success response with this LIFETIME (seconds) the allocation is refreshed, ms (libwebrtc's rule). */
export function allocationRefreshDelayMs(lifetimeSeconds: number): number {
  if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) return 0;
  if (lifetimeSeconds < 120) return (lifetimeSeconds * 1000) / 2;
  return Math.min(lifetimeSeconds, LONGEST_LIFETIME_S) * 1000 - MINUTE_MS;
}
