/**
 * Builders and arbitraries for the ICE tests: local candidates made the way
 * the agent will make them (libwebrtc priorities, RFC foundations), remote
 * candidates as a peer would signal them.
 */

import { fc } from '@fast-check/vitest';
import type { CandidateTransport, IceCandidate, TcpType } from '../../src/wire/ice-candidate.js';
import type { LocalCandidate } from '../../src/ice/candidate.js';
import { computeFoundation } from '../../src/ice/foundation.js';
import { libwebrtcPriority, peerReflexivePriority, type RelayProtocol } from '../../src/ice/priority.js';

export interface BuildOptions {
  readonly component?: number;
  readonly transport?: CandidateTransport;
  readonly tcpType?: TcpType;
  readonly networkPreference?: number;
}

export function host(address: string, port: number, o: BuildOptions = {}): LocalCandidate {
  const transport = o.transport ?? 'udp';
  const component = o.component ?? 1;
  return {
    foundation: computeFoundation({ type: 'host', transport, baseAddress: address }),
    component,
    transport,
    priority: libwebrtcPriority({ type: 'host', transport, component, address, networkPreference: o.networkPreference ?? 0 }),
    address,
    port,
    type: 'host',
    ...(o.tcpType !== undefined && { tcpType: o.tcpType }),
    extensions: [],
    base: { address, port },
  };
}

export function srflx(base: LocalCandidate, address: string, port: number, server = '198.51.100.1'): LocalCandidate {
  return {
    foundation: computeFoundation({ type: 'srflx', transport: base.transport, baseAddress: base.address, server }),
    component: base.component,
    transport: base.transport,
    priority: libwebrtcPriority({ type: 'srflx', transport: base.transport, component: base.component, address }),
    address,
    port,
    type: 'srflx',
    relatedAddress: base.address,
    relatedPort: base.port,
    ...(base.tcpType !== undefined && { tcpType: base.tcpType }),
    extensions: [],
    base: base.base,
    server,
  };
}

export function relay(address: string, port: number, o: BuildOptions & { server?: string; relayProtocol?: RelayProtocol } = {}): LocalCandidate {
  const component = o.component ?? 1;
  const server = o.server ?? '198.51.100.2';
  return {
    foundation: computeFoundation({ type: 'relay', transport: 'udp', baseAddress: address, server, relayProtocol: o.relayProtocol ?? 'udp' }),
    component,
    transport: 'udp',
    priority: libwebrtcPriority({ type: 'relay', transport: 'udp', component, address, relayPreference: 1, relayProtocol: o.relayProtocol ?? 'udp' }),
    address,
    port,
    type: 'relay',
    extensions: [],
    base: { address, port },
    server,
    relayProtocol: o.relayProtocol ?? 'udp',
  };
}

/** The local candidate a response maps to behind a NAT: a new peer-reflexive one (§7.2.5.3.1). */
export function prflxFor(local: LocalCandidate, priority = peerReflexivePriority(local.priority, local.transport)): LocalCandidate {
  const address = local.address.includes(':') ? '2001:db8::77' : '203.0.113.77';
  return {
    ...local,
    type: 'prflx',
    address,
    port: local.port + 1,
    priority,
    foundation: computeFoundation({ type: 'prflx', transport: local.transport, baseAddress: local.base.address }),
    base: local.base,
  };
}

export function remote(address: string, port: number, priority: number, foundation: string, o: BuildOptions & { type?: IceCandidate['type'] } = {}): IceCandidate {
  return {
    foundation,
    component: o.component ?? 1,
    transport: o.transport ?? 'udp',
    priority,
    address,
    port,
    type: o.type ?? 'host',
    ...(o.tcpType !== undefined && { tcpType: o.tcpType }),
    extensions: [],
  };
}

// ---- arbitraries: small pools, so that addresses, bases and foundations collide ----

const V4 = ['10.0.0.1', '10.0.0.2', '192.0.2.7'];
const V6 = ['2001:db8::1', 'fd00::7', 'fe80::1'];
export const localAddress = fc.constantFrom(...V4, ...V6);
const port = fc.constantFrom(5000, 5001, 9);
/** Mostly RTP (1), sometimes RTCP (2). */
const component = fc.integer({ min: 0, max: 3 }).map((n) => (n === 3 ? 2 : 1));
const tcpType = fc.constantFrom<TcpType>('active', 'passive', 'so');
/** One candidate in four is ICE-TCP. */
const tcp = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);

const hostArb = fc
  .record({ address: localAddress, port, component, tcp, tcpType, networkPreference: fc.integer({ min: 0, max: 127 }) })
  .map((r) =>
    host(r.address, r.port, {
      component: r.component,
      ...(r.tcp && { transport: 'tcp' as const, tcpType: r.tcpType }),
      networkPreference: r.networkPreference,
    }),
  );

/** Local candidates of one stream: hosts, srflx on some of them (sometimes equal to their host: no NAT), relays. */
export const localCandidates: fc.Arbitrary<LocalCandidate[]> = fc
  .record({
    hosts: fc.array(hostArb, { minLength: 1, maxLength: 5 }),
    reflexive: fc.array(fc.record({ of: fc.nat(), address: fc.constantFrom('203.0.113.5', '2001:db8::99', '10.0.0.1'), port, server: fc.constantFrom('198.51.100.1', '198.51.100.9') }), { maxLength: 3 }),
    relays: fc.array(fc.record({ address: fc.constantFrom('198.51.100.2', '2001:db8::2'), port, component, relayProtocol: fc.constantFrom<RelayProtocol>('udp', 'tcp', 'tls') }), { maxLength: 2 }),
  })
  .map(({ hosts, reflexive, relays }) => [
    ...hosts,
    ...reflexive.map((r) => {
      const base = hosts[r.of % hosts.length] as LocalCandidate;
      return srflx(base, base.address.includes(':') === r.address.includes(':') ? r.address : base.address, r.port, r.server);
    }),
    ...relays.map((r) => relay(r.address, r.port, { component: r.component, relayProtocol: r.relayProtocol })),
  ]);

/** Remote candidates as a peer signals them: priorities and foundations of its own. */
export const remoteCandidates: fc.Arbitrary<IceCandidate[]> = fc.array(
  fc
    .record({
      address: fc.constantFrom(...V4, ...V6, '203.0.113.9', '2001:db8::55', 'f2b1e1c4-1a2b-4c3d-8e9f-0a1b2c3d4e5f.local'),
      port,
      component,
      priority: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      foundation: fc.constantFrom('1', '2', '3', '4'),
      tcp,
      tcpType,
      type: fc.constantFrom<IceCandidate['type']>('host', 'srflx', 'relay'),
    })
    .map((r) => remote(r.address, r.port, r.priority, r.foundation, { component: r.component, type: r.type, ...(r.tcp && { transport: 'tcp' as const, tcpType: r.tcpType }) })),
  { minLength: 1, maxLength: 8 },
);
