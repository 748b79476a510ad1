/**
 * What a network-level scenario showed, host by host: the mappings the outside
 * world saw (and the RFC 4787 mapping behaviour they reveal), and which
 * datagrams got through, or where and why they died.
 */
import { NETWORK_PROFILES, isNetworkProfileName, scopeOf, type MappingBehaviour, type ScenarioRun, type SendOutcome } from '../sim/index.js';
import { parseTransportAddress } from '../io/index.js';

/** The mapping cell of a host whose datagrams were too few to tell its mapping behaviour. */
const NOT_ENOUGH = '?';

export interface MappingObservation {
  /** Where the datagram was sent. */
  readonly to: string;
  /** The source address the receiver (or the last node it reached) saw: the host's address as its NATs made it. */
  readonly seenAs: string;
}

/** What observations can tell: RFC 4787's behaviours, or only that the mapping is not endpoint-independent. */
export type InferredMapping = MappingBehaviour | 'endpoint-dependent';

/**
 * Infers the mapping behaviour from what receivers saw, as RFC 5780 §4.3's
 * behaviour discovery does: one external address for every destination is
 * endpoint-independent; one per destination address (seen from two ports of one
 * address), address-dependent; one per ip:port, address-and-port-dependent.
 * Without two ports of one address to compare, a changing address only says
 * "endpoint-dependent". Undefined when there is too little to tell.
 */
export function inferMapping(observations: readonly MappingObservation[]): InferredMapping | undefined {
  if (observations.length < 2) return undefined;
  if (new Set(observations.map((o) => o.seenAs)).size === 1) return 'endpoint-independent';
  const byAddress = new Map<string, Set<string>>();
  for (const o of observations) {
    const address = parseTransportAddress(o.to).address;
    byAddress.set(address, (byAddress.get(address) ?? new Set()).add(o.seenAs));
  }
  const destinations = new Set(observations.map((o) => o.to));
  const portsOfOneAddress = destinations.size > byAddress.size;
  if (!portsOfOneAddress) return 'endpoint-dependent';
  return [...byAddress.values()].every((seen) => seen.size === 1) ? 'address-dependent' : 'address-and-port-dependent';
}

const MAPPING_WORDS: Record<InferredMapping, string> = {
  'endpoint-independent': 'endpoint-independent mapping: one external address for every destination, so a STUN server learns the address every peer can use',
  'address-dependent': 'address-dependent mapping: a new external address for each destination IP, so what a STUN server saw is not what a peer will see',
  'address-and-port-dependent': "address-and-port-dependent mapping: a new external address for each destination ip:port (RFC 3489's \"symmetric\"), so the STUN-learnt address is useless to a peer",
  'endpoint-dependent': "a new external address for another destination (RFC 3489's \"symmetric\"): the STUN-learnt address is useless to a peer",
};

/**
 * What a network-level scenario showed, host by host, in lines of text: the
 * host's network and address, where each of its labelled datagrams was seen
 * as coming from, the RFC 4787 §4.1 mapping behaviour that reveals, and which
 * datagrams to it got through (or where and why they died).
 */
export function summarize(run: ScenarioRun): string[] {
  return focusHosts(run).flatMap((host) => summarizeHost(run, host));
}

/** What a mapping cell says, for the legend (only the values a table shows are explained). */
const MAPPING_LEGEND: Record<string, string> = {
  'endpoint-independent': 'one external address for every destination (RFC 4787 §4.1)',
  'address-dependent': 'a new external address for each destination IP (RFC 4787 §4.1)',
  'address-and-port-dependent': 'a new external address for each destination ip:port (RFC 4787 §4.1)',
  'endpoint-dependent': 'a new external address for another destination; no two ports of one address were tried, so address- and address-and-port-dependent cannot be told apart',
  'nothing got out': 'none of the datagrams the host sent arrived anywhere',
  [NOT_ENOUGH]: 'fewer than two of its datagrams to public addresses were seen from outside: too few to tell',
};

/** One row per host: the mapping behaviour seen, what came in, and the TCP attempts; then a legend of what the rows show. */
export function summaryTable(run: ScenarioRun): string[] {
  const rows = focusHosts(run).map((host) => {
    const own = ownSends(run, host);
    const mapping = own.length > 0 && own.every((o) => !o.delivered) ? 'nothing got out' : (inferMapping(observations(run, host)) ?? NOT_ENOUGH);
    const incoming = incomingSends(run, host).map(mark);
    const tcp = run.connections.filter((c) => c.host === host).map((c) => (c.result === 'open' ? '✓' : `✗ ${c.result}`));
    return [host, mapping, incoming.join(' '), tcp.join(' ')];
  });
  const header = ['host', 'mapping seen from outside', 'incoming', 'tcp'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), '', ...summaryLegend(rows)];
}

