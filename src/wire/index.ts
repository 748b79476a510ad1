/**
 * Layer 1, wire: byte-exact codecs. Nothing here knows XState, the simulator
 * or the clock; everything here is a pure function of its input (the stream
 * framer holds only the bytes of an incomplete frame).
 */

export * from './stun/index.js';
export {
  CHANNEL_DATA_HEADER_LENGTH,
  CHANNEL_NUMBER_MAX,
  CHANNEL_NUMBER_MIN,
  decodeChannelData,
  encodeChannelData,
  isValidChannelNumber,
  type ChannelData,
  type ChannelDataDecodeError,
  type ChannelDataDecodeErrorCode,
  type ChannelDataDecodeOptions,
  type ChannelDataDecodeResult,
  type ChannelDataEncodeOptions,
} from './turn/channel-data.js';
export { StreamFramer, type StreamFrame, type StreamFramerError, type StreamFramerResult } from './stream-framer.js';
export { demultiplex, type PacketKind } from './demux.js';
export {
  WireEncodeError,
  type StunDecodeError,
  type StunDecodeErrorCode,
  type WireDecodeError,
  type WireEncodeErrorCode,
} from './errors.js';
export { bytesToHex, hexToBytes, type HexParseResult } from './hex.js';
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../io/ip.js';
export {
  CandidateFormatError,
  END_OF_CANDIDATES,
  candidateExtension,
  connectionAddressKind,
  isEndOfCandidates,
  parseCandidate,
  parseIceAttribute,
  serializeCandidate,
  type CandidateExtension,
  type CandidateParseError,
  type CandidateParseErrorCode,
  type CandidateParseResult,
  type CandidatePrefix,
  type CandidateTransport,
  type CandidateType,
  type IceAttributeParseResult,
  type IceCandidate,
  type TcpType,
} from './ice-candidate.js';
