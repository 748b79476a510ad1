import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PCAP_EPOCH_SECONDS, pcapFromTrace, type PcapOptions } from '../../src/inspect/pcap.js';
import { writePcapFile } from '../../src/inspect/pcap-file.js';
import { createWorld, type TraceRecord, type TraceRecordOf, type World } from '../../src/sim/index.js';
import {
  StunMethod,
  decodeChannelData,
  decodeStunMessage,
  encodeChannelData,
  encodeMessageType,
  encodeStunMessage,
  findAttribute,
  shortTermKey,
  type StunMessage,
} from '../../src/wire/index.js';
import { ensureCommand } from '../support/system.js';

const SERVER = '198.51.100.1';
const KEY = shortTermKey('pcap-test-password');
const CHANNEL = 0x4001;

const transactionId = (n: number) => Uint8Array.from({ length: 12 }, (_, i) => (n * 16 + i) & 0xff);
const request = (n: number): Uint8Array =>
  encodeStunMessage(
    { method: StunMethod.Binding, class: 'request', transactionId: transactionId(n), attributes: [{ type: 'USERNAME', value: 'server:alice' }, { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }] },
    { key: KEY },
  );
const answer = (req: StunMessage, from: { address: string; port: number }): Uint8Array =>
  encodeStunMessage(
    {
      method: req.method,
      class: 'success-response',
      transactionId: req.transactionId,
      attributes: [{ type: 'XOR-MAPPED-ADDRESS', value: { address: from.address, port: from.port } }, { type: 'MESSAGE-INTEGRITY' }, { type: 'FINGERPRINT' }],
    },
    { key: KEY },
  );

/**
 * alice behind a port-restricted NAT; a STUN server on 198.51.100.1:3478 (UDP and TCP) that answers Binding
 * requests with the source it saw and echoes ChannelData; a stranger whose request the NAT filters (a drop).
 */
function stunWorld(seed = 7, payloads = true): World {
  const world = createWorld(
    { hosts: [{ id: 'alice', profile: 'port-restricted' }, { id: 'server', address: SERVER }, { id: 'stranger', address: '198.51.100.3' }] },
    { seed, trace: { payloads } },
  );
  const udp = world.host('server').bindUdp({ port: 3478 });
  udp.onMessage((data, from) => {
    const stun = decodeStunMessage(data);
    if (stun.ok && stun.message.class === 'request') return udp.send(answer(stun.message, from), from);
    const channel = decodeChannelData(data);
    if (channel.ok) udp.send(encodeChannelData({ channelNumber: channel.frame.channelNumber, data: channel.frame.data }), from);
  });
  world.host('server').listenTcp({ port: 3478 }, (connection) => {
    connection.onData((data) => {
      const stun = decodeStunMessage(data);
      if (stun.ok) connection.write(answer(stun.message, connection.remote));
    });
  });

  const socket = world.host('alice').bindUdp({ port: 5000 });
  const to = { address: SERVER, port: 3478 };
  world.clock.scheduleAt(10, () => socket.send(request(1), to));
  world.clock.scheduleAt(20, () => socket.send(request(2), to));
  world.clock.scheduleAt(30, () => socket.send(encodeChannelData({ channelNumber: CHANNEL, data: new TextEncoder().encode('hello, peer') }), to));
  world.clock.scheduleAt(100, () => {
    const nat = world.nat('alice-home-nat').outside.address;
    world.host('stranger').bindUdp({ port: 40000 }).send(request(3), { address: nat, port: 5000 });
  });
  world.clock.scheduleAt(200, () => {
    const tcp = world.host('alice').connectTcp(to);
    tcp.write(request(4));
    tcp.onData(() => tcp.end());
  });
  world.run({ until: 10_000 });
  return world;
}

// ---- an independent reader of what we wrote -----------------------------------------

interface Rec {
  readonly sec: number;
  readonly usec: number;
  readonly captured: number;
  readonly original: number;
  readonly data: Uint8Array;
}