/** Every value and mark the rows show, explained; nothing the rows do not show. */
function summaryLegend(rows: readonly string[][]): string[] {
  const shown = (column: number, test: (cell: string) => boolean) => rows.some((r) => test(r[column]!));
  const mappings = [...new Set(rows.map((r) => r[1]!))];
  const marks = [
    ...(shown(2, (c) => c.includes('✓')) ? ['✓ got in'] : []),
    ...(shown(2, (c) => c.includes('✗')) ? ['✗ dropped on the way (the line above says where and why)'] : []),
    ...(shown(2, (c) => c.includes('·')) ? ['· not sent: the datagram it answers never arrived, so nobody knew where to send it'] : []),
    ...(shown(2, (c) => c === '') ? ['blank: nothing was aimed at the host'] : []),
  ];
  const tcp = [
    ...(shown(3, (c) => c.includes('✓')) ? ['✓ connected'] : []),
    ...(shown(3, (c) => c.includes('✗')) ? ['✗ failed, and why'] : []),
    ...(shown(3, (c) => c === '') ? ['blank: the host tried none'] : []),
  ];
  return [
    'mapping seen from outside: the mapping behaviour (RFC 4787 §4.1) that the source addresses of the host\'s datagrams to public addresses show:',
    ...mappings.map((m) => `  ${m}: ${MAPPING_LEGEND[m] ?? m}`),
    `incoming, the datagrams others aimed at the host in the order they were sent (the lines above name each): ${marks.join('; ')}`,
    `tcp, the TCP connections the host tried: ${tcp.join('; ')}`,
  ];
}

/** The hosts a summary is about: the scenario's focus, or every host that sent something that is not a reply. */
function focusHosts(run: ScenarioRun): readonly string[] {
  return run.scenario.focus ?? [...new Set(run.outcomes.filter((o) => !o.reply).map((o) => o.host))];
}

/** What a host sent on its own initiative (not replies to what it received). */
function ownSends(run: ScenarioRun, host: string): SendOutcome[] {
  return run.outcomes.filter((o) => o.host === host && !o.reply);
}

/** What others aimed at the host's observed addresses. */
function incomingSends(run: ScenarioRun, host: string): SendOutcome[] {
  return run.outcomes.filter((o) => o.toward === host && o.host !== host);
}

/**
 * The source address the internet saw for each of the host's sends to a public
 * address: where it was delivered, or where it died if that was past the host's NATs.
 */
function observations(run: ScenarioRun, host: string): MappingObservation[] {
  return ownSends(run, host).flatMap((o) => {
    const seenAs = o.delivered?.src ?? o.dropped?.path.at(-1)?.src;
    if (o.to === '?' || seenAs === undefined) return [];
    const isPublic = (a: string) => scopeOf(parseTransportAddress(a).address) === 'public';
    return isPublic(o.to) && isPublic(seenAs) ? [{ to: o.to, seenAs }] : [];
  });
}

function summarizeHost(run: ScenarioRun, host: string): string[] {
  const spec = run.scenario.topology.hosts.find((h) => h.id === host);
  const profile = spec?.profile && isNetworkProfileName(spec.profile) ? NETWORK_PROFILES[spec.profile] : undefined;
  const addresses = run.world.host(host).addresses;
  const nats = run.world.natsAbove(host);
  const lines = [`${host}${profile ? ` — ${profile.summary}${'rfc3489' in profile ? ` (RFC 3489: ${profile.rfc3489})` : ''}` : ''}`];
  lines.push(`  its address: ${addresses.join(', ')}${nats.length ? `, behind ${nats.map((n) => n.id).join(' behind ')}` : ', public'}`);

  for (const o of ownSends(run, host)) lines.push(`  ${mark(o)} ${o.label}: ${o.delivered ? `seen by ${o.to} as coming from ${o.delivered.src}` : fate(o)}`);
  const seen = observations(run, host);
  const behaviour = inferMapping(seen);
  if (seen.length > 0 && seen.every((o) => addresses.includes(parseTransportAddress(o.seenAs).address))) {
    lines.push('  ⇒ no translation: the world sees its own address');
  } else if (behaviour) {
    lines.push(`  ⇒ ${MAPPING_WORDS[behaviour]}`);
  }
  const passedBy = whyLetIn(run, host);
  for (const o of incomingSends(run, host)) lines.push(`  ${mark(o)} ${o.label}: ${o.delivered ? `got through (${passedBy})` : fate(o)}`);
  for (const c of run.connections.filter((x) => x.host === host)) lines.push(`  ${c.result === 'open' ? '✓' : '✗'} ${c.label}: ${c.result === 'open' ? 'connected' : `failed (${c.result})`}`);
  return lines;
}

/** Why a datagram got in: the filtering of every NAT on the way, outermost first. */
function whyLetIn(run: ScenarioRun, host: string): string {
  const nats = run.world.natsAbove(host).reverse();
  if (nats.length === 0) return 'no NAT in the way';
  return nats.map((nat) => `${nat.id}: ${nat.table.behaviour.filtering} filtering${nat.table.behaviour.filtering === 'endpoint-independent' ? ' lets anyone in' : ' saw the host write there'}`).join('; ');
}

function mark(o: SendOutcome): string {
  return o.delivered ? '✓' : o.skipped ? '·' : '✗';
}

function fate(o: SendOutcome): string {
  if (o.skipped) return `not sent: ${o.skipped}`;
  if (o.dropped) return `dropped at ${o.dropped.at} (${o.dropped.reason}): ${o.dropped.detail}`;
  return 'still in flight when the run ended';
}
