import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseCandidate, type IceCandidate } from '../../src/wire/ice-candidate.js';
import {
  LIBWEBRTC_TYPE_PREFERENCE,
  RFC_TYPE_PREFERENCE,
  candidatePriority,
  libwebrtcPriority,
  localPreference,
  pairPriority,
  pairPriorityFor,
  peerReflexivePriority,
  priorityParts,
  typePreference,
} from '../../src/ice/priority.js';
import { corpusLines } from './corpus.js';

interface Seen {
  readonly file: string;
  readonly section: number;
  readonly candidate: IceCandidate;
}

function corpus(filePrefix: string): Seen[] {
  return corpusLines('a=candidate:')
    .filter((l) => l.file.startsWith(filePrefix))
    .map((l) => {
      const r = parseCandidate(l.line);
      if (!r.ok) throw new Error(l.line);
      return { file: l.file, section: l.section, candidate: r.candidate };
    });
}

describe('candidate priority (RFC 8445 §5.1.2.1)', () => {
  it('is the formula, with the RFC recommended type preferences', () => {
    expect(RFC_TYPE_PREFERENCE).toEqual({ host: 126, prflx: 110, srflx: 100, relay: 0 });
    expect(candidatePriority(126, 65535, 1)).toBe(2130706431); // one address: local preference 65535 (§5.1.2.1)
    expect(candidatePriority(0, 0, 256)).toBe(0);
    expect(priorityParts(2130706431)).toEqual({ typePreference: 126, localPreference: 65535, component: 1 });
  });

  it('refuses preferences and components outside the RFC ranges', () => {
    expect(() => candidatePriority(127, 0, 1)).toThrow(RangeError);
    expect(() => candidatePriority(1, 65536, 1)).toThrow(RangeError);
    expect(() => candidatePriority(1, 1, 0)).toThrow(RangeError);
    expect(() => localPreference({ address: '10.0.0.1', networkPreference: 128 })).toThrow(RangeError);
    expect(() => localPreference({ address: '10.0.0.1', relayPreference: 33 })).toThrow(RangeError);
  });

  it("gives Chrome's classic host values (libwebrtc with enumerated networks, NIC pref 127, 126, …)", () => {
    // 2122260223 = 126<<24 | (127<<8 | 30)<<8 | 255: the first network (NIC pref 127), IPv4 (precedence 30), component 1.
    expect(libwebrtcPriority({ type: 'host', transport: 'udp', component: 1, address: '192.168.1.2', networkPreference: 127 })).toBe(2122260223);
    // the second network (126), IPv4; and the first network's global IPv6 address (precedence 40).
    expect(libwebrtcPriority({ type: 'host', transport: 'udp', component: 1, address: '10.0.0.2', networkPreference: 126 })).toBe(2122194687);
    expect(libwebrtcPriority({ type: 'host', transport: 'udp', component: 1, address: '2001:db8::2', networkPreference: 127 })).toBe(2122262783);
    // RTCP (component 2) is one lower.
    expect(libwebrtcPriority({ type: 'host', transport: 'udp', component: 2, address: '192.168.1.2', networkPreference: 127 })).toBe(2122260222);
  });

  it("ranks as libwebrtc does: UDP before TCP, TURN over UDP before DTLS, TCP, TLS", () => {
    expect(typePreference('host', 'udp')).toBe(126);
    expect(typePreference('host', 'tcp')).toBe(90);
    expect(typePreference('prflx', 'tcp')).toBe(80);
    expect(typePreference('srflx', 'udp')).toBe(100);
    expect(['udp', 'dtls', 'tcp', 'tls'].map((p) => typePreference('relay', 'udp', p as 'udp'))).toEqual([3, 2, 1, 0]);
    expect(LIBWEBRTC_TYPE_PREFERENCE.prflx).toBeGreaterThan(LIBWEBRTC_TYPE_PREFERENCE.srflx); // §5.1.2.1 MUST
  });

  it('gives checks the PRIORITY of a peer-reflexive candidate (§7.1.1), 80 for TCP as libwebrtc', () => {
    expect(peerReflexivePriority(2122260223, 'udp')).toBe(1853824767);
    expect(priorityParts(peerReflexivePriority(2122260223, 'tcp'))).toEqual({ typePreference: 80, localPreference: (127 << 8) | 30, component: 1 });
  });

  test.prop([
    fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
    fc.constantFrom('udp' as const, 'tcp' as const),
    fc.constantFrom('udp' as const, 'dtls' as const, 'tcp' as const, 'tls' as const),
    fc.oneof(fc.ipV4(), fc.ipV6()),
    fc.integer({ min: 0, max: 127 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 1, max: 256 }),
  ])('libwebrtc priorities are valid RFC priorities that decompose into their parts', (type, transport, relayProtocol, address, networkPreference, relayPreference, component) => {
    const p = libwebrtcPriority({ type, transport, relayProtocol, address, networkPreference, relayPreference, component });
    expect(p).toBeGreaterThanOrEqual(1);
    expect(p).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(priorityParts(p)).toEqual({
      typePreference: typePreference(type, transport, relayProtocol),
      localPreference: localPreference({ address, networkPreference, relayPreference }),
      component,
    });
  });
});

