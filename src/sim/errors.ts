/*
 * Typed errors of the simulated world.
 */

/** Which kind of mistake a `TopologyIssue` is, for code that reacts to one kind (the message says it in words). */
export type TopologyIssueCode =
  | 'malformed' // wrong type or shape, unknown field
  | 'bad-id'
  | 'duplicate-id'
  | 'bad-address'
  | 'address-in-use' // the same address twice in one realm
  | 'address-out-of-realm' // not in the LAN's subnet, or a private address on the internet
  | 'subnet-exhausted'
  | 'unknown-realm'
  | 'host-in-two-realms' // two interfaces of one host on the same realm, or a host declared twice
  | 'nat-without-outside'
  | 'nat-loop' // NATs nested in a circle: no way out to the internet
  | 'unknown-profile'
  | 'unknown-preset'
  | 'bad-behaviour'
  | 'bad-link'
  | 'bad-firewall';

/** One thing wrong with a topology spec: where (`path`), which kind of mistake (`code`) and, in words, what to change. A `TopologyError` carries every issue found, not only the first. */
export interface TopologyIssue {
  /** Where in the spec, e.g. `lans[1].gateway.outside.realm` or `hosts[alice].address`. */
  readonly path: string;
  readonly code: TopologyIssueCode;
  readonly message: string;
}

/** A topology that cannot exist. Thrown before anything is built: there is never a half-built world. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  constructor(readonly issues: readonly TopologyIssue[]) {
    super(
      issues.length === 1
        ? `invalid topology: ${issues[0]!.path}: ${issues[0]!.message}`
        : `invalid topology (${issues.length} problems):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
}
