/**
 * The address attributes: MAPPED-ADDRESS and ALTERNATE-SERVER (plain), and
 * XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS (obfuscated).
 *
 * Value layout (RFC 8489 §14.1, §14.2):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |             (X-)Address (32 bits or 128 bits)                 |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Why XOR: some NATs rewrite any 32-bit value in a packet that equals the
 * public IP they are translating to. XOR-ing the port with the top 16 bits of
 * the magic cookie, and the address with the magic cookie (IPv4) or with the
 * cookie followed by the transaction id (IPv6), hides the address from them
 * (RFC 8489 §14.2). Header bytes 4-19 are exactly "cookie || transaction id",
 * so the XOR key is always the 16 bytes at offset 4 of the message.
 */

import { WireEncodeError } from '../../errors.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../../io/ip.js';
import { addressFamily, type TransportAddress } from '../../../io/address.js';
import { AttributeValueError, type JsonValue, type ValueCodec } from './codec.js';
import { FamilyOctet } from './values.js';

/** MAPPED-ADDRESS, ALTERNATE-SERVER: the address as it is. */
export const plainAddress: ValueCodec<TransportAddress> = {
  encodedLength: addressValueLength,
  write(out, offset, value) {
    writeAddressValue(out, offset, value, null);
  },
  read(bytes, offset, length, _xorKey, name) {
    return readAddressValue(bytes, offset, length, null, name);
  },
};

/** XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS: port and address XOR-ed with header bytes 4-19. */
export const xorAddress: ValueCodec<TransportAddress> = {
  encodedLength: addressValueLength,
  write(out, offset, value, xorKey) {
    writeAddressValue(out, offset, value, xorKey);
  },
  read(bytes, offset, length, xorKey, name) {
    return readAddressValue(bytes, offset, length, xorKey, name);
  },
};

/** `{ family, address, port }`. */
export function describeAddress(value: TransportAddress): JsonValue {
  return { family: addressFamily(value.address) ?? 'unknown', address: value.address, port: value.port };
}

/**
 * Value length of an address attribute: 8 bytes for IPv4, 20 for IPv6.
 *
 * @throws WireEncodeError `invalid-port` unless 0 <= port <= 65535;
 *   `invalid-address` if the text is not an IPv4 or IPv6 address (its family
 *   is the text's: dotted quad IPv4, anything with a colon IPv6).
 */
function addressValueLength(value: TransportAddress): number {
  const { port } = value;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new WireEncodeError('invalid-port', `port ${port} is not an integer from 0 to 65535`);
  }
  const family = addressFamily(value.address);
  if (family === undefined) {
    throw new WireEncodeError('invalid-address', `${JSON.stringify(value.address)} is not an IPv4 or IPv6 address`);
  }
  return family === 'IPv6' ? 20 : 8;
}

/**
 * Writes an address value (checked by `addressValueLength`) at `offset`.
 * `xorKey` is the 16 bytes "magic cookie || transaction id" for the XOR-
 * attributes, `null` for the plain ones.
 */
function writeAddressValue(out: Uint8Array, offset: number, address: TransportAddress, xorKey: Uint8Array | null): void {
  const { port } = address;
  const ipv4 = addressFamily(address.address) === 'IPv4';
  const ip = (ipv4 ? parseIPv4(address.address) : parseIPv6(address.address)) as Uint8Array;
  out[offset] = 0;
  out[offset + 1] = ipv4 ? FamilyOctet.IPv4 : FamilyOctet.IPv6;
  const xPort = xorKey === null ? port : port ^ (((xorKey[0] as number) << 8) | (xorKey[1] as number));
  out[offset + 2] = xPort >>> 8;
  out[offset + 3] = xPort;
  for (let i = 0; i < ip.length; i++) {
    out[offset + 4 + i] = xorKey === null ? (ip[i] as number) : (ip[i] as number) ^ (xorKey[i] as number);
  }
}

/**
 * Reads an address value of `length` bytes at `offset`. The first (reserved)
 * byte is ignored, as RFC 8489 §14.1 asks of receivers.
 */
function readAddressValue(
  bytes: Uint8Array,
  offset: number,
  length: number,
  xorKey: Uint8Array | null,
  name: string,
): TransportAddress | AttributeValueError {
  if (length < 4) {
    return new AttributeValueError('bad-attribute-length', `${name}: an address value needs at least 4 bytes, got ${length}`, offset);
  }
  const family = bytes[offset + 1] as number;
  let ipLength: number;
  if (family === FamilyOctet.IPv4) ipLength = 4;
  else if (family === FamilyOctet.IPv6) ipLength = 16;
  else {
    return new AttributeValueError(
      'bad-address-family',
      `${name}: address family 0x${family.toString(16).padStart(2, '0')} is neither 0x01 (IPv4) nor 0x02 (IPv6)`,
      offset + 1,
    );
  }
  if (length !== 4 + ipLength) {
    return new AttributeValueError(
      'bad-attribute-length',
      `${name}: an ${family === 1 ? 'IPv4' : 'IPv6'} address value is ${4 + ipLength} bytes, got ${length}`,
      offset,
    );
  }
  const xPort = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
  const port = xorKey === null ? xPort : xPort ^ (((xorKey[0] as number) << 8) | (xorKey[1] as number));
  let ip = bytes.subarray(offset + 4, offset + 4 + ipLength);
  if (xorKey !== null) {
    const plain = new Uint8Array(ipLength);
    for (let i = 0; i < ipLength; i++) plain[i] = (ip[i] as number) ^ (xorKey[i] as number);
    ip = plain;
  }
  return ipLength === 4 ? { address: formatIPv4(ip), port } : { address: formatIPv6(ip), port };
}
