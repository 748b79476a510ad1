/**
 * Multicast DNS for host candidates (RFC 6762, and the mDNS ICE candidates
 * draft that browsers follow: draft-ietf-mmusic-mdns-ice-candidates).
 *
 * To stop leaking private addresses, a browser does not put its LAN address in
 * a host candidate but a random name, `<uuid>.local`, which it answers for on
 * the LAN with multicast DNS. Multicast does not cross routers or NATs (RFC 6762
 * §2: link-local), so only a host on the same LAN can turn the name back into
 * an address: the hotel-wifi peers still get their direct path, a peer across
 * the internet learns nothing, which is the point.
 */
import type { VirtualClock } from './clock.js';
import type { Attachment } from './network.js';
import type { SeededRandom } from './random.js';
import type { Trace } from './trace.js';

/** How long an unanswered query waits before it gives up (RFC 6762 §5.2 leaves retries to the querier; one second is a browser's first retry). */
export const MDNS_QUERY_TIMEOUT_MS = 1_000;

interface Registration {
  readonly host: string;
  readonly attachment: Attachment;
}

/**
 * The world's multicast DNS (RFC 6762) for `.local` host candidates: a host
 * registers a random `<uuid>.local` name for one of its addresses, and a
 * query is answered only from a LAN the owner is on (multicast is
 * link-local, RFC 6762 §2). One per world, `world.mdns`; the ICE agent uses
 * it to hide and to resolve host candidates.
 */
export class MdnsResponders {
  private readonly names = new Map<string, Registration>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
    private readonly trace: Trace,
  ) {}

  /** Registers a fresh `<uuid>.local` name for one of a host's addresses and returns it. */
  register(host: string, attachment: Attachment): string {
    let name: string;
    do name = `${uuidV4(this.random)}.local`;
    while (this.names.has(name));
    this.names.set(name, { host, attachment });
    this.trace.record('mdns.register', { host, name, address: attachment.address });
    return name;
  }

  /** Forgets a name (the candidate is gone); later queries for it go unanswered. */
  unregister(name: string): void {
    this.names.delete(name);
  }

  /**
   * Asks, from `resolver`'s interfaces, who has `name`. The answer comes one LAN
   * round trip later if a responder shares a realm with the resolver, else
   * `undefined` after the query times out. Traced either way.
   */
  query(resolver: { readonly id: string; readonly interfaces: readonly Attachment[] }, name: string, onAnswer: (address: string | undefined) => void): void {
    const registration = this.names.get(name);
    const link = registration && resolver.interfaces.find((i) => i.realm === registration.attachment.realm);
    if (registration && link) {
      const roundTrip = link.link.sampleDelay() + registration.attachment.link.sampleDelay();
      this.clock.setTimeout(() => {
        this.trace.record('mdns.answer', { resolver: resolver.id, name, address: registration.attachment.address });
        onAnswer(registration.attachment.address);
      }, 2 * roundTrip);
      return;
    }
    this.clock.setTimeout(() => {
      const why = registration ? `${registration.host} is not on a LAN of ${resolver.id}` : 'nobody registered it';
      this.trace.record('mdns.unanswered', { resolver: resolver.id, name, why });
      onAnswer(undefined);
    }, MDNS_QUERY_TIMEOUT_MS);
  }
}

/** A version 4 UUID (RFC 9562 §5.4) from the world's seeded random, so names repeat with the seed. */
function uuidV4(random: SeededRandom): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
