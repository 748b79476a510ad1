import { describe, expect, it } from 'vitest';
import { journey, narrate } from '../../src/inspect/narrate.js';
import { createWorld } from '../../src/sim/index.js';

describe('narrate', () => {
  it('tells a packet in one line: every node, every rewrite, and its fate', () => {
    const world = createWorld({ hosts: [{ id: 'alice', profile: 'double-cone' }, { id: 'srv', address: '198.51.100.1' }] });
    world.host('srv').bindUdp({ port: 3478 });
    world.host('alice').bindUdp({ port: 5000 }).send(new Uint8Array(4), { address: '198.51.100.1', port: 3478 });
    world.run();
    const deliver = world.trace.ofKind('packet.deliver')[0]!;
    expect(journey(deliver.path)).toMatch(/^192\.168\.1\.2:5000 → 198\.51\.100\.1:3478 {2}alice ▸ alice-home-nat \(src → 10\.0\.0\.2:5000\) ▸ alice-isp-nat \(src → 203\.0\.113\.\d+:5000\) ▸ srv$/);
    const lines = narrate(world.trace.records, { labels: new Map([[deliver.packet, 'hello']]) });
    expect(lines.some((l) => l.includes('[hello] udp') && l.includes('✓ delivered to srv'))).toBe(true);
    expect(lines.filter((l) => l.includes('maps udp'))).toHaveLength(2);
  });

  it('says where and why a packet died', () => {
    const world = createWorld({ hosts: [{ id: 'alice', profile: 'port-restricted' }, { id: 'srv', address: '198.51.100.1' }] });
    world.host('srv').bindUdp({ port: 3478 }).send(new Uint8Array(1), { address: world.nat('alice-home-nat').outside.address, port: 5000 });
    world.run();
    expect(narrate(world.trace.records).join('\n')).toMatch(/✗ dropped at alice-home-nat \(no-mapping\): .*no udp mapping on external port 5000/);
  });
});
