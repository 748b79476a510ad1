/**
 * Firewalls: rules as data, evaluated in order, first match wins; optionally
 * stateful, letting in the replies to flows that were allowed out (what every
 * home router and corporate firewall does, and why "outbound-initiated only"
 * still lets ICE work when both sides send).
 *
 * A firewall sits on a host (its own traffic) or on a NAT (traffic crossing it;
 * there, the flow is remembered by its external addresses).
 */
import { formatAddress, type Protocol, type TransportAddress } from '../io/address.js';
import type { VirtualClock } from './clock.js';
import { isObject, isPositiveDuration, unknownFields, type Problem } from './plain-data.js';

/** One rule of a firewall direction: allow or deny the packets it matches. Rules are tried in order and the first match wins. */
export interface FirewallRule {
  readonly action: 'allow' | 'deny';
  /** Omitted: any protocol. */
  readonly protocol?: Protocol;
  /** Outbound rules match the remote (destination) port; inbound rules the local port. Omitted: any port. */
  readonly ports?: readonly number[];
}

/** One direction of a firewall policy: its rules in order, and what happens to a packet no rule matches (`default`). */
export interface FirewallDirection {
  readonly rules: readonly FirewallRule[];
  readonly default: 'allow' | 'deny';
}

/**
 * A firewall as data, for a host (its own traffic) or a NAT (traffic crossing
 * it): outbound and inbound rules, and whether it is stateful (lets in the
 * replies to flows allowed out, as conntrack does). A scenario names one of
 * `FIREWALL_PRESETS` or spells one out.
 */
export interface FirewallPolicy {
  /** Named in drop details, e.g. "web-only". */
  readonly name: string;
  readonly outbound: FirewallDirection;
  readonly inbound: FirewallDirection;
  /** Let in packets that answer a flow allowed out (same 5-tuple, reversed). */
  readonly stateful: boolean;
  /** How long an idle UDP flow is remembered, ms; 120 000 (conntrack's UDP timeout) by default. */
  readonly udpFlowLifetimeMs?: number;
  /** How long an idle TCP flow is remembered, ms; 7 440 000 (conntrack's established timeout, about 2 h 4 min) by default. */
  readonly tcpFlowLifetimeMs?: number;
}

/** The firewalls a scenario can name: `block-udp` (only TCP gets through), `web-only` (outbound TCP 80/443 only, the corporate case) and `outbound-only` (stateful, replies only). */
export const FIREWALL_PRESETS = {
  /** Every UDP packet refused both ways: no STUN, no UDP TURN, no direct media; only TCP (TURN over TCP/TLS) can work. */
  'block-udp': {
    name: 'block-udp',
    outbound: { rules: [{ action: 'deny', protocol: 'udp' }], default: 'allow' },
    inbound: { rules: [{ action: 'deny', protocol: 'udp' }], default: 'deny' },
    stateful: true,
  },
  /** The corporate case: only outbound TCP to ports 80 and 443 (web), which forces TURN over TCP or TLS on 443. */
  'web-only': {
    name: 'web-only',
    outbound: { rules: [{ action: 'allow', protocol: 'tcp', ports: [80, 443] }], default: 'deny' },
    inbound: { rules: [], default: 'deny' },
    stateful: true,
  },
  /** Stateful, outbound-initiated only: anything may go out; only replies to it come in. */
  'outbound-only': {
    name: 'outbound-only',
    outbound: { rules: [], default: 'allow' },
    inbound: { rules: [], default: 'deny' },
    stateful: true,
  },
} as const satisfies Record<string, FirewallPolicy>;

/** The name of one of `FIREWALL_PRESETS`, as a topology's or profile's `firewall` may give it. */
export type FirewallPresetName = keyof typeof FIREWALL_PRESETS;

const POLICY_SHAPE =
  'a firewall is a preset name or { name, stateful, outbound: { rules, default }, inbound: { rules, default } } with rules { action: allow|deny, protocol?: udp|tcp, ports?: number[] }';

