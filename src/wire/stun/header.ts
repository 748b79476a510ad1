/**
 * The 20-byte STUN message header (RFC 8489 §5).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Magic Cookie                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Transaction ID (96 bits)                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The Message Length counts the attributes only, never the header, and is
 * always a multiple of 4 because every attribute is padded to 4 bytes.
 */

/** The STUN header's length in bytes (RFC 8489 §5): type, length, magic cookie and transaction id. */
export const HEADER_LENGTH = 20;

/** Fixed value that tells STUN (RFC 5389 and later) apart from RFC 3489 and from other protocols (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;

/** A transaction id is 96 bits (RFC 8489 §5). */
export const TRANSACTION_ID_LENGTH = 12;

/** The methods of STUN (RFC 8489 §18.2) and TURN (RFC 8656 §17), IANA "STUN Methods". */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

/** A method by its registry name: `'Binding'`, `'Allocate'`, ... */
export type StunMethodName = keyof typeof StunMethod;

const METHOD_NAMES = new Map<number, StunMethodName>(
  (Object.entries(StunMethod) as [StunMethodName, number][]).map(([name, code]) => [code, name]),
);

/** `'Binding'` for 0x001; `undefined` for a method this library does not know. */
export function methodName(method: number): StunMethodName | undefined {
  return METHOD_NAMES.get(method);
}

/** The four classes of RFC 8489 §5, in the order of their two-bit code (C1 C0). */
export type StunClass = 'request' | 'indication' | 'success-response' | 'error-response';

const CLASSES: readonly StunClass[] = ['request', 'indication', 'success-response', 'error-response'];

const CLASS_WORDS: Record<StunClass, string> = {
  request: 'request',
  indication: 'indication',
  'success-response': 'success response',
  'error-response': 'error response',
};

/** "Binding success response", "Send indication", "method 0x0ab request". */
export function messageTypeName(method: number, cls: StunClass): string {
  const name = methodName(method) ?? `method 0x${method.toString(16).padStart(3, '0')}`;
  return `${name} ${CLASS_WORDS[cls]}`;
}

/**
 * The 14-bit message type interleaves the class bits among the method bits,
 * so that the methods of RFC 3489 keep their type values (RFC 8489 §5):
 *
 *      0                 1
 *      2  3  4 5 6 7 8 9 0 1 2 3 4 5
 *     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
 *     |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
 *     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export function encodeMessageType(method: number, cls: StunClass): number {
  const c = CLASSES.indexOf(cls);
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7);
}

/** The method and class of a 14-bit message type: the inverse of {@link encodeMessageType}. */
export function decodeMessageType(type: number): { method: number; class: StunClass } {
  const method = (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80);
  const c = ((type >> 4) & 1) | ((type >> 7) & 2);
  return { method, class: CLASSES[c] as StunClass };
}

export function isStunClass(value: unknown): value is StunClass {
  return typeof value === 'string' && (CLASSES as readonly string[]).includes(value);
}

/**
 * A cheap test, for demultiplexing, that `bytes` starts like a STUN message:
 * at least a header, the two zero bits, a length that is a multiple of 4 and
 * fits the buffer, and the magic cookie (RFC 8489 §5, RFC 7983 §7).
 */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_LENGTH) return false;
  if (((bytes[0] as number) & 0xc0) !== 0) return false;
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (length % 4 !== 0 || HEADER_LENGTH + length > bytes.length) return false;
  return readU32(bytes, 4) === MAGIC_COOKIE;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}