function readPcap(bytes: Uint8Array): { linkType: number; records: Rec[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Rec[] = [];
  for (let o = 24; o < bytes.length; ) {
    const captured = v.getUint32(o + 8, true);
    records.push({ sec: v.getUint32(o, true), usec: v.getUint32(o + 4, true), captured, original: v.getUint32(o + 12, true), data: bytes.subarray(o + 16, o + 16 + captured) });
    o += 16 + captured;
  }
  return { linkType: v.getUint32(20, true), records };
}

/** RFC 1071, written differently from the code under test: 16-bit words summed into a BigInt, folded at the end. */
function checksumOk(...parts: Uint8Array[]): boolean {
  const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
  const even = all.length % 2 === 0 ? all : Buffer.concat([all, Buffer.alloc(1)]);
  let sum = 0n;
  for (let i = 0; i < even.length; i += 2) sum += BigInt(even.readUInt16BE(i));
  while (sum >> 16n) sum = (sum & 0xffffn) + (sum >> 16n);
  return sum === 0xffffn;
}

interface Datagram {
  readonly ttl: number;
  readonly id: number;
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly payload: Uint8Array;
  readonly ipOk: boolean;
  readonly transportOk: boolean;
  readonly tcp?: { seq: number; ack: number; flags: number };
}

function parseIp(ip: Uint8Array): Datagram {
  const b = Buffer.from(ip);
  const protocol = b[9]!;
  const header = (b[0]! & 0x0f) * 4;
  expect(b[0]! >> 4).toBe(4);
  expect(b.readUInt16BE(2)).toBe(b.length);
  const transport = b.subarray(header);
  const pseudo = Buffer.alloc(12);
  b.copy(pseudo, 0, 12, 20);
  pseudo[9] = protocol;
  pseudo.writeUInt16BE(transport.length, 10);
  const udp = protocol === 17;
  if (udp) expect(transport.readUInt16BE(4)).toBe(transport.length);
  const tcpHeader = udp ? 8 : (transport[12]! >> 4) * 4;
  const addr = (o: number, p: number) => `${[...b.subarray(o, o + 4)].join('.')}:${transport.readUInt16BE(p)}`;
  return {
    ttl: b[8]!,
    id: b.readUInt16BE(4),
    protocol,
    src: addr(12, 0),
    dst: addr(16, 2),
    payload: transport.subarray(tcpHeader),
    ipOk: checksumOk(b.subarray(0, header)),
    transportOk: (!udp || transport.readUInt16BE(6) !== 0) && checksumOk(pseudo, transport),
    ...(udp ? {} : { tcp: { seq: transport.readUInt32BE(4), ack: transport.readUInt32BE(8), flags: transport[13]! } }),
  };
}

/** What the trace says the frames must be: one per segment crossed, keyed by packet id. */
function segmentsOf(records: readonly TraceRecord[]): Map<number, { src: string; dst: string; t: number }[]> {
  const out = new Map<number, { src: string; dst: string; t: number }[]>();
  for (const r of records) {
    if (r.kind !== 'packet.deliver' && r.kind !== 'packet.drop') continue;
    out.set(r.packet, r.path.slice(1).map((hop, i) => ({ src: hop.src, dst: hop.dst, t: r.path[i]!.t })));
  }
  return out;
}

const sendOf = (records: readonly TraceRecord[], packet: number) => records.find((r): r is TraceRecordOf<'packet.send'> => r.kind === 'packet.send' && r.packet === packet)!;

describe('pcapFromTrace: the format', () => {
  const world = stunWorld();
  const records = world.trace.records;
  const bytes = pcapFromTrace(records);
  const { linkType, records: frames } = readPcap(bytes);
  const datagrams = frames.map((f) => parseIp(f.data));

  it('writes the classic libpcap global header: little-endian µs magic, version 2.4, snaplen, LINKTYPE_RAW', () => {
    expect([...bytes.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    expect([v.getUint16(4, true), v.getUint16(6, true), v.getInt32(8, true), v.getUint32(12, true), v.getUint32(16, true)]).toEqual([2, 4, 0, 0, 65535]);
    expect(linkType).toBe(101);
    expect(readPcap(pcapFromTrace(records, { linkType: 'ethernet' })).linkType).toBe(1);
  });

  it('writes one frame per segment crossed, at its departure time from the fixed epoch, in time order', () => {
    const expected = segmentsOf(records);
    expect(frames).toHaveLength([...expected.values()].reduce((n, s) => n + s.length, 0));
    const seen = new Map<number, number>();
    frames.forEach((f, i) => {
      const d = datagrams[i]!;
      const packet = [...expected.keys()].find((p) => (p & 0xffff) === d.id)!;
      const k = seen.get(packet) ?? 0;
      seen.set(packet, k + 1);
      const segment = expected.get(packet)![k]!;
      expect({ src: d.src, dst: d.dst, ttl: d.ttl }).toEqual({ src: segment.src, dst: segment.dst, ttl: 64 - k });
      expect(f.sec * 1_000_000 + f.usec).toBe(PCAP_EPOCH_SECONDS * 1_000_000 + Math.round(segment.t * 1000));
      expect(f.captured).toBe(f.original);
      expect(Buffer.from(d.payload).toString('hex')).toBe(sendOf(records, packet).payload ?? '');
    });
    const times = frames.map((f) => f.sec * 1e6 + f.usec);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('shows the NAT rewrite: the same datagram inside (TTL 64) and outside (TTL 63, mapped source)', () => {
    const first = datagrams.filter((d) => d.dst === `${SERVER}:3478` && d.protocol === 17 && d.id === datagrams[0]!.id);
    expect(first.map((d) => [d.src, d.ttl])).toEqual([
      ['192.168.1.2:5000', 64],
      [`${world.nat('alice-home-nat').outside.address}:5000`, 63],
    ]);
  });

  it('computes correct IPv4 header, UDP and TCP checksums (verified here independently, RFC 1071)', () => {
    expect(datagrams.filter((d) => !d.ipOk || !d.transportOk)).toEqual([]);
    expect(new Set(datagrams.map((d) => d.protocol))).toEqual(new Set([6, 17]));
  });

  it('writes the segments a dropped packet crossed, not the one it was refused on', () => {
    const drop = world.trace.ofKind('packet.drop').find((r) => r.reason === 'filtered')!;
    expect(datagrams.filter((d) => d.id === drop.packet)).toMatchObject([{ src: '198.51.100.3:40000', ttl: 64 }]);
  });

  it('rebuilds TCP flags, sequence and acknowledgement numbers', () => {
    const tcp = datagrams.filter((d) => d.tcp !== undefined && d.ttl === 64).map((d) => ({ ...d.tcp!, src: d.src, len: d.payload.length }));
    const [syn, synAck, data, reply, fin] = tcp;
    expect(tcp.map((s) => s.flags)).toEqual([0x02, 0x12, 0x18, 0x18, 0x11, ...tcp.slice(5).map((s) => s.flags)]);
    expect(synAck!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(data).toMatchObject({ seq: (syn!.seq + 1) >>> 0, ack: (synAck!.seq + 1) >>> 0 });
    expect(reply).toMatchObject({ seq: (synAck!.seq + 1) >>> 0, ack: (data!.seq + data!.len) >>> 0 });
    expect(fin).toMatchObject({ seq: (data!.seq + data!.len) >>> 0, ack: (reply!.seq + reply!.len) >>> 0 });
    expect(readPcap(pcapFromTrace(records, { tcp: false })).records.map((f) => parseIp(f.data).protocol)).not.toContain(6);
  });

  it("view 'delivered' writes one frame per delivered datagram, as its receiver saw it, at arrival", () => {
    const delivered = world.trace.ofKind('packet.deliver');
    const only = readPcap(pcapFromTrace(records, { view: 'delivered' })).records;
    expect(only).toHaveLength(delivered.length);
    const byId = new Map(delivered.map((r) => [r.packet & 0xffff, r]));
    for (const f of only) {
      const d = parseIp(f.data);
      const r = byId.get(d.id)!;
      expect([d.src, d.dst, f.sec * 1e6 + f.usec]).toEqual([r.src, r.dst, PCAP_EPOCH_SECONDS * 1e6 + Math.round(r.t * 1000)]);
    }
  });

  it('writes truncated frames with their real lengths when the world did not record payloads', () => {
    const bare = readPcap(pcapFromTrace(stunWorld(7, false).trace.records)).records;
    expect(bare).toHaveLength(frames.length);
    const udp = bare.find((f) => f.data[9] === 17 && f.original > f.captured)!;
    expect(udp.captured).toBe(28);
    expect(Buffer.from(udp.data).readUInt16BE(26)).toBe(0); // RFC 768: no checksum
  });

  it('is deterministic: same seed, same bytes; the JSON Lines trace gives the same bytes as the live one', () => {
    expect(Buffer.from(pcapFromTrace(stunWorld().trace.records)).equals(Buffer.from(bytes))).toBe(true);
    const reparsed = world.trace.toJSONLines().trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
    expect(Buffer.from(pcapFromTrace(reparsed)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(pcapFromTrace(records, { epochSeconds: 0 })).equals(Buffer.from(bytes))).toBe(false);
  });
});

// ---- Wireshark's own dissectors ---------------------------------------------------------

type Layers = Record<string, string[] | undefined>;

const FIELDS = [
  'frame.number', 'frame.protocols', 'ip.id', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.checksum.status', 'udp.srcport', 'udp.dstport', 'udp.checksum.status',
  'tcp.checksum.status', 'tcp.flags', 'stun.type', 'stun.id', 'stun.att.type', 'stun.att.ipv4', 'stun.att.port', 'stun.att.crc32.status', 'stun.channel',
  '_ws.malformed', '_ws.expert.severity', '_ws.expert.message',
];

function tshark(file: string): Layers[] {
  const bin = ensureCommand('tshark', 'tshark');
  const args = ['-n', '-r', file, '-T', 'json', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-d', 'udp.port==3478,stun', '-d', 'tcp.port==3478,stun'];
  const out = execFileSync(bin, [...args, ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  return (JSON.parse(out) as { _source: { layers: Layers } }[]).map((p) => p._source.layers);
}

describe('pcapFromTrace: read back by tshark (Wireshark 4 dissectors)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtc-pcap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const one = (l: Layers, f: string) => l[f]?.[0];
  const TSHARK_TIMEOUT = 20 * 60_000; // the first run may install tshark with apt-get (ensureCommand allows it 15 minutes)

  for (const options of [{}, { linkType: 'ethernet' }, { view: 'delivered' }] satisfies PcapOptions[]) {
    it(`dissects every frame as IPv4/UDP|TCP/STUN or ChannelData, checksums good, nothing malformed (${JSON.stringify(options)})`, () => {
      const world = stunWorld();
      const records = world.trace.records;
      const file = join(dir, `stun-${Object.values(options).join('-') || 'default'}.pcap`);
      writePcapFile(file, records, options);
      const packets = tshark(file);
      expect(packets).toHaveLength(readPcap(readFileSync(file)).records.length);

      const serverSaw = new Map(world.trace.ofKind('packet.deliver').filter((r) => r.host === 'server').map((r) => [r.packet, r.src]));
      const expert = packets.flatMap((l) => (l['_ws.expert.severity'] ?? []).map((s, i) => ({ frame: one(l, 'frame.number'), severity: Number(s), message: l['_ws.expert.message']?.[i] })));
      // Severities: 0x200000 chat, 0x400000 note, 0x600000 warning, 0x800000 error.
      expect(expert.filter((e) => e.severity >= 0x600000)).toEqual([]);

      for (const l of packets) {
        const frame = `frame ${one(l, 'frame.number')}`;
        const packet = Number(one(l, 'ip.id'));
        const send = sendOf(records, packet); // ids are small here: ip.id is the packet id
        const payload = Buffer.from(send.payload ?? '', 'hex');
        const protocols = one(l, 'frame.protocols')!;
        expect(l['_ws.malformed'], frame).toBeUndefined();
        expect(one(l, 'ip.checksum.status'), frame).toBe('1'); // 1: good
        expect(send.protocol === 'udp' ? one(l, 'udp.checksum.status') : one(l, 'tcp.checksum.status'), frame).toBe('1');
        if (send.protocol === 'tcp' && payload.length === 0) {
          expect(protocols, frame).toMatch(/:ip:tcp$/);
          continue;
        }
        const stun = decodeStunMessage(payload);
        if (!stun.ok) {
          // ChannelData: Wireshark's STUN dissector reads it too (RFC 8656 §12.4), the application data as "data".
          const channel = decodeChannelData(payload);
          expect(channel.ok, frame).toBe(true);
          expect(protocols, frame).toMatch(/:ip:udp:stun:data$/);
          expect(Number(one(l, 'stun.channel')), frame).toBe(channel.ok ? channel.frame.channelNumber : -1);
          continue;
        }
        expect(protocols, frame).toMatch(send.protocol === 'udp' ? /:ip:udp:stun$/ : /:ip:tcp:stun$/);
        const m = stun.message;
        expect(Number(one(l, 'stun.type')), frame).toBe(encodeMessageType(m.method, m.class));
        expect(one(l, 'stun.id')?.replaceAll(':', ''), frame).toBe(Buffer.from(m.transactionId).toString('hex'));
        expect(one(l, 'stun.att.crc32.status'), `${frame}: Wireshark checks our FINGERPRINT`).toBe('1');
        expect(l['stun.att.type']?.map(Number), frame).toEqual(m.class === 'request' ? [0x0006, 0x0008, 0x8028] : [0x0020, 0x0008, 0x8028]);
        if (m.class === 'success-response') {
          const mapped = findAttribute(m, 'XOR-MAPPED-ADDRESS')!.value;
          expect(`${one(l, 'stun.att.ipv4')}:${one(l, 'stun.att.port')}`, frame).toBe(`${mapped.address}:${mapped.port}`);
          // ... which is the source the server saw the request come from (for UDP; over TCP, the connection's remote).
          const requestPacket = [...serverSaw.keys()].find((p) => {
            const r = decodeStunMessage(Buffer.from(sendOf(records, p).payload ?? '', 'hex'));
            return r.ok && Buffer.from(r.message.transactionId).equals(Buffer.from(m.transactionId));
          })!;
          expect(serverSaw.get(requestPacket), frame).toBe(`${mapped.address}:${mapped.port}`);
        }
      }
      // The scenario did produce what the assertions are about.
      const kinds = new Set(packets.map((l) => `${one(l, 'frame.protocols')!.replace(/^.*:ip:/, '')}${l['stun.channel'] ? ` channel ${Number(one(l, 'stun.channel'))}` : ''}`));
      expect(kinds).toEqual(new Set(['udp:stun', `udp:stun:data channel ${CHANNEL}`, 'tcp:stun', 'tcp']));
    }, TSHARK_TIMEOUT);
  }
});
