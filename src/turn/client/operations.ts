/**
 * The client's operations while its allocation lives, as pure functions from
 * the context (and a command or an arrival) to `Effects` (effects.ts):
 * permissions, channel bindings, their answers and refreshes, and data both
 * ways.
 *
 * - CreatePermission (RFC 8656 §10.1): one request for all the peers given,
 *   refreshed together every 4 minutes (timing.ts).
 * - ChannelBind (RFC 8656 §12.1): one peer transport address per channel,
 *   refreshed every 4 minutes; a failed binding gives its peer's permission
 *   back to the CreatePermission refreshes (it was no longer refreshed
 *   separately).
 * - 438 to either: the request goes once more with the new nonce (RFC 8489
 *   §9.2.5), as libwebrtc does (`TurnEntry::OnCreatePermissionError`).
 * - Sending (RFC 8656 §11.1, §12.5): ChannelData once a channel to that peer is
 *   bound (the ChannelBind success came), a Send indication before or without.
 * - Receiving (RFC 8656 §11.4, §12.6): a Data indication names its peer;
 *   ChannelData is mapped back through the channel number. ChannelData on a
 *   channel the client never asked for is dropped.
 */
import type { TransportAddress } from '../../io/address.js';
import type { StunTransactionOutcome } from '../../stun/transaction.js';
import { WireEncodeError } from '../../wire/errors.js';
import { tracing } from '../../stun/trace.js';
import { freshAttempt, notification, transactionInput, verdictOf, type TurnClientContext } from './context.js';
import { contextAfter, mergeEffects, type Effects } from './effects.js';
import { encodeClientChannelData, encodeSendIndication } from './io.js';
import {
  boundChannelTo,
  channelByNumber,
  channelKey,
  chooseChannel,
  ipOf,
  orphanedPermission,
  settlePermissions,
  wantPermissions,
  type PendingRequest,
} from './peers.js';
import { invalidPeer, type Attempt } from './requests.js';
import { CHANNEL_REFRESH_MS, PERMISSION_REFRESH_MS } from './timing.js';
import { endpointOf } from './trace.js';
import type { TurnClientCommand } from './types.js';

/** A command refused, as a notification (never an exception). */
export function refused(context: TurnClientContext, command: TurnClientCommand['type'], reason: string): Effects {
  return { notify: [notification(context, { type: 'turn.refused', command, reason })] };
}

/** Starts one request's transaction as a child actor, filed under its id. */
function startRequest(context: TurnClientContext, purpose: PendingRequest['purpose'], attempt: Attempt, refresh: boolean): Effects {
  const id = `request.${context.requestCount}`;
  return {
    assign: { requests: { ...context.requests, [id]: { purpose, attempt, refresh } }, requestCount: context.requestCount + 1 },
    spawn: [{ id, input: transactionInput(context, purpose) }],
  };
}

export function startPermissions(context: TurnClientContext, peers: readonly TransportAddress[], refresh: boolean): Effects {
  const bad = peers.map(invalidPeer).find((reason) => reason !== undefined);
  if (bad !== undefined) return refused(context, 'permission.create', bad);
  if (peers.length === 0) return refused(context, 'permission.create', 'no peers given');
  const wanted = wantPermissions(context.permissions, peers);
  const asked: Effects = {
    records: [{ kind: 'turn.client.permission', fields: { event: 'request', peers: wanted.peers.map(ipOf) } }],
    assign: { permissions: wanted.permissions },
  };
  const next = contextAfter(context, asked);
  return mergeEffects(asked, startRequest(next, { kind: 'permission', peers: wanted.peers }, freshAttempt(next.auth), refresh));
}

export function startChannelBind(context: TurnClientContext, peer: TransportAddress, requested: number | undefined, refresh: boolean): Effects {
  const bad = invalidPeer(peer);
  if (bad !== undefined) return refused(context, 'channel.bind', bad);
  const choice = chooseChannel(context.channels, context.nextChannel, peer, requested);
  if (!choice.ok) return refused(context, 'channel.bind', choice.reason);
  const key = channelKey(peer);
  const existing = context.channels[key];
  // While a refresh is in flight the binding stays usable: it is bound on the server until it expires.
  const state = existing?.state === 'bound' ? 'bound' : 'binding';
  const asked: Effects = {
    records: [{ kind: 'turn.client.channel', fields: { event: 'request', channel: choice.channel, peer: key } }],
    assign: { channels: { ...context.channels, [key]: { channel: choice.channel, peer, state } }, nextChannel: choice.next },
  };
  const next = contextAfter(context, asked);
  return mergeEffects(asked, startRequest(next, { kind: 'channel', channel: choice.channel, peer }, freshAttempt(next.auth), refresh));
}

