/**
 * Which protocol a packet on a shared port belongs to, from its first byte
 * alone (RFC 7983 §7, updating RFC 5764 §5.1.2):
 *
 *                    +----------------+
 *                    |        [0..3] -+--> forward to STUN
 *                    |                |
 *                    |      [16..19] -+--> forward to ZRTP
 *                    |                |
 *        packet -->  |      [20..63] -+--> forward to DTLS
 *                    |                |
 *                    |      [64..79] -+--> forward to TURN Channel
 *                    |                |
 *                    |    [128..191] -+--> forward to RTP/RTCP
 *                    +----------------+
 *
 * Why it works: STUN's first two bits are zero and its methods stay below
 * 0x100 for this purpose; DTLS content types are 20-63; TURN channel numbers
 * are 0x4000-0x4FFF; RTP's version field (2) sets the top bits to 0b10.
 * Everything else is 'unknown' and should be dropped. (RFC 9443 later gives
 * the unassigned ranges to QUIC; this library does not carry QUIC.)
 *
 * A first byte in 0..3 only says "looks like STUN": `decodeStunMessage`
 * decides, and `hasValidFingerprint` can confirm cheaply (RFC 8489 §7).
 */

/** The protocol a packet on a shared port belongs to, by RFC 7983 §7's first-byte ranges (`demultiplex`); 'unknown' should be dropped. */
export type PacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp-rtcp' | 'unknown';

/** Classifies a packet by its first byte. Never throws; an empty packet is 'unknown'. */
export function demultiplex(packet: Uint8Array): PacketKind {
  if (packet.length === 0) return 'unknown';
  const b = packet[0] as number;
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) return 'rtp-rtcp';
  return 'unknown';
}
