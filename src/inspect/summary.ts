/**
 * What a network-level scenario showed, host by host: the mappings the outside
 * world saw (and the RFC 4787 mapping behaviour they reveal), and which
 * datagrams got through, or where and why they died.
 */
import { NETWORK_PROFILES, isNetworkProfileName, parseTransportAddress, type MappingBehaviour, type ScenarioRun, type SendOutcome } from '../sim/index.js';

export interface MappingObservation {
  /** Where the datagram was sent. */
  readonly to: string;
  /** The source address the receiver saw: the host's address as translated by its NATs. */
  readonly seenAs: string;
}

/**
 * Infers the mapping behaviour from what receivers saw, as RFC 5780 §4.3's
 * behaviour discovery does: one external address for every destination is
 * endpoint-independent; one per destination address, address-dependent; else
 * address-and-port-dependent. Undefined when the observations cannot tell.
 */
export function inferMapping(observations: readonly MappingObservation[]): MappingBehaviour | undefined {
  if (observations.length < 2) return undefined;
  const distinct = new Set(observations.map((o) => o.seenAs));
  if (distinct.size === 1) return 'endpoint-independent';
  const byAddress = new Map<string, Set<string>>();
  for (const o of observations) {
    const address = parseTransportAddress(o.to).address;
    byAddress.set(address, (byAddress.get(address) ?? new Set()).add(o.seenAs));
  }
  const samePerAddress = [...byAddress.values()].every((seen) => seen.size === 1);
  const anAddressWithTwoPorts = observations.some((o, i) => observations.some((p, j) => i !== j && parseTransportAddress(o.to).address === parseTransportAddress(p.to).address));
  return samePerAddress && anAddressWithTwoPorts ? 'address-dependent' : 'address-and-port-dependent';
}

const MAPPING_WORDS: Record<MappingBehaviour, string> = {
  'endpoint-independent': 'endpoint-independent mapping: one external address for every destination, so a STUN server learns the address every peer can use',
  'address-dependent': 'address-dependent mapping: a new external address for each destination IP, so what a STUN server saw is not what a peer will see',
  'address-and-port-dependent': "address-and-port-dependent mapping: a new external address for each destination ip:port (RFC 3489's \"symmetric\"), so the STUN-learnt address is useless to a peer",
};

export function summarize(run: ScenarioRun): string[] {
  return focusHosts(run).flatMap((host) => summarizeHost(run, host));
}

/** The hosts a summary is about: the scenario's focus, or every host that sent something of its own. */
function focusHosts(run: ScenarioRun): readonly string[] {
  return run.scenario.focus ?? [...new Set(run.outcomes.filter((o) => o.answers === undefined).map((o) => o.host))];
}

/** A host's own sends (not answers), and the source address each receiver saw. */
function ownSends(run: ScenarioRun, host: string): { sends: SendOutcome[]; observations: MappingObservation[] } {
  const sends = run.outcomes.filter((o) => o.host === host && o.answers === undefined);
  return { sends, observations: sends.flatMap((o) => (o.delivered ? [{ to: o.to, seenAs: o.delivered.src }] : [])) };
}

function summarizeHost(run: ScenarioRun, host: string): string[] {
  const spec = run.scenario.topology.hosts.find((h) => h.id === host);
  const profile = spec?.profile && isNetworkProfileName(spec.profile) ? NETWORK_PROFILES[spec.profile] : undefined;
  const addresses = run.world.host(host).addresses;
  const lines = [`${host}${profile ? ` — ${profile.summary}${'rfc3489' in profile ? ` (RFC 3489: ${profile.rfc3489})` : ''}` : ''}`];
  lines.push(`  its address: ${addresses.join(', ')}${run.world.natsAbove(host).length ? `, behind ${run.world.natsAbove(host).map((n) => n.id).join(' behind ')}` : ', public'}`);

  const { sends: own, observations } = ownSends(run, host);
  for (const o of own) lines.push(`  ${mark(o)} ${o.label}: ${o.delivered ? `seen by ${o.to} as coming from ${o.delivered.src}` : fate(o)}`);
  const behaviour = inferMapping(observations);
  if (observations.length > 0 && observations.every((o) => addresses.includes(parseTransportAddress(o.seenAs).address))) {
    lines.push('  ⇒ no translation: the world sees its own address');
  } else if (behaviour) {
    lines.push(`  ⇒ ${MAPPING_WORDS[behaviour]}`);
  }
  const passedBy = whyLetIn(run, host);
  for (const o of run.outcomes.filter((x) => x.answers === host)) lines.push(`  ${mark(o)} ${o.label}: ${o.delivered ? `got through (${passedBy})` : fate(o)}`);
  for (const c of run.connections.filter((x) => x.host === host)) lines.push(`  ${c.result === 'open' ? '✓' : '✗'} ${c.label}: ${c.result === 'open' ? 'connected' : `failed (${c.result})`}`);
  return lines;
}

/** Why an answer got in: the filtering of every NAT on the way, outermost first. */
function whyLetIn(run: ScenarioRun, host: string): string {
  const nats = run.world.natsAbove(host).reverse();
  if (nats.length === 0) return 'no NAT in the way';
  return nats.map((nat) => `${nat.id}: ${nat.table.behaviour.filtering} filtering${nat.table.behaviour.filtering === 'endpoint-independent' ? ' lets anyone in' : ' saw the host write there'}`).join('; ');
}

/** One row per host: the mapping behaviour seen, and whether each answer got through. */
export function summaryTable(run: ScenarioRun): string[] {
  const rows = focusHosts(run).map((host) => {
    const { sends: own, observations } = ownSends(run, host);
    const mapping = own.every((o) => !o.delivered) ? 'nothing got out' : (inferMapping(observations) ?? '?');
    const answers = run.outcomes.filter((o) => o.answers === host).map(mark);
    const tcp = run.connections.filter((c) => c.host === host).map((c) => (c.result === 'open' ? '✓' : `✗ ${c.result}`));
    return [host, mapping, answers.join(' '), tcp.join(' ')];
  });
  const header = ['host', 'mapping seen from outside', 'answers (✓ in, ✗ dropped, · not sent)', 'tcp'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function mark(o: SendOutcome): string {
  return o.delivered ? '✓' : o.skipped ? '·' : '✗';
}

function fate(o: SendOutcome): string {
  if (o.skipped) return `not sent: ${o.skipped}`;
  if (o.dropped) return `dropped at ${o.dropped.at} (${o.dropped.reason}): ${o.dropped.detail}`;
  return 'still in flight when the run ended';
}