/** A CreatePermission or ChannelBind transaction ended: settle what it was for. */
export function settleRequest(context: TurnClientContext, id: string, outcome: StunTransactionOutcome): Effects {
  const pending = context.requests[id];
  if (pending === undefined) return {};
  const { [id]: _settled, ...rest } = context.requests;
  const base: Effects = { assign: { requests: rest } };
  const now = contextAfter(context, base);
  const verdict = verdictOf(context, outcome, pending.purpose.kind, pending.attempt);
  const { purpose } = pending;

  if (verdict.verdict === 'retry') {
    const retried: Effects = {
      assign: { auth: verdict.auth },
      records: [{ kind: 'turn.client.allocation', fields: { event: verdict.why === 'challenged' ? 'challenged' : 'stale-nonce', method: purpose.kind === 'permission' ? 'CreatePermission' : 'ChannelBind' } }],
    };
    const attempt = { signed: true, staleRetried: pending.attempt.staleRetried || verdict.why === 'stale-nonce' };
    return mergeEffects(mergeEffects(base, retried), startRequest(contextAfter(now, retried), purpose, attempt, pending.refresh));
  }

  if (purpose.kind === 'permission') {
    const ips = purpose.peers.map(ipOf);
    if (verdict.verdict === 'success') {
      const result = pending.refresh ? 'refreshed' : 'installed';
      return mergeEffects(base, {
        records: [{ kind: 'turn.client.permission', fields: { event: result, peers: ips } }],
        assign: { permissions: settlePermissions(now.permissions, purpose.peers, { ok: true, group: id }) },
        timers: [{ id: `permission:${id}`, delayMs: PERMISSION_REFRESH_MS, event: { type: 'permission.due', group: id } }],
        notify: [notification(context, { type: 'turn.permission', peers: ips, result })],
      });
    }
    const { failure } = verdict;
    return mergeEffects(base, {
      records: [{ kind: 'turn.client.permission', fields: { event: 'failed', peers: ips, ...codeAndReason(failure) } }],
      assign: { permissions: settlePermissions(now.permissions, purpose.peers, { ok: false }) },
      notify: [notification(context, { type: 'turn.permission', peers: ips, result: 'failed', failure })],
    });
  }

  const key = channelKey(purpose.peer);
  const entry = now.channels[key];
  if (entry === undefined || entry.channel !== purpose.channel) return base; // dropped meanwhile
  const peer = endpointOf(purpose.peer);
  if (verdict.verdict === 'success') {
    const result = pending.refresh ? 'refreshed' : 'bound';
    return mergeEffects(base, {
      records: [{ kind: 'turn.client.channel', fields: { event: result, channel: purpose.channel, peer } }],
      assign: { channels: { ...now.channels, [key]: { ...entry, state: 'bound' } } },
      timers: [{ id: `channel:${key}`, delayMs: CHANNEL_REFRESH_MS, event: { type: 'channel.due', key } }],
      notify: [notification(context, { type: 'turn.channel', peer: purpose.peer, channel: purpose.channel, result })],
    });
  }
  const { failure } = verdict;
  const failed: Effects = {
    records: [{ kind: 'turn.client.channel', fields: { event: 'failed', channel: purpose.channel, peer, ...codeAndReason(failure) } }],
    assign: { channels: { ...now.channels, [key]: { ...entry, state: 'failed' } } },
    cancel: [`channel:${key}`],
    notify: [notification(context, { type: 'turn.channel', peer: purpose.peer, channel: purpose.channel, result: 'failed', failure })],
  };
  const after = contextAfter(now, failed);
  const orphan = orphanedPermission(after.permissions, after.channels, ipOf(purpose.peer));
  const settled = mergeEffects(base, failed);
  return orphan === undefined ? settled : mergeEffects(settled, startPermissions(after, [orphan], true));
}

/** Data to a peer: ChannelData on a bound channel, else a Send indication. */
export function sendData(context: TurnClientContext, peer: TransportAddress, data: Uint8Array): Effects {
  const bad = invalidPeer(peer) ?? (data instanceof Uint8Array ? undefined : 'data must be a Uint8Array');
  if (bad !== undefined) return refused(context, 'send', bad);
  const channel = boundChannelTo(context.channels, peer);
  let bytes: Uint8Array;
  try {
    bytes = channel !== undefined ? encodeClientChannelData(channel.channel, data, context.input.flow.transport === 'tcp') : encodeSendIndication(peer, data, context.random);
  } catch (error) {
    if (error instanceof WireEncodeError) return refused(context, 'send', error.message);
    throw error;
  }
  if (!tracing(context.input.trace)) return { transmit: [bytes] };
  return {
    records: [
      {
        kind: 'turn.client.data',
        fields: {
          direction: 'to-peer',
          peer: endpointOf(peer),
          size: data.length,
          framing: channel !== undefined ? 'channel-data' : 'send-indication',
          ...(channel !== undefined ? { channel: channel.channel } : {}),
        },
      },
    ],
    transmit: [bytes],
  };
}

export function deliverDataIndication(context: TurnClientContext, peer: TransportAddress, data: Uint8Array): Effects {
  return {
    ...(tracing(context.input.trace) ? { records: [{ kind: 'turn.client.data', fields: { direction: 'from-peer', peer: endpointOf(peer), size: data.length, framing: 'data-indication' } }] } : {}),
    notify: [notification(context, { type: 'turn.data', peer, data, via: 'data-indication' })],
  };
}

export function deliverChannelData(context: TurnClientContext, channel: number, data: Uint8Array): Effects {
  // The server may relay on a channel before its ChannelBind success reaches us: 'binding' counts.
  const entry = channelByNumber(context.channels, channel);
  if (entry === undefined || entry.state === 'failed') {
    return { records: [{ kind: 'turn.client.ignore', fields: { from: context.server, reason: `ChannelData on channel 0x${channel.toString(16)}, which is not bound (RFC 8656 §12.6)` } }] };
  }
  return {
    ...(tracing(context.input.trace) ? { records: [{ kind: 'turn.client.data', fields: { direction: 'from-peer', peer: endpointOf(entry.peer), size: data.length, framing: 'channel-data', channel } }] } : {}),
    notify: [notification(context, { type: 'turn.data', peer: entry.peer, data, via: 'channel-data' })],
  };
}

function codeAndReason(failure: { code?: number; reason: string }): { code?: number; reason: string } {
  return { ...(failure.code !== undefined ? { code: failure.code } : {}), reason: failure.reason };
}
