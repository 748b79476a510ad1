import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), stdin: async () => '' });
  return { code, out, err };
}

describe('rtc command', () => {
  it('simulate runs the NAT tour by default and ends with the summary table', async () => {
    const { code, out } = await run('simulate');
    expect(code).toBe(0);
    expect(out).toContain('A tour of the NAT types');
    expect(out).toMatch(/symmetric\s+address-and-port-dependent\s+✓ ✗ ✗/);
    expect(out).toMatch(/full-cone\s+endpoint-independent\s+✓ ✓ ✓/);
  });

  it('--format json prints the trace as JSON lines, the same for the same seed', async () => {
    const a = await run('simulate', 'nat-tour', '--format', 'json', '--seed', '3');
    const b = await run('simulate', 'nat-tour', '--format', 'json', '--seed', '3');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const records = a.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string });
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i));
    expect(new Set(records.map((r) => r.kind))).toEqual(new Set(['note', 'packet.send', 'packet.deliver', 'packet.drop', 'nat.mapping.create', 'nat.translate', 'stream.state']));
  });

  it('list and profiles print one entry a line', async () => {
    expect((await run('list')).out).toMatch(/^nat-tour\s+A tour of the NAT types$/m);
    expect((await run('profiles')).out).toMatch(/^symmetric-then-cone\s+a symmetric NAT behind a full-cone NAT$/m);
  });

  it.each([
    [['bogus'], 2, /unknown command "bogus"/],
    [['simulate', '--seed', 'x'], 2, /--seed must be an integer/],
    [['simulate', '--format', 'yaml'], 2, /--format must be text or json/],
    [['simulate', '--nope'], 2, /Unknown option '--nope'/],
    [['simulate', 'no-such-scenario'], 1, /cannot read .*no-such-scenario\.json \(known scenarios: .*nat-tour/],
  ])('%j exits %i with a clear message', async (argv, code, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
  });

  it('--pcap writes the packets as a pcap file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rtc-')), 'tour.pcap');
    expect((await run('simulate', 'hole-punching', '--pcap', file)).code).toBe(0);
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.length).toBeGreaterThan(24 + 16 * 10);
    expect((await run('simulate', '--pcap', join(file, 'no', 'such', 'dir.pcap'))).err).toMatch(/cannot write the pcap file/);
  });

  it('a broken scenario file is refused with every problem and the file named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ name: 'b', title: 't', description: 'd', topology: { hosts: [{ id: 'x', latency: -1 }] }, script: [] }));
    const result = await run('simulate', file);
    expect(result.code).toBe(1);
    expect(result.err).toContain(file);
    expect(result.err).toContain('topology.hosts[0].latency');
    writeFileSync(file, '{ not json');
    expect((await run('simulate', file)).err).toMatch(/not valid JSON/);
  });
});
