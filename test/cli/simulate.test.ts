/** `simulate`, `list` and `profiles`: what they print, and that every mark in the summary table is explained under it. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtc } from './support.js';

/** The summary table and its legend: from the table's header to the end. */
function tableOf(out: string): string[] {
  const lines = out.trimEnd().split('\n');
  return lines.slice(lines.findIndex((l) => /^host\s+mapping seen from outside\s+incoming\s+tcp$/.test(l)));
}

describe('simulate', () => {
  it('runs the NAT tour by default and ends with the summary table', async () => {
    const { code, out, err } = await rtc(['simulate']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('A tour of the NAT types (scenario nat-tour, seed 1)');
    expect(out).toMatch(/^symmetric\s+address-and-port-dependent\s+✓ ✗ ✗\s+✓$/m);
    expect(out).toMatch(/^full-cone\s+endpoint-independent\s+✓ ✓ ✓\s+✓$/m);
    expect(out).toMatch(/^udp-blocked\s+nothing got out\s+· · ·\s+✓$/m);
  });

  it.each(['nat-tour', 'hole-punching', 'hotel-wifi'])('%s: every value and mark in the summary table is explained under it, and nothing else is', async (scenario) => {
    const table = tableOf((await rtc(['simulate', scenario])).out);
    const blank = table.indexOf('');
    const rows = table.slice(2, blank).map((l) => l.split(/\s{2,}/));
    const legend = table.slice(blank + 1).join('\n');
    const mappings = new Set(rows.map((r) => r[1]!));
    for (const m of mappings) expect(legend, m).toMatch(new RegExp(`^  ${m.replace('?', '\\?')}: `, 'm'));
    expect(legend.match(/^  \S[^:]*: /gm)).toHaveLength(mappings.size);
    for (const mark of ['✓', '✗', '·']) {
      const inRows = table.slice(2, blank).some((l) => l.includes(mark));
      expect(legend.includes(mark), `${mark} in the rows: ${inRows}`).toBe(inRows);
    }
  });

  it('explains a mapping it could not tell, and blank cells', async () => {
    const legend = tableOf((await rtc(['simulate', 'hotel-wifi'])).out).join('\n');
    expect(legend).toMatch(/^guest-1\s+\?\s+✓$/m);
    expect(legend).toContain('  ?: fewer than two of its datagrams to public addresses were seen from outside: too few to tell');
    expect(legend).toContain('blank: nothing was aimed at the host');
    expect(legend).toContain('tcp, the TCP connections the host tried: blank: the host tried none');
  });

  it('--format json prints the trace as JSON lines only, the same for the same seed', async () => {
    const a = await rtc(['simulate', 'nat-tour', '--format', 'json', '--seed', '3']);
    const b = await rtc(['simulate', 'nat-tour', '--format=json', '--seed=3']);
    expect(a.code).toBe(0);
    expect(a.err).toBe('');
    expect(a.out).toBe(b.out);
    const records = a.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string });
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i));
    expect(new Set(records.map((r) => r.kind))).toEqual(new Set(['note', 'packet.send', 'packet.deliver', 'packet.drop', 'nat.mapping.create', 'nat.translate', 'stream.state']));
  });

  it('--pcap writes the packets as a pcap file, and says so when it cannot (exit 1)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rtc-')), 'tour.pcap');
    expect((await rtc(['simulate', 'hole-punching', '--pcap', file])).code).toBe(0);
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.length).toBeGreaterThan(24 + 16 * 10);
    const failed = await rtc(['simulate', '--pcap', join(file, 'no', 'such', 'dir.pcap')]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^rtc-machines simulate: cannot write the pcap file: ENOTDIR/);
  });

  it('an unknown scenario exits 1 and names the known ones', async () => {
    const { code, err } = await rtc(['simulate', 'no-such-scenario']);
    expect(code).toBe(1);
    expect(err).toMatch(/cannot read .*no-such-scenario\.json \(known scenarios: .*nat-tour/);
  });

  it('a broken scenario file is refused with every problem and the file named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ name: 'b', title: 't', description: 'd', topology: { hosts: [{ id: 'x', latency: -1 }] }, script: [] }));
    const result = await rtc(['simulate', file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(file);
    expect(result.err).toContain('topology.hosts[0].latency');
    writeFileSync(file, '{ not json');
    expect((await rtc(['simulate', file])).err).toMatch(/not valid JSON/);
  });
});

describe('list and profiles', () => {
  it('print one entry a line', async () => {
    expect((await rtc(['list'])).out).toMatch(/^nat-tour\s+A tour of the NAT types$/m);
    expect((await rtc(['profiles'])).out).toMatch(/^symmetric-then-cone\s+a symmetric NAT behind a full-cone NAT$/m);
  });
});