describe('the corpus priorities, explained', () => {
  /**
   * Chromium 156 (headless, no camera permission) may not enumerate network
   * adapters, so libwebrtc gathers on its "any address" networks, whose NIC
   * preference is 0; it signals host addresses as mDNS names. Rules:
   * type preference (host 126, srflx 100, relay over UDP 3), local preference
   * = address precedence (+1 for the one TURN server), 256 − component.
   * srflx and relay addresses are the 127.0.0.1 of coturn: precedence 30. A
   * host's IP hides behind its .local name, but its family shows: the host
   * whose port the srflx candidate of the same m-section reports (coturn on
   * 127.0.0.1 saw that IPv4 socket) has 30, IPv4; the other host has 50,
   * which only a unique-local IPv6 address (fc00::/7) gets.
   */
  it('Chromium 156: every candidate follows libwebrtc with NIC preference 0', () => {
    const seen = corpus('chromium156-');
    expect(seen.length).toBe(44);
    for (const { file, section, candidate: c } of seen) {
      let address = c.address;
      let relayPreference = 0;
      if (c.type === 'host') {
        const srflxPorts = seen.filter((s) => s.file === file && s.section === section && s.candidate.type === 'srflx').map((s) => s.candidate.port);
        address = srflxPorts.includes(c.port) ? '192.0.2.1' : 'fd00::1'; // stand-ins of the family (and ULA-ness) shown
      }
      if (c.type === 'relay') relayPreference = 1;
      const expected = libwebrtcPriority({ type: c.type, transport: c.transport, component: c.component, address, relayPreference, relayProtocol: 'udp' });
      expect(c.priority, `${file}: ${c.type} ${c.address}`).toBe(expected);
    }
    const values = new Set(seen.map((s) => s.candidate.priority));
    expect([...values].sort()).toEqual([1677729535, 2113937151, 2113942271, 50339839]);
  });

  /**
   * Chrome of 2014 (via JsSIP, from an sdp-transform issue): NIC preference 0
   * and IPv4 precedence 30 as today; host TCP 90. Its srflx candidate has
   * type preference 110, not 100: libjingle's UDPPort gave srflx candidates
   * ICE_TYPE_PREFERENCE_PRFLX until libjingle 61168196 (webrtc commit
   * 9cf037b831, 2014-02-07) changed it to ..._SRFLX. The component-2 lines
   * repeat their component-1 twin's priority (and port and foundation)
   * instead of one less: the formula cannot explain them, the SDP came from
   * a bug report, and they are left as found.
   */
  it('Chrome 2014: component 1 follows libjingle of the time; component 2 repeats component 1', () => {
    const seen = corpus('sdp-transform-chrome2014');
    expect(seen.length).toBe(6);
    for (const { candidate: c } of seen.filter((s) => s.candidate.component === 1)) {
      const type = c.type === 'srflx' ? 110 : typePreference(c.type, c.transport);
      expect(c.priority).toBe(candidatePriority(type, localPreference({ address: '192.168.34.75' }), 1));
    }
    for (const { candidate: c } of seen.filter((s) => s.candidate.component === 2)) {
      const twin = seen.find((s) => s.candidate.component === 1 && s.candidate.foundation === c.foundation)?.candidate;
      expect(c.priority).toBe(twin?.priority);
    }
  });

  /**
   * Firefox ESR 153 (nICEr, ice_candidate.c nr_ice_candidate_compute_priority):
   *   type<<24 | interface preference<<16 | direction<<13 | server<<8 | 256 − component,
   * type preferences set in NrIceCtx: host 126, host TCP 125, srflx 100,
   * relay UDP 5 (TCP ones 99, 109, 0); direction (RFC 6544 §4.2) 0 for UDP,
   * 6 for an active host; server = 31 − the STUN/TURN server's index (0 for
   * host): the STUN server is first (31); the TURN server second (30), or
   * alone in the relay-only file (31). The interface preference (127, 126,
   * from Firefox's interface prioritizer) is the address's, so the UDP and
   * TCP candidates of one mDNS name share it, and the srflx candidate shares
   * that of the IPv4 host whose port it reports.
   */
  it('Firefox ESR 153: every candidate follows nICEr', () => {
    const seen = corpus('firefox-esr153-');
    expect(seen.length).toBe(81);
    const types = { host: { udp: 126, tcp: 125 }, srflx: { udp: 100 }, relay: { udp: 5 } } as Record<string, Record<string, number>>;
    const interfaceOf = new Map<string, number>();
    for (const { file, candidate: c } of seen) {
      const p = c.priority;
      const [type, iface, low] = [p >>> 24, (p >>> 16) & 0xff, (p >>> 8) & 0xff];
      const direction = low >> 5;
      const server = low & 31;
      expect(type, `${file}: ${c.type}`).toBe(types[c.type]?.[c.transport]);
      expect(256 - (p & 0xff)).toBe(c.component);
      expect(direction).toBe(c.tcpType === 'active' ? 6 : 0);
      expect(server).toBe(c.type === 'host' ? 0 : c.type === 'srflx' ? 31 : file.includes('relay-only') ? 31 : 30);
      expect([126, 127]).toContain(iface);
      if (c.type === 'host') {
        const key = `${file} ${c.address}`;
        expect(interfaceOf.get(key) ?? iface, key).toBe(iface);
        interfaceOf.set(key, iface);
      }
    }
    for (const { file, section, candidate: c } of seen.filter((s) => s.candidate.type === 'srflx')) {
      const host = seen.find((s) => s.file === file && s.section === section && s.candidate.type === 'host' && s.candidate.port === c.port);
      expect(host && (host.candidate.priority >>> 16) & 0xff).toBe((c.priority >>> 16) & 0xff);
    }
  });
});

