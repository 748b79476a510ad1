/**
 * Text values: USERNAME, REALM, NONCE, SOFTWARE, and ERROR-CODE, whose reason
 * phrase is text after a code.
 *
 * Text is UTF-8, read strictly: a byte sequence that is not UTF-8 is an
 * error, not replacement characters. Each attribute has its own limit
 * (RFC 8489 §14.3, §14.8, §14.9, §14.10, §14.14): USERNAME at most 508 bytes;
 * the others "fewer than 128 characters", which can take up to 763 bytes
 * (509 for a reason phrase).
 */

import { Buffer, isUtf8 } from 'node:buffer';
import { WireEncodeError } from '../../errors.js';
import { AttributeValueError, badLength, type JsonValue, type ValueCodec } from './codec.js';
import type { ErrorCodeValue } from './values.js';

/** The limits of one kind of text; a limit of `Infinity` characters means bytes alone count. */
export interface TextLimits {
  readonly maxCharacters: number;
  readonly maxBytes: number;
}

/** UTF-8 text within `limits`, the whole value. */
export function textCodec(limits: TextLimits): ValueCodec<string> {
  return {
    encodedLength(value, name) {
      return textLength(name, value, limits);
    },
    write(out, offset, value) {
      writeText(out, offset, value);
    },
    read(bytes, offset, length) {
      return readText(bytes, offset, length);
    },
  };
}

/** USERNAME: at most 508 bytes (RFC 8489 §14.3). */
export const username = textCodec({ maxCharacters: Infinity, maxBytes: 508 });

/** REALM, NONCE, SOFTWARE: fewer than 128 characters, at most 763 bytes (RFC 8489 §14.9, §14.10, §14.14). */
export const shortText = textCodec({ maxCharacters: 127, maxBytes: 763 });

/** A reason phrase: fewer than 128 characters, at most 509 bytes (RFC 8489 §14.8). */
const REASON_LIMITS: TextLimits = { maxCharacters: 127, maxBytes: 509 };

/**
 * ERROR-CODE (RFC 8489 §14.8): 21 reserved bits, the hundreds digit as Class
 * (3 bits) and the rest as Number (8 bits), then the reason phrase.
 */
export const errorCode: ValueCodec<ErrorCodeValue> = {
  encodedLength(value) {
    const { code } = value;
    if (!Number.isInteger(code) || code < 300 || code > 699) {
      throw new WireEncodeError('invalid-error-code', `ERROR-CODE ${code} is not an integer from 300 to 699 (RFC 8489 §14.8)`);
    }
    return 4 + textLength('ERROR-CODE reason phrase', value.reason, REASON_LIMITS);
  },
  write(out, offset, value) {
    out[offset + 2] = Math.floor(value.code / 100);
    out[offset + 3] = value.code % 100;
    writeText(out, offset + 4, value.reason);
  },
  read(bytes, offset, length, _xorKey, name) {
    if (length < 4) return badLength(name, 'at least 4 bytes', length, offset);
    const cls = (bytes[offset + 2] as number) & 0x07;
    const num = bytes[offset + 3] as number;
    if (cls < 3 || cls > 6 || num > 99) {
      return new AttributeValueError('bad-error-code', `ERROR-CODE class ${cls} number ${num} is not a code from 300 to 699`, offset + 2);
    }
    const reason = readText(bytes, offset + 4, length - 4);
    return typeof reason === 'string' ? { code: cls * 100 + num, reason } : reason;
  },
};

/** `{ code, reason }`. */
export function describeErrorCode(value: ErrorCodeValue): JsonValue {
  return { code: value.code, reason: value.reason };
}

function textLength(what: string, text: string, limits: TextLimits): number {
  if (typeof text !== 'string') throw new WireEncodeError('value-too-long', `${what} must be a string`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new WireEncodeError('value-too-long', `${what} is ${bytes} bytes of UTF-8; at most ${limits.maxBytes} are allowed`);
  }
  // Only text longer in bytes than the limit in characters can be over it: count code points only then.
  if (bytes > limits.maxCharacters && countCodePoints(text) > limits.maxCharacters) {
    throw new WireEncodeError('value-too-long', `${what} must have fewer than ${limits.maxCharacters + 1} characters`);
  }
  return bytes;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function writeText(out: Uint8Array, offset: number, text: string): void {
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, offset, 'utf8');
}

function readText(bytes: Uint8Array, offset: number, length: number): string | AttributeValueError {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
  if (!isUtf8(view)) return new AttributeValueError('invalid-utf8', 'text value is not valid UTF-8', offset);
  return view.toString('utf8');
}
