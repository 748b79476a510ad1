/**
 * The error a transport throws, in either world, when it is used as a real
 * stack would refuse (sending on a closed socket, a port that is taken, an
 * address that is not an address): one class and one set of codes, so code
 * that handles one world's errors handles the other's.
 */

/** Which refusal a `TransportError` is, in the operating system's words (`EADDRINUSE`, `ECLOSED`, ...), the same in both worlds. */
export type TransportErrorCode =
  | 'EADDRINUSE' // the port is taken
  | 'EADDRNOTAVAIL' // no interface has that address
  | 'EACCES' // not allowed to bind there (a port below 1024 without the right)
  | 'EINVAL' // not an IP address and a port 1-65535, or bytes that are not a Uint8Array
  | 'ECLOSED' // the socket is closed
  | 'ENOTCONN' // the connection is closed, or our side has ended it
  | 'EIO'; // anything else the operating system said (the original error is the `cause`)

/**
 * What a transport throws when it is used as a real stack would refuse: the
 * `code` says which refusal (the same codes in the simulator and over real
 * sockets) and the message says what was being done. An operating-system
 * error that has no code of its own here is `EIO`, with the original as `cause`.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** Maps an error from node:dgram / node:net (`{ code: 'EADDRINUSE', ... }`) to a TransportError. */
export function fromSystemError(error: unknown, doing: string): TransportError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const known: TransportErrorCode | undefined =
    code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES' || code === 'EINVAL' ? code : undefined;
  return new TransportError(known ?? 'EIO', `${doing}: ${message}`, { cause: error });
}
