/**
 * Which channel numbers the server accepts, and ChannelData framing for them.
 *
 * RFC 8656 §12 allows 0x4000-0x4FFF, so that the first byte of ChannelData
 * stays within 64-79 and a port can carry STUN, DTLS, RTP and TURN channels
 * at once (RFC 7983). RFC 5766, which it replaced, allowed 0x4000-0x7FFF, and
 * clients written for it still pick numbers from that range: coturn's own
 * `turnutils_uclient` does, and coturn's server accepts them. A server
 * configured with `channelNumbers: 'rfc5766'` accepts the old range too; by
 * default it follows RFC 8656 and answers 400.
 *
 * src/wire's ChannelData codec knows only RFC 8656's range, so numbers
 * 0x5000-0x7FFF are framed here (the same 4-byte header, RFC 5766 §11.4).
 */
import { decodeChannelData, encodeChannelData, isValidChannelNumber, type ChannelData, type ChannelDataDecodeResult } from '../../wire/turn/channel-data.js';

/** 'rfc8656': 0x4000-0x4FFF (the default). 'rfc5766': 0x4000-0x7FFF, for older clients. */
export type ChannelNumberRange = 'rfc8656' | 'rfc5766';

const LEGACY_MAX = 0x7fff;

/** True for a number a client may bind under `range`. */
export function isBindableChannel(channel: number, range: ChannelNumberRange): boolean {
  return isValidChannelNumber(channel) || (range === 'rfc5766' && Number.isInteger(channel) && channel > 0x4fff && channel <= LEGACY_MAX);
}

/** True when the first byte may start ChannelData under `range` (0x40-0x4F, or 0x40-0x7F). */
export function startsChannelData(bytes: Uint8Array, range: ChannelNumberRange): boolean {
  const first = bytes[0];
  return first !== undefined && first >= 0x40 && first <= (range === 'rfc5766' ? 0x7f : 0x4f);
}

/** Decodes a client's ChannelData; never throws. */
export function decodeClientChannelData(bytes: Uint8Array, options: { readonly stream: boolean; readonly range: ChannelNumberRange }): ChannelDataDecodeResult {
  if (options.range === 'rfc8656' || bytes.length < 4 || (bytes[0] as number) < 0x50) return decodeChannelData(bytes, { stream: options.stream });
  // 0x5000-0x7FFF: check the frame as the wire codec would, on a copy whose number is in its range.
  const copy = bytes.slice();
  copy[0] = 0x40;
  const result = decodeChannelData(copy, { stream: options.stream });
  if (!result.ok) return result;
  const channelNumber = ((bytes[0] as number) << 8) | (bytes[1] as number);
  return { ok: true, frame: { channelNumber, data: bytes.subarray(4, 4 + result.frame.data.length) } };
}

/** Encodes ChannelData for a client; padded to 4 bytes over streams (RFC 8656 §12.5). */
export function encodeClientChannelData(frame: ChannelData, options: { readonly pad: boolean }): Uint8Array {
  if (isValidChannelNumber(frame.channelNumber)) return encodeChannelData(frame, { pad: options.pad });
  const out = encodeChannelData({ channelNumber: 0x4000, data: frame.data }, { pad: options.pad });
  out[0] = frame.channelNumber >>> 8;
  out[1] = frame.channelNumber & 0xff;
  return out;
}