/** What is wrong with a policy read from untrusted data (a scenario file), field by field. */
export function firewallPolicyProblems(policy: unknown): Problem[] {
  if (!isObject(policy) || typeof policy.name !== 'string' || typeof policy.stateful !== 'boolean') return [{ field: '', message: POLICY_SHAPE }];
  const problems = unknownFields(policy, ['name', 'stateful', 'outbound', 'inbound', 'udpFlowLifetimeMs', 'tcpFlowLifetimeMs']);
  for (const field of ['udpFlowLifetimeMs', 'tcpFlowLifetimeMs']) {
    if (policy[field] !== undefined && !isPositiveDuration(policy[field])) problems.push({ field, message: `${field} must be a positive number of ms` });
  }
  for (const direction of ['outbound', 'inbound']) {
    const d = policy[direction];
    if (!isObject(d) || (d.default !== 'allow' && d.default !== 'deny') || !Array.isArray(d.rules)) {
      problems.push({ field: direction, message: POLICY_SHAPE });
      continue;
    }
    problems.push(...unknownFields(d, ['rules', 'default']).map((p) => ({ ...p, field: `${direction}.${p.field}` })));
    d.rules.forEach((rule: unknown, i: number) => {
      const field = `${direction}.rules[${i}]`;
      const portOk = (p: unknown) => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535;
      if (
        !isObject(rule) ||
        (rule.action !== 'allow' && rule.action !== 'deny') ||
        (rule.protocol !== undefined && rule.protocol !== 'udp' && rule.protocol !== 'tcp') ||
        (rule.ports !== undefined && !(Array.isArray(rule.ports) && rule.ports.every(portOk)))
      ) {
        return problems.push({ field, message: POLICY_SHAPE });
      }
      // A misspelt field of a rule ("port" for "ports") would widen it to every port: refuse it.
      problems.push(...unknownFields(rule, ['action', 'protocol', 'ports']).map((p) => ({ ...p, field: `${field}.${p.field}` })));
    });
  }
  return problems;
}

/** A firewall's answer for one packet: allowed, or refused with a `detail` (which rule or the default policy) that the trace shows as the drop's reason. */
export type FirewallVerdict = { readonly allowed: true } | { readonly allowed: false; readonly detail: string };

/**
 * A firewall policy at work on one host or NAT, on the world's clock (flows
 * expire in virtual time). The world builds one from each `firewall` in the
 * topology; the host or NAT asks it about every packet.
 */
export class Firewall {
  private readonly flows = new Map<string, number>();

  constructor(
    readonly policy: FirewallPolicy,
    private readonly clock: VirtualClock,
  ) {}

  /** May `local` send to `remote`? Rules only; call `noteFlow` once the packet really leaves. */
  checkOutbound(protocol: Protocol, remote: TransportAddress): FirewallVerdict {
    return this.evaluate(this.policy.outbound, protocol, remote.port, `outbound ${protocol} to ${formatAddress(remote)}`);
  }

  /** Remembers an outbound flow so its replies are let in (stateful firewalls only). */
  noteFlow(protocol: Protocol, local: TransportAddress, remote: TransportAddress): void {
    if (!this.policy.stateful) return;
    this.flows.set(flowKey(protocol, local, remote), this.clock.now() + this.flowLifetime(protocol));
  }

  /** May `remote` send to `local`? A reply to a live flow always may; otherwise the inbound rules decide. */
  checkInbound(protocol: Protocol, local: TransportAddress, remote: TransportAddress): FirewallVerdict {
    if (this.policy.stateful) {
      const key = flowKey(protocol, local, remote);
      const expiresAt = this.flows.get(key);
      if (expiresAt !== undefined) {
        if (expiresAt > this.clock.now()) {
          this.flows.set(key, this.clock.now() + this.flowLifetime(protocol));
          return { allowed: true };
        }
        this.flows.delete(key);
      }
    }
    return this.evaluate(this.policy.inbound, protocol, local.port, `inbound ${protocol} from ${formatAddress(remote)} to ${formatAddress(local)}`);
  }

  private flowLifetime(protocol: Protocol): number {
    return protocol === 'udp' ? (this.policy.udpFlowLifetimeMs ?? 120_000) : (this.policy.tcpFlowLifetimeMs ?? 7_440_000);
  }

  private evaluate(direction: FirewallDirection, protocol: Protocol, port: number, what: string): FirewallVerdict {
    for (const [i, rule] of direction.rules.entries()) {
      if (rule.protocol !== undefined && rule.protocol !== protocol) continue;
      if (rule.ports !== undefined && !rule.ports.includes(port)) continue;
      return rule.action === 'allow' ? { allowed: true } : { allowed: false, detail: `firewall ${this.policy.name}: ${what} refused by rule ${i + 1} (${describeRule(rule)})` };
    }
    if (direction.default === 'allow') return { allowed: true };
    const unsolicited = this.policy.stateful && direction === this.policy.inbound ? ', and it answers no flow that went out' : '';
    return { allowed: false, detail: `firewall ${this.policy.name}: ${what} refused by the default policy${unsolicited}` };
  }
}

function flowKey(protocol: Protocol, local: TransportAddress, remote: TransportAddress): string {
  return `${protocol} ${formatAddress(local)} ${formatAddress(remote)}`;
}

function describeRule(rule: FirewallRule): string {
  const ports = rule.ports ? ` port ${rule.ports.join('/')}` : '';
  return `${rule.action} ${rule.protocol ?? 'any'}${ports}`;
}
