import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  CandidateFormatError,
  candidateExtension,
  connectionAddressKind,
  isEndOfCandidates,
  parseCandidate,
  parseIceAttribute,
  serializeCandidate,
  type CandidateParseErrorCode,
  type IceCandidate,
} from '../../src/wire/ice-candidate.js';
import { corpusFiles, corpusLines, manifestCandidateCounts } from '../ice/corpus.js';

const CODES: readonly CandidateParseErrorCode[] = [
  'line-break', 'not-a-candidate', 'empty-field', 'too-few-fields', 'bad-foundation', 'bad-component',
  'unsupported-transport', 'bad-priority', 'bad-address', 'bad-port', 'missing-typ', 'unknown-candidate-type',
  'bad-related-address', 'bad-related-port', 'misplaced-keyword', 'bad-tcptype', 'tcptype-on-udp',
  'bad-extension-name', 'bad-extension-value', 'extension-without-value',
];

function parsed(text: string): IceCandidate {
  const r = parseCandidate(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.code} ${r.error.message}`);
  return r.candidate;
}

describe('candidate lines of the real SDP corpus', () => {
  const lines = corpusLines('a=candidate:');

  it('has the candidate lines MANIFEST.md counts, file by file (131 in all)', () => {
    const manifest = manifestCandidateCounts();
    const files = corpusFiles();
    expect(manifest.size).toBe(files.length);
    for (const { file } of files) {
      expect(lines.filter((l) => l.file === file).length, file).toBe(manifest.get(file));
    }
    expect(lines.length).toBe(131);
  });

  it('parses every a=candidate: line and writes it back byte for byte', () => {
    for (const { file, line } of lines) {
      const r = parseCandidate(line);
      expect(r.ok, `${file}: ${line}`).toBe(true);
      if (!r.ok) continue;
      expect(r.prefix).toBe('a=candidate:');
      expect(serializeCandidate(r.candidate, r.prefix), file).toBe(line);
    }
  });

  it('reads each line the same with the a= prefix, the candidate: prefix, none, and a trailing CRLF', () => {
    for (const { line } of lines) {
      const whole = parsed(line);
      const w3c = line.slice(2);
      const bare = line.slice('a=candidate:'.length);
      expect(parseCandidate(w3c)).toEqual({ ok: true, candidate: whole, prefix: 'candidate:' });
      expect(parseCandidate(bare)).toEqual({ ok: true, candidate: whole, prefix: '' });
      expect(parseCandidate(`${line}\r\n`)).toEqual({ ok: true, candidate: whole, prefix: 'a=candidate:' });
      expect(serializeCandidate(whole)).toBe(w3c);
      expect(serializeCandidate(whole, '')).toBe(bare);
    }
  });

  it('reads every a=end-of-candidates line as the marker (15 in all)', () => {
    const ends = corpusLines('a=end-of-candidates');
    expect(ends.length).toBe(15);
    for (const { line } of ends) expect(parseIceAttribute(line)).toEqual({ ok: true, kind: 'end-of-candidates' });
  });

  it('sees the kinds of candidate the corpus was chosen for', () => {
    const all = lines.map((l) => parsed(l.line));
    const kinds = new Set(all.map((c) => `${c.type}/${c.transport}/${connectionAddressKind(c.address)}`));
    expect([...kinds].sort()).toEqual([
      'host/tcp/FQDN', 'host/tcp/IPv4', 'host/udp/FQDN', 'host/udp/IPv4', 'relay/udp/IPv4', 'srflx/udp/IPv4',
    ]);
    expect(new Set(all.map((c) => c.transportText ?? c.transport))).toEqual(new Set(['udp', 'tcp', 'UDP', 'TCP']));
  });
});

describe('parseCandidate: fields', () => {
  it('reads a Chromium srflx line with its libwebrtc extensions in order', () => {
    const c = parsed('a=candidate:3190592430 1 udp 1677729535 127.0.0.1 59587 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999');
    expect(c).toEqual({
      foundation: '3190592430', component: 1, transport: 'udp', priority: 1677729535, address: '127.0.0.1', port: 59587,
      type: 'srflx', relatedAddress: '0.0.0.0', relatedPort: 0,
      extensions: [{ name: 'generation', value: '0' }, { name: 'network-cost', value: '999' }],
    });
    expect(candidateExtension(c, 'network-cost')).toBe('999');
    expect(candidateExtension(c, 'ufrag')).toBeUndefined();
  });

  it('reads a Firefox ICE-TCP active candidate on an mDNS name, keeping "TCP" as written', () => {
    const c = parsed('candidate:5 1 TCP 2105524479 7321dd60-1149-4f0b-b213-7ac7d3129730.local 9 typ host tcptype active');
    expect(c).toMatchObject({ transport: 'tcp', transportText: 'TCP', tcpType: 'active', port: 9, extensions: [] });
    expect(connectionAddressKind(c.address)).toBe('FQDN');
  });

  it('reads IPv6 addresses as written, trickled ufrag and network-id extensions, and a TCP line without tcptype', () => {
    const v6 = parsed('candidate:1 1 udp 2122262783 2001:DB8::1 9 typ host generation 0 ufrag EsAw network-id 2');
    expect(v6.address).toBe('2001:DB8::1');
    expect(candidateExtension(v6, 'ufrag')).toBe('EsAw');
    expect(serializeCandidate(v6)).toBe('candidate:1 1 udp 2122262783 2001:DB8::1 9 typ host generation 0 ufrag EsAw network-id 2');
    expect(parsed('a=candidate:198437945 1 tcp 1509957375 192.168.34.75 0 typ host generation 0').tcpType).toBeUndefined();
  });

  it('reads keywords in any case (RFC 5234 §2.3) and writes them in lower case', () => {
    const c = parsed('Candidate:1 1 Udp 100 10.0.0.1 5000 TYP SrFlx RADDR 10.0.0.2 RPORT 6000');
    expect(c).toMatchObject({ type: 'srflx', relatedAddress: '10.0.0.2', relatedPort: 6000, transportText: 'Udp' });
    expect(serializeCandidate(c)).toBe('candidate:1 1 Udp 100 10.0.0.1 5000 typ srflx raddr 10.0.0.2 rport 6000');
  });

  it('takes raddr and rport each on its own (the grammar makes both optional)', () => {
    expect(parsed('candidate:1 1 udp 1 10.0.0.1 1 typ relay rport 7')).toMatchObject({ relatedPort: 7 });
    expect(parsed('candidate:1 1 udp 1 10.0.0.1 1 typ relay raddr 10.0.0.2').relatedAddress).toBe('10.0.0.2');
  });

  it('knows the end-of-candidates marker in both forms', () => {
    expect(isEndOfCandidates('a=end-of-candidates')).toBe(true);
    expect(isEndOfCandidates('end-of-candidates\r\n')).toBe(true);
    expect(isEndOfCandidates('a=end-of-candidates:1')).toBe(false);
    expect(parseIceAttribute('candidate:1 1 udp 1 10.0.0.1 1 typ host')).toMatchObject({ ok: true, kind: 'candidate' });
  });
});

describe('parseCandidate: refusals', () => {
  const base = 'candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host';
  it.each<[string, CandidateParseErrorCode, number, string]>([
    ['a=mid:0', 'not-a-candidate', 0, 'a=mid:'],
    ['', 'too-few-fields', 0, ''],
    ['a=candidate:', 'too-few-fields', 12, ''],
    ['candidate:1 1 udp 2130706431 10.0.0.1 5000 typ', 'too-few-fields', 46, ''],
    ['candidate:1  1 udp 2130706431 10.0.0.1 5000 typ host', 'empty-field', 12, ''],
    [`${base} `, 'empty-field', 52, ''],
    [`${base}\r\nx`, 'line-break', 51, '\r'],
    ['candidate:a-b 1 udp 2130706431 10.0.0.1 5000 typ host', 'bad-foundation', 10, 'a-b'],
    [`candidate:${'f'.repeat(33)} 1 udp 1 10.0.0.1 5000 typ host`, 'bad-foundation', 10, 'f'.repeat(33)],
    ['candidate:1 0 udp 2130706431 10.0.0.1 5000 typ host', 'bad-component', 12, '0'],
    ['candidate:1 257 udp 2130706431 10.0.0.1 5000 typ host', 'bad-component', 12, '257'],
    ['candidate:1 1 sctp 2130706431 10.0.0.1 5000 typ host', 'unsupported-transport', 14, 'sctp'],
    ['candidate:1 1 udp 0 10.0.0.1 5000 typ host', 'bad-priority', 18, '0'],
    ['candidate:1 1 udp 2147483648 10.0.0.1 5000 typ host', 'bad-priority', 18, '2147483648'],
    ['candidate:1 1 udp 1e3 10.0.0.1 5000 typ host', 'bad-priority', 18, '1e3'],
    ['candidate:1 1 udp 1 10.0.0.256 5000 typ host', 'bad-address', 20, '10.0.0.256'],
    ['candidate:1 1 udp 1 fe80::1%eth0 5000 typ host', 'bad-address', 20, 'fe80::1%eth0'],
    ['candidate:1 1 udp 1 a.b 5000 typ host', 'bad-address', 20, 'a.b'],
    ['candidate:1 1 udp 1 10.0.0.1 65536 typ host', 'bad-port', 29, '65536'],
    ['candidate:1 1 udp 1 10.0.0.1 5000 type host', 'missing-typ', 34, 'type'],
    ['candidate:1 1 udp 1 10.0.0.1 5000 typ stun', 'unknown-candidate-type', 38, 'stun'],
    ['candidate:1 1 udp 1 10.0.0.1 5000 typ srflx raddr', 'bad-related-address', 49, ''],
    ['candidate:1 1 udp 1 10.0.0.1 5000 typ srflx raddr x rport 1', 'bad-related-address', 50, 'x'],
    ['candidate:1 1 udp 1 10.0.0.1 5000 typ srflx raddr 1.2.3.4 rport -1', 'bad-related-port', 64, '-1'],
    ['candidate:1 1 udp 1 10.0.0.1 5000 typ srflx rport 1 raddr 1.2.3.4', 'misplaced-keyword', 52, 'raddr'],
    ['candidate:1 1 tcp 1 10.0.0.1 9 typ host tcptype listen', 'bad-tcptype', 48, 'listen'],
    ['candidate:1 1 tcp 1 10.0.0.1 9 typ host tcptype', 'bad-tcptype', 47, ''],
    ['candidate:1 1 udp 1 10.0.0.1 9 typ host tcptype active', 'tcptype-on-udp', 40, 'tcptype'],
    ['candidate:1 1 tcp 1 10.0.0.1 9 typ host tcptype so tcptype so', 'misplaced-keyword', 51, 'tcptype'],
    ['candidate:1 1 tcp 1 10.0.0.1 9 typ host generation 0 tcptype so', 'misplaced-keyword', 53, 'tcptype'],
    [`${base} gen\u00e9ration 0`, 'bad-extension-name', 52, 'gen\u00e9ration'],
    [`${base} generation \u00ff`, 'bad-extension-value', 63, '\u00ff'],
    [`${base} generation 0 network-cost`, 'extension-without-value', 65, 'network-cost'],
  ])('%j: %s at %i', (text, code, offset, token) => {
    const r = parseCandidate(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code, offset, token });
    expect(r.error.message.length).toBeGreaterThan(0);
  });
});

// ---- properties ----

const ipv4 = fc.ipV4();
const mdns = fc.uuid().map((u) => `${u}.local`);
const address = fc.oneof(ipv4, fc.ipV6(), mdns);
const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,12}$/).filter((t) => !['raddr', 'rport', 'tcptype'].includes(t.toLowerCase()));
const extension = fc.record({ name: token, value: fc.stringMatching(/^[\x21-\x7e]{1,12}$/) });
const mixedCase = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((up) =>
    [...word].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(''),
  );

export const arbitraryCandidate: fc.Arbitrary<IceCandidate> = fc
  .record({
    foundation: fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/),
    component: fc.integer({ min: 1, max: 256 }),
    transport: fc.constantFrom('udp' as const, 'tcp' as const),
    priority: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    address,
    port: fc.integer({ min: 0, max: 65535 }),
    type: fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
    related: fc.option(fc.record({ relatedAddress: fc.option(address, { nil: undefined }), relatedPort: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }) }), { nil: undefined }),
    tcpType: fc.option(fc.constantFrom('active' as const, 'passive' as const, 'so' as const), { nil: undefined }),
    extensions: fc.array(extension, { maxLength: 4 }),
    spelling: fc.boolean(),
  })
  .chain((r) =>
    (r.spelling ? mixedCase(r.transport) : fc.constant(r.transport)).map((written): IceCandidate => ({
      foundation: r.foundation, component: r.component, transport: r.transport, priority: r.priority,
      address: r.address, port: r.port, type: r.type,
      ...(r.related?.relatedAddress !== undefined && { relatedAddress: r.related.relatedAddress }),
      ...(r.related?.relatedPort !== undefined && { relatedPort: r.related.relatedPort }),
      ...(r.transport === 'tcp' && r.tcpType !== undefined && { tcpType: r.tcpType }),
      extensions: r.extensions,
      ...(written !== r.transport && { transportText: written }),
    })),
  );

describe('candidate properties', () => {
  test.prop([arbitraryCandidate, fc.constantFrom('a=candidate:' as const, 'candidate:' as const, '' as const)], { numRuns: 2000 })(
    'a valid candidate → text → the same candidate and prefix',
    (candidate, prefix) => {
      expect(parseCandidate(serializeCandidate(candidate, prefix))).toEqual({ ok: true, candidate, prefix });
    },
  );

  const pieces = fc.constantFrom(
    'a=', 'candidate:', ' ', ' ', '1', '0', '9', '2130706431', '99999999999', 'udp', 'TCP', 'typ', 'host', 'srflx', 'relay',
    'raddr', 'rport', 'tcptype', 'active', 'so', 'generation', '10.0.0.1', '::1', ':', '.', 'x.local', '\r\n', '\n', '\t', '\u00e9', '',
  );
  const soup = fc.array(pieces, { maxLength: 30 }).map((p) => p.join(''));

  test.prop([fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), soup)], { numRuns: 5000 })(
    'any text: never throws; an error names a known code at an offset inside the text; a success writes back to itself',
    (text) => {
      const r = parseCandidate(text);
      if (r.ok) {
        const again = parseCandidate(serializeCandidate(r.candidate, r.prefix));
        expect(again).toEqual(r);
        return;
      }
      expect(CODES).toContain(r.error.code);
      expect(r.error.offset).toBeGreaterThanOrEqual(0);
      expect(r.error.offset).toBeLessThanOrEqual(text.length);
      expect(text.slice(r.error.offset)).toContain(r.error.token);
    },
  );

  const lines = corpusLines('a=candidate:').map((l) => l.line);
  const mutation = fc.record({
    line: fc.constantFrom(...lines),
    at: fc.nat(),
    remove: fc.integer({ min: 0, max: 4 }),
    insert: fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), pieces),
  });
  test.prop([mutation], { numRuns: 5000 })('mutated real lines: never throw, and whatever parses writes back to itself', ({ line, at, remove, insert }) => {
    const i = at % (line.length + 1);
    const text = line.slice(0, i) + insert + line.slice(i + remove);
    const r = parseCandidate(text);
    if (r.ok) expect(parseCandidate(serializeCandidate(r.candidate, r.prefix))).toEqual(r);
    else expect(CODES).toContain(r.error.code);
  });

  it.each<[Partial<IceCandidate>, string]>([
    [{ component: 0 }, 'bad-component'],
    [{ priority: 2 ** 31 }, 'bad-priority'],
    [{ priority: 1.5 }, 'bad-priority'],
    [{ port: 70000 }, 'bad-port'],
    [{ address: 'not an address' }, 'bad-address'],
    [{ foundation: '' }, 'bad-foundation'],
    [{ tcpType: 'active' }, 'tcptype-on-udp'],
    [{ transportText: 'TCP' }, 'unsupported-transport'],
    [{ extensions: [{ name: 'x', value: 'a b' }] }, 'bad-extension-value'],
    [{ extensions: [{ name: 'tcptype', value: 'so' }] }, 'bad-extension-name'],
  ])('serializeCandidate refuses %j (%s)', (change, code) => {
    const good = parsed(`candidate:1 1 udp 1 10.0.0.1 1 typ host`);
    expect(() => serializeCandidate({ ...good, ...change })).toThrow(CandidateFormatError);
    try {
      serializeCandidate({ ...good, ...change });
    } catch (e) {
      expect((e as CandidateFormatError).code).toBe(code);
    }
  });
});