describe('pair priority (RFC 8445 §6.1.2.3)', () => {
  it('is exact beyond 2^53', () => {
    expect(pairPriority(2 ** 31 - 1, 2 ** 31 - 1)).toBe(9223372036854775806n);
    expect(pairPriority(2, 1)).toBe((1n << 32n) + 4n + 1n);
    expect(pairPriority(1, 2)).toBe((1n << 32n) + 4n);
  });

  const priority = fc.integer({ min: 1, max: 2 ** 31 - 1 });

  test.prop([priority, priority])('both agents compute the same priority for the same pair', (mine, theirs) => {
    expect(pairPriorityFor('controlling', mine, theirs)).toBe(pairPriorityFor('controlled', theirs, mine));
  });

  test.prop([priority, priority])('swapping G and D changes only the last bit', (g, d) => {
    const diff = pairPriority(g, d) - pairPriority(d, g);
    expect(diff).toBe(g > d ? 1n : g < d ? -1n : 0n);
  });

  test.prop([priority, priority, priority, priority])('orders pairs by MIN(G,D) first, then MAX(G,D), then G>D', (g1, d1, g2, d2) => {
    const key = (g: number, d: number) => [Math.min(g, d), Math.max(g, d), g > d ? 1 : 0];
    const [a, b] = [key(g1, d1), key(g2, d2)];
    const lexical = a[0] !== b[0] ? Math.sign(a[0]! - b[0]!) : a[1] !== b[1] ? Math.sign(a[1]! - b[1]!) : Math.sign(a[2]! - b[2]!);
    const p1 = pairPriority(g1, d1);
    const p2 = pairPriority(g2, d2);
    expect(p1 > p2 ? 1 : p1 < p2 ? -1 : 0).toBe(lexical);
  });
});
