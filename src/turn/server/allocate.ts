/**
 * Judging an authenticated Allocate request (RFC 8656 §7.2), as a value.
 *
 * The server has already authenticated the request and checked that its
 * 5-tuple holds no allocation (437); what is left depends on the request
 * alone, in the RFC's order:
 *
 * - unknown comprehension-required attributes → 420 (RFC 8489 §6.3.1.1). This
 *   server cannot set the DF bit on relayed datagrams, so DONT-FRAGMENT counts
 *   as unknown, as RFC 8656 §7.2 step 4 tells such a server to do;
 * - no REQUESTED-TRANSPORT → 400; a transport other than UDP → 442 (§7.2 step 3;
 *   TCP relaying is RFC 6062's, not offered here);
 * - RESERVATION-TOKEN together with EVEN-PORT or REQUESTED-ADDRESS-FAMILY → 400
 *   (§7.2 steps 5-6);
 * - REQUESTED-ADDRESS-FAMILY other than IPv4 → 440: relayed addresses here are
 *   IPv4 (the simulated internet is IPv4);
 * - the lifetime: LIFETIME capped at the maximum, at least the default.
 *
 * What needs server state (the reservation token's validity, 508; the quota,
 * 486; binding a relay port, 508) is the server's to check next.
 */
import { FamilyOctet, AttributeType, TRANSPORT_UDP, findAttribute, type StunAttribute } from '../../wire/stun/attribute-types.js';
import type { DecodedStunMessage } from '../../wire/stun/message.js';
import { bytesToHex } from '../../wire/hex.js';
import { grantedLifetime, type ResolvedServerConfig } from './config.js';

export type AllocatePlan =
  | {
      readonly ok: true;
      readonly lifetimeSeconds: number;
      /** EVEN-PORT was present: the relayed port must be even (RFC 8656 §7.2 step 7). */
      readonly evenPort: boolean;
      /** EVEN-PORT's R bit: reserve the next-higher port too, for a later Allocate with the token. */
      readonly reserveNext: boolean;
      /** RESERVATION-TOKEN in hex: use the port reserved under it. */
      readonly reservationToken?: string;
    }
  | {
      readonly ok: false;
      readonly code: 400 | 420 | 440 | 442;
      readonly detail: string;
      readonly attributes?: readonly StunAttribute[];
    };

export function planAllocate(message: DecodedStunMessage, config: Pick<ResolvedServerConfig, 'defaultLifetimeSeconds' | 'maxLifetimeSeconds'>): AllocatePlan {
  const dontFragment = findAttribute(message, 'DONT-FRAGMENT') !== undefined;
  const unknown = [...new Set([...message.unknownRequired, ...(dontFragment ? [AttributeType['DONT-FRAGMENT']] : [])])];
  if (unknown.length > 0) {
    const names = unknown.map((t) => `0x${t.toString(16).padStart(4, '0')}`).join(', ');
    return {
      ok: false,
      code: 420,
      detail: `unknown comprehension-required attributes ${names}${dontFragment ? ' (DONT-FRAGMENT is not supported: the DF bit cannot be set)' : ''}`,
      attributes: [{ type: 'UNKNOWN-ATTRIBUTES', value: unknown }],
    };
  }
  const transport = findAttribute(message, 'REQUESTED-TRANSPORT');
  if (transport === undefined) return { ok: false, code: 400, detail: 'Allocate without REQUESTED-TRANSPORT (RFC 8656 §7.2)' };
  if (transport.value !== TRANSPORT_UDP) {
    return { ok: false, code: 442, detail: `REQUESTED-TRANSPORT ${transport.value} is not UDP (17), the only transport relayed here` };
  }
  const token = findAttribute(message, 'RESERVATION-TOKEN');
  const evenPort = findAttribute(message, 'EVEN-PORT');
  const family = findAttribute(message, 'REQUESTED-ADDRESS-FAMILY');
  if (token !== undefined && evenPort !== undefined) {
    return { ok: false, code: 400, detail: 'RESERVATION-TOKEN and EVEN-PORT together (RFC 8656 §7.2)' };
  }
  if (token !== undefined && family !== undefined) {
    return { ok: false, code: 400, detail: 'RESERVATION-TOKEN and REQUESTED-ADDRESS-FAMILY together (RFC 8656 §7.2)' };
  }
  if (family !== undefined && family.value !== FamilyOctet.IPv4) {
    const what = family.value === FamilyOctet.IPv6 ? 'IPv6' : `family 0x${family.value.toString(16).padStart(2, '0')}`;
    return { ok: false, code: 440, detail: `REQUESTED-ADDRESS-FAMILY ${what}: this server relays on IPv4 only` };
  }
  return {
    ok: true,
    lifetimeSeconds: grantedLifetime(config, findAttribute(message, 'LIFETIME')?.value),
    evenPort: evenPort !== undefined,
    reserveNext: evenPort?.value === true,
    ...(token !== undefined ? { reservationToken: bytesToHex(token.value) } : {}),
  };
}
