/**
 * ChannelData messages (RFC 8656 §12.4): application data between a TURN
 * client and server with 4 bytes of overhead instead of a whole Send or Data
 * indication (36 bytes and more).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Channel Number        |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                       Application Data                        /
 *    /                                                               /
 *    |                                                               |
 *    |                               +-------------------------------+
 *    |                               |
 *    +-------------------------------+
 *
 * Channel numbers are 0x4000-0x4FFF (RFC 8656 §12): below 0x4000 the first
 * two bits would read as STUN, and 0x5000-0xFFFF are reserved so that the
 * first byte stays within 64-79, the range RFC 7983 gives TURN channels when
 * STUN, DTLS and RTP share a port.
 *
 * Length counts the application data only. Over TCP/TLS the message is padded
 * to a multiple of 4 so the next one starts aligned; over UDP the padding is
 * optional, and a receiver accepts it (RFC 8656 §12.5).
 */

import { WireEncodeError, type WireDecodeError } from '../errors.js';

/** The lowest channel number a client may bind (RFC 8656 §12). */
export const CHANNEL_NUMBER_MIN = 0x4000;
/** The highest channel number a client may bind (RFC 8656 §12). */
export const CHANNEL_NUMBER_MAX = 0x4fff;
/** Channel number and length, 16 bits each (RFC 8656 §12.4). */
export const CHANNEL_DATA_HEADER_LENGTH = 4;

/** A ChannelData message: application data on a bound channel, without a STUN header (RFC 8656 §12.4). */
export interface ChannelData {
  readonly channelNumber: number;
  /** The application data (a view into the decoded buffer when decoded). */
  readonly data: Uint8Array;
}

/** True for 0x4000-0x4FFF, the channel numbers a client may bind (RFC 8656 §12). */
export function isValidChannelNumber(channelNumber: number): boolean {
  return Number.isInteger(channelNumber) && channelNumber >= CHANNEL_NUMBER_MIN && channelNumber <= CHANNEL_NUMBER_MAX;
}

/** How `encodeChannelData` frames its bytes. */
export interface ChannelDataEncodeOptions {
  /** Pad to a multiple of 4 bytes: required over streams (TCP, TLS), optional over UDP. Default false. */
  readonly pad?: boolean;
}

/**
 * Encodes a ChannelData message (RFC 8656 §12.4): the channel number, the
 * length, the data, and padding to 4 bytes when `options.pad` (required
 * over TCP and TLS, §12.5).
 *
 * @throws WireEncodeError `invalid-channel-number` outside 0x4000-0x4FFF;
 *   `value-too-long` for more than 65535 bytes of data.
 */
export function encodeChannelData(frame: ChannelData, options: ChannelDataEncodeOptions = {}): Uint8Array {
  const { channelNumber, data } = frame;
  if (!isValidChannelNumber(channelNumber)) {
    throw new WireEncodeError('invalid-channel-number', `channel number ${channelNumber} is outside 0x4000-0x4FFF (RFC 8656 §12)`);
  }
  if (data.length > 0xffff) throw new WireEncodeError('value-too-long', `ChannelData of ${data.length} bytes exceeds 65535`);
  const size = CHANNEL_DATA_HEADER_LENGTH + (options.pad === true ? (data.length + 3) & ~3 : data.length);
  const out = new Uint8Array(size);
  out[0] = channelNumber >>> 8;
  out[1] = channelNumber;
  out[2] = data.length >>> 8;
  out[3] = data.length;
  out.set(data, CHANNEL_DATA_HEADER_LENGTH);
  return out;
}

/** Why bytes are not a ChannelData message. */
export type ChannelDataDecodeErrorCode =
  /** Fewer than the 4 header bytes. */
  | 'too-short'
  /** The channel number is not within 0x4000-0x4FFF. */
  | 'bad-channel-number'
  /** Fewer data bytes than the Length field announces (RFC 8656 §12.5: discard). */
  | 'truncated'
  /** More than 3 bytes beyond the data: more than padding. */
  | 'trailing-bytes'
  /** Over a stream, the frame is not padded to a multiple of 4 bytes. */
  | 'missing-padding';

/** A ChannelData decode failure: what, in words, and where. */
export type ChannelDataDecodeError = WireDecodeError<ChannelDataDecodeErrorCode>;

/** What `decodeChannelData` gives: the frame, or why the bytes are not one. */
export type ChannelDataDecodeResult =
  | { readonly ok: true; readonly frame: ChannelData }
  | { readonly ok: false; readonly error: ChannelDataDecodeError };

/** Where the bytes came from: a datagram, or a frame of a stream. */
export interface ChannelDataDecodeOptions {
  /** The bytes are one frame from a stream (TCP, TLS): padding must be there. Default false (UDP). */
  readonly stream?: boolean;
}

/** Decodes one ChannelData message that fills `bytes`. Never throws. */
export function decodeChannelData(bytes: Uint8Array, options: ChannelDataDecodeOptions = {}): ChannelDataDecodeResult {
  if (bytes.length < CHANNEL_DATA_HEADER_LENGTH) {
    return fail('too-short', `a ChannelData header is 4 bytes, only ${bytes.length} given`, bytes.length);
  }
  const channelNumber = ((bytes[0] as number) << 8) | (bytes[1] as number);
  if (!isValidChannelNumber(channelNumber)) {
    return fail('bad-channel-number', `channel number 0x${channelNumber.toString(16).padStart(4, '0')} is outside 0x4000-0x4FFF`, 0);
  }
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  const available = bytes.length - CHANNEL_DATA_HEADER_LENGTH;
  if (available < length) {
    return fail('truncated', `Length says ${length} bytes of data but only ${available} follow`, 2);
  }
  const padded = (length + 3) & ~3;
  if (available > padded) {
    return fail('trailing-bytes', `${available - length} bytes follow the ${length} bytes of data; padding is at most 3`, CHANNEL_DATA_HEADER_LENGTH + padded);
  }
  if (options.stream === true && available !== padded) {
    return fail('missing-padding', `over a stream the data must be padded to ${padded} bytes, found ${available}`, bytes.length);
  }
  return { ok: true, frame: { channelNumber, data: bytes.subarray(CHANNEL_DATA_HEADER_LENGTH, CHANNEL_DATA_HEADER_LENGTH + length) } };
}

function fail(code: ChannelDataDecodeErrorCode, message: string, offset: number): ChannelDataDecodeResult {
  return { ok: false, error: { code, message, offset } };
}
