import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { parseScenario, runScenario, ScenarioError, NETWORK_PROFILE_NAMES, type Scenario } from '../../src/sim/index.js';

const tour = parseScenario(JSON.parse(readFileSync(new URL('../../simulations/nat-tour.json', import.meta.url), 'utf8')), 'nat-tour.json');

function hello(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'hello',
    title: 'Hello',
    description: 'a host writes to a server, which answers',
    topology: { hosts: [{ id: 'alice', profile: 'port-restricted' }, { id: 'server', address: '198.51.100.1' }] },
    script: [
      { at: 0, bind: { host: 'server', socket: 'srv', port: 3478 } },
      { at: 0, bind: { host: 'alice', socket: 'a', port: 5000 } },
      { at: 10, send: { socket: 'a', to: '198.51.100.1:3478', label: 'hello' } },
      { at: 100, send: { socket: 'srv', to: { sourceOf: 'hello' }, label: 'answer' } },
    ],
    ...overrides,
  };
}

describe('parseScenario', () => {
  it('accepts a well-formed scenario', () => {
    expect(parseScenario(hello()).name).toBe('hello');
  });

  it.each([
    ['not an object', 42, '(top)'],
    ['unknown top-level field', hello({ topolgy: {} }), 'topolgy'],
    ['missing title', hello({ title: '' }), 'title'],
    ['bad topology, reported under topology.', hello({ topology: { hosts: [{ id: 'a', profile: 'nope' }] } }), 'topology.hosts[0].profile'],
    ['steps out of time order', hello({ script: [{ at: 5, note: 'x' }, { at: 1, note: 'y' }] }), 'script[1].at'],
    ['two actions in one step', hello({ script: [{ at: 0, note: 'x', link: { attachment: 'a', up: true } }] }), 'script[0]'],
    ['send from an unbound socket', hello({ script: [{ at: 0, send: { socket: 'x', to: '1.2.3.4:5', label: 'l' } }] }), 'script[0].send.socket'],
    ['sourceOf an unknown label', hello({ script: [{ at: 0, bind: { host: 'alice', socket: 'a' } }, { at: 1, send: { socket: 'a', to: { sourceOf: 'nope' }, label: 'l' } }] }), 'script[1].send.to.sourceOf'],
    ['a bad ip:port', hello({ script: [{ at: 0, bind: { host: 'alice', socket: 'a' } }, { at: 1, send: { socket: 'a', to: '1.2.3:5', label: 'l' } }] }), 'script[1].send.to'],
    ['negative time', hello({ script: [{ at: -1, note: 'x' }] }), 'script[0].at'],
    ['a step on an unknown host', hello({ script: [{ at: 0, bind: { host: 'mallory', socket: 'm' } }] }), 'script[0].bind.host'],
    ['an unknown attachment', hello({ script: [{ at: 0, link: { attachment: 'alice@nowhere', up: false } }] }), 'script[0].link.attachment'],
    ['a connect without label', hello({ script: [{ at: 0, connect: { host: 'alice', to: '198.51.100.1:443' } }] }), 'script[0].connect'],
  ])('refuses %s with a ScenarioError naming the place', (_what, input, path) => {
    try {
      parseScenario(input, 'test.json');
      expect.unreachable('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      const error = e as ScenarioError;
      expect(error.issues.map((i) => i.path)).toContain(path);
      expect(error.message).toContain('test.json');
    }
  });

  test.prop([fc.jsonValue()], { numRuns: 300 })('never throws anything but a ScenarioError on arbitrary JSON', (value) => {
    try {
      parseScenario(value);
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
    }
  });
});

describe('runScenario', () => {
  it('answers go to where the first datagram was seen to come from', () => {
    const run = runScenario(parseScenario(hello()));
    const [sent, answer] = run.outcomes;
    expect(sent!.delivered?.src).toMatch(/^203\.0\.113\.\d+:5000$/);
    expect(answer!.to).toBe(sent!.delivered!.src);
    expect(answer!.toward).toBe('alice');
    expect(answer!.reply).toBe(true);
    expect(answer!.delivered?.host).toBe('alice');
    expect(answer!.delivered?.dst).toBe('192.168.1.2:5000');
  });

  it('skips, and says why, an answer to a datagram that never arrived', () => {
    const run = runScenario(parseScenario(hello({ topology: { hosts: [{ id: 'alice', profile: 'udp-blocked' }, { id: 'server', address: '198.51.100.1' }] } })));
    expect(run.outcomes[0]!.dropped?.reason).toBe('firewall');
    expect(run.outcomes[1]!.packet).toBeUndefined();
    expect(run.outcomes[1]!.skipped).toContain('never arrived');
    expect(run.world.trace.ofKind('note').some((n) => n.text.includes('not sent'))).toBe(true);
  });

  it('a step the world refuses at run time stops the run with the step named', () => {
    const twice = hello({ script: [{ at: 0, bind: { host: 'server', socket: 'a', port: 3478 } }, { at: 1, bind: { host: 'server', socket: 'b', port: 3478 } }] });
    expect(() => runScenario(parseScenario(twice))).toThrow(/script\[1\]: EADDRINUSE/);
  });

  it('connect reports open, refused and timeout', () => {
    const run = runScenario(
      parseScenario(
        hello({
          topology: { hosts: [{ id: 'alice', profile: 'web-only' }, { id: 'server', address: '198.51.100.1' }] },
          script: [
            { at: 0, listen: { host: 'server', port: 443 } },
            { at: 10, connect: { host: 'alice', to: '198.51.100.1:443', label: 'https' } },
            { at: 10, connect: { host: 'alice', to: '198.51.100.1:80', label: 'http, nobody listens' } },
            { at: 10, connect: { host: 'alice', to: '198.51.100.1:3478', label: 'turn over tcp on 3478' } },
          ],
          settleMs: 20_000,
        }),
      ),
    );
    expect(Object.fromEntries(run.connections.map((c) => [c.label, c.result]))).toEqual({ https: 'open', 'http, nobody listens': 'refused', 'turn over tcp on 3478': 'timeout' });
  });

  it('the NAT tour covers every network profile', () => {
    expect([...(tour.focus ?? [])].sort()).toEqual([...NETWORK_PROFILE_NAMES].sort());
  });

  it('the NAT tour shows what RFC 4787 says each profile does', () => {
    const run = runScenario(tour);
    const answered = (host: string) => run.outcomes.filter((o) => o.toward === host).map((o) => (o.delivered ? 'in' : o.skipped ? 'unsent' : o.dropped!.reason));
    // [same port answers, another port of the same server, a stranger]
    expect(answered('open')).toEqual(['in', 'in', 'in']);
    expect(answered('full-cone')).toEqual(['in', 'in', 'in']);
    expect(answered('address-restricted')).toEqual(['in', 'in', 'filtered']);
    expect(answered('port-restricted')).toEqual(['in', 'filtered', 'filtered']);
    expect(answered('symmetric')).toEqual(['in', 'filtered', 'filtered']);
    expect(answered('double-cone')).toEqual(['in', 'in', 'in']);
    expect(answered('symmetric-then-cone')).toEqual(['in', 'filtered', 'filtered']);
    expect(answered('cgnat')).toEqual(['in', 'filtered', 'filtered']);
    expect(answered('udp-blocked')).toEqual(['unsent', 'unsent', 'unsent']);
    expect(answered('web-only')).toEqual(['unsent', 'unsent', 'unsent']);
    // UDP blocked or not, TCP to 443 gets out everywhere: the way TURN over TCP/TLS saves a call.
    expect(run.connections.map((c) => c.result)).toEqual(NETWORK_PROFILE_NAMES.map(() => 'open'));
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 })], { numRuns: 5 })('the NAT tour is deterministic per seed', (seed) => {
    const a = runScenario(tour, { seed }).world.trace.toJSONLines();
    const b = runScenario(tour, { seed }).world.trace.toJSONLines();
    expect(a).toBe(b);
  });

  const bundled = (name: string) => parseScenario(JSON.parse(readFileSync(new URL(`../../simulations/${name}.json`, import.meta.url), 'utf8')), name);
  const fateOf = (run: ReturnType<typeof runScenario>) => Object.fromEntries(run.outcomes.map((o) => [o.label, o.delivered ? 'in' : o.skipped ? 'unsent' : o.dropped!.reason]));

  it('hole punching: the first punch is filtered but opens the way back; a symmetric NAT defeats it', () => {
    const fate = fateOf(runScenario(bundled('hole-punching')));
    expect(fate['alice → bob, first punch']).toBe('filtered');
    expect(fate['bob → alice']).toBe('in');
    expect(fate['alice → bob, again']).toBe('in');
    expect([fate['carol → dave, first punch'], fate['dave → carol'], fate['carol → dave, again']]).toEqual(['filtered', 'filtered', 'filtered']);
  });

  it('hotel wifi: private addresses work on the LAN; the public address only through a hairpinning NAT', () => {
    const fate = fateOf(runScenario(bundled('hotel-wifi')));
    expect(fate['guest-1 → guest-2, private address']).toBe('in');
    expect(fate["guest-2 → guest-1, via the NAT's public address"]).toBe('in');
    expect(fate['visitor-1 → visitor-2, private address']).toBe('in');
    expect(fate["visitor-2 → visitor-1, via the NAT's public address"]).toBe('hairpin-disabled');
  });

  it('every scenario in docs/scenarios.md parses and runs', () => {
    const doc = readFileSync(new URL('../../docs/scenarios.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    const scenarios = blocks.filter((b): b is Scenario => typeof b === 'object' && b !== null && 'script' in b);
    expect(scenarios.length).toBeGreaterThan(0);
    for (const s of scenarios) {
      const run = runScenario(parseScenario(s, 'docs/scenarios.md'));
      expect(run.outcomes.every((o) => o.delivered)).toBe(true);
    }
  });
});
