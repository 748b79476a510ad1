/**
 * The agent's rules one at a time: credentials (RFC 8445 §5.3), the check
 * request (§7.2.2), answering (§7.3, RFC 8489 §9.1.3), role conflicts
 * (§7.3.1.1), and in the simulator: Ta pacing, retransmissions on ICE's RTO,
 * remote candidates that are refused or dropped, roles after a conflict.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/sim/index.js';
import { StunMethod, decodeStunMessage, encodeStunMessage, findAttribute, shortTermKey, verifyIntegrity } from '../../src/wire/index.js';
import { judgeRequest, type AnswerContext } from '../../src/ice/answer.js';
import { buildCheckRequest } from '../../src/ice/check-request.js';
import { ICE_PWD_LENGTH, ICE_UFRAG_LENGTH, credentialsProblem, generateCredentials, generateTieBreaker } from '../../src/ice/credentials.js';
import { call, scene, stateLog, stateOf } from './agent-support.js';
import { connectAgents, runCall } from '../../src/ice/connect.js';

const random = () => new SeededRandom(7);
const ours = { ufrag: 'OURS', pwd: 'our-password-is-long-enough'.replace(/-/g, 'x') };
const theirs = { ufrag: 'THEM', pwd: 'their-password-is-long-enough'.replace(/-/g, 'y') };
const from = { address: '203.0.113.9', port: 40000 };

function request(options: { role?: 'controlling' | 'controlled'; tieBreaker?: bigint; useCandidate?: boolean; pwd?: string; ufrag?: string } = {}) {
  const built = buildCheckRequest({
    local: theirs,
    remote: { ufrag: options.ufrag ?? ours.ufrag, pwd: options.pwd ?? ours.pwd },
    priority: 1_845_501_695,
    role: options.role ?? 'controlling',
    tieBreaker: options.tieBreaker ?? 5n,
    useCandidate: options.useCandidate ?? false,
    random: random(),
  });
  const bytes = encodeStunMessage({ method: built.request.method, class: 'request', transactionId: built.request.transactionId!, attributes: built.request.attributes }, { key: built.key });
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.message;
}

const context = (role: 'controlling' | 'controlled', tieBreaker = 10n): AnswerContext => ({ local: ours, previousLocal: undefined, role, tieBreaker });
const answer = (bytes: Uint8Array) => {
  const decoded = decodeStunMessage(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.message;
};

describe('credentials and the check request', () => {
  it('ufrag and pwd are ice-chars with 24 and 144 bits of randomness (libwebrtc: 4 and 24 characters), the tie-breaker 64 bits', () => {
    const r = random();
    for (let i = 0; i < 50; i++) {
      const c = generateCredentials(r);
      expect(c.ufrag).toMatch(new RegExp(`^[A-Za-z0-9+/]{${ICE_UFRAG_LENGTH}}$`));
      expect(c.pwd).toMatch(new RegExp(`^[A-Za-z0-9+/]{${ICE_PWD_LENGTH}}$`));
      expect(credentialsProblem(c)).toBeUndefined();
      expect(generateTieBreaker(r)).toBeLessThan(2n ** 64n);
    }
    expect(credentialsProblem({ ufrag: 'ab', pwd: 'x'.repeat(22) })).toMatch(/ufrag/);
    expect(credentialsProblem({ ufrag: 'abcd', pwd: 'short' })).toMatch(/pwd/);
  });

  it('carries USERNAME remote:local, PRIORITY, the role with the tie-breaker, USE-CANDIDATE when nominating, MESSAGE-INTEGRITY and FINGERPRINT (RFC 8445 §7.2.2)', () => {
    const m = request({ useCandidate: true, tieBreaker: 0xfedcba9876543210n });
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.attributes.map((a) => a.type)).toEqual(['USERNAME', 'PRIORITY', 'ICE-CONTROLLING', 'USE-CANDIDATE', 'MESSAGE-INTEGRITY', 'FINGERPRINT']);
    expect(findAttribute(m, 'USERNAME')?.value).toBe('OURS:THEM');
    expect(findAttribute(m, 'ICE-CONTROLLING')?.value).toBe(0xfedcba9876543210n);
    expect(verifyIntegrity(m, shortTermKey(ours.pwd)).ok).toBe(true);
  });
});

describe('answering a check (RFC 8445 §7.3)', () => {
  it('answers with XOR-MAPPED-ADDRESS of the source, signed with our pwd', () => {
    const j = judgeRequest(request({ useCandidate: true }), from, context('controlled'));
    expect(j).toMatchObject({ kind: 'answer', useCandidate: true, priority: 1_845_501_695, previousGeneration: false });
    if (j.kind !== 'answer') return;
    const response = answer(j.bytes);
    expect(response.class).toBe('success-response');
    expect(findAttribute(response, 'XOR-MAPPED-ADDRESS')?.value).toMatchObject(from);
    expect(verifyIntegrity(response, shortTermKey(ours.pwd)).ok).toBe(true);
  });

  it('401 for another ufrag or a wrong MESSAGE-INTEGRITY, 400 without credentials; neither signed (RFC 8489 §9.1.3)', () => {
    expect(judgeRequest(request({ ufrag: 'NOPE' }), from, context('controlled'))).toMatchObject({ kind: 'reject', code: 401 });
    expect(judgeRequest(request({ pwd: 'z'.repeat(24) }), from, context('controlled'))).toMatchObject({ kind: 'reject', code: 401 });
    const bare = decodeStunMessage(encodeStunMessage({ method: StunMethod.Binding, class: 'request', transactionId: new Uint8Array(12), attributes: [{ type: 'FINGERPRINT' }] }));
    if (!bare.ok) throw new Error('undecodable');
    const j = judgeRequest(bare.message, from, context('controlled'));
    expect(j).toMatchObject({ kind: 'reject', code: 400 });
    if (j.kind === 'reject') expect(answer(j.bytes).attributes.map((a) => a.type)).toEqual(['ERROR-CODE', 'FINGERPRINT']);
  });

  it('ignores a check without FINGERPRINT (libwebrtc drops it as not STUN)', () => {
    const m = request();
    const stripped = decodeStunMessage(encodeStunMessage({ ...m, attributes: m.attributes.filter((a) => a.type !== 'FINGERPRINT') }, { key: shortTermKey(ours.pwd) }));
    if (!stripped.ok) throw new Error('undecodable');
    expect(judgeRequest(stripped.message, from, context('controlled')).kind).toBe('ignore');
  });

  it('role conflicts (§7.3.1.1): the larger tie-breaker keeps controlling; the other side switches or is told 487', () => {
    // Both controlling: ours larger → 487; theirs larger → we become controlled and answer.
    expect(judgeRequest(request({ role: 'controlling', tieBreaker: 5n }), from, context('controlling', 10n))).toMatchObject({ kind: 'reject', code: 487 });
    expect(judgeRequest(request({ role: 'controlling', tieBreaker: 50n }), from, context('controlling', 10n))).toMatchObject({ kind: 'answer', switchTo: 'controlled' });
    // Both controlled: ours larger → we become controlling; theirs larger → 487.
    expect(judgeRequest(request({ role: 'controlled', tieBreaker: 5n }), from, context('controlled', 10n))).toMatchObject({ kind: 'answer', switchTo: 'controlling' });
    const j = judgeRequest(request({ role: 'controlled', tieBreaker: 50n }), from, context('controlled', 10n));
    expect(j).toMatchObject({ kind: 'reject', code: 487 });
    if (j.kind === 'reject') expect(verifyIntegrity(answer(j.bytes), shortTermKey(ours.pwd)).ok).toBe(true);
    // No conflict: no switch.
    expect(judgeRequest(request({ role: 'controlling' }), from, context('controlled'))).not.toHaveProperty('switchTo');
  });

  it("answers the previous generation's ufrag during a restart, without a role decision", () => {
    const j = judgeRequest(request({ ufrag: 'OLDU', pwd: 'o'.repeat(24) }), from, { ...context('controlling'), previousLocal: { ufrag: 'OLDU', pwd: 'o'.repeat(24) } });
    expect(j).toMatchObject({ kind: 'answer', previousGeneration: true });
  });
});

describe('the agent in the simulator, rule by rule', () => {
  it('sends one check per Ta at most (RFC 8445 §6.1.4.2), and retransmits an unanswered one on the RTO of §14.3, doubling', () => {
    const s = call({ a: 'port-restricted', b: 'symmetric', turn: 'both' });
    s.world.runFor(20_000);
    const sent = s.world.trace.ofKind('ice.check').filter((r) => r.agent === 'alice' && r.event === 'sent');
    expect(sent.length).toBeGreaterThan(3);
    for (let i = 1; i < sent.length; i++) expect((sent[i]?.t as number) - (sent[i - 1]?.t as number)).toBeGreaterThanOrEqual(50);
    // The srflx pair towards the symmetric NAT is never answered: its transaction retransmits after RTO, 2·RTO, 4·RTO, ... and gives up after libwebrtc's 15 s.
    const timeouts = new Map(s.world.trace.ofKind('stun.timeout').map((r) => [r.transaction, r.elapsedMs]));
    const unanswered = sent.find((r) => timeouts.has(r.transaction ?? ''));
    const rto = unanswered?.rtoMs ?? 0;
    expect(rto).toBeGreaterThanOrEqual(500);
    const waits = s.world.trace.ofKind('stun.retransmit').filter((r) => r.transaction === unanswered?.transaction).map((r) => r.waitedMs);
    expect(waits).toEqual([rto, 2 * rto, 4 * rto, 8 * rto].filter((_, i) => rto * (2 ** (i + 1) - 1) < 15_000));
    expect(timeouts.get(unanswered?.transaction ?? '')).toBe(15_000);
  });

  it('refuses a candidate line that does not parse, and drops a .local name nobody on its LANs answers', () => {
    const s = scene({ a: 'open', b: 'open' });
    const refused: string[] = [];
    s.a.on('refused', (e) => refused.push(e.reason));
    s.a.send({ type: 'remote.candidate', candidate: 'candidate:1 1 udp 99 not-an-address' });
    s.a.send({ type: 'remote.candidate', candidate: 'candidate:1 1 udp 2122260223 0b4e1f2a-8c3d-4e5f-9a6b-7c8d9e0f1a2b.local 5000 typ host' });
    s.world.runFor(2_000);
    expect(refused).toHaveLength(1);
    expect(s.world.trace.ofKind('ice.candidate').filter((r) => r.agent === 'alice' && r.side === 'remote').map((r) => r.event)).toEqual(['dropped']);
  });

  it('both agents starting controlled: the larger tie-breaker wins, the call connects, and one nomination selects the pair on both', () => {
    const s = scene({ a: 'full-cone', b: 'open', roles: ['controlled', 'controlled'] });
    const link = connectAgents(s.world, s.a, s.b);
    const result = runCall(s.world, link);
    expect(result.connected).toBe(true);
    const [ta, tb] = [s.a, s.b].map((x) => x.getSnapshot().context.tieBreaker) as [bigint, bigint];
    const roles = [s.a, s.b].map((x) => x.getSnapshot().context.role);
    expect(roles).toEqual(ta > tb ? ['controlling', 'controlled'] : ['controlled', 'controlling']);
    expect(s.world.trace.ofKind('ice.nomination').filter((r) => r.event === 'nominating').map((r) => r.agent)).toEqual([ta > tb ? 'alice' : 'bob']);
  });
});

describe('the trace and the end', () => {
  it('a call leaves every ice.* kind in the trace, each record naming its agent', () => {
    const s = call({ a: 'port-restricted', b: 'symmetric', turn: 'udp', roles: ['controlling', 'controlling'] });
    expect(s.result.connected).toBe(true);
    s.world.runFor(7_000);
    const kinds = new Set(s.world.trace.records.map((r) => r.kind).filter((k) => k.startsWith('ice.')));
    for (const kind of ['ice.gathering', 'ice.candidate', 'ice.pair', 'ice.check', 'ice.answer', 'ice.nomination', 'ice.selected', 'ice.state', 'ice.role', 'ice.consent', 'ice.signal']) {
      expect(kinds, kind).toContain(kind);
    }
    for (const r of s.world.trace.records) if (r.kind.startsWith('ice.') && r.kind !== 'ice.signal') expect(['alice', 'bob']).toContain((r as { agent?: string }).agent);
  });

  it('consent checks go every 5 s randomised to 4-6 s (RFC 7675 §5.1), from both agents, over the selected pair', () => {
    const s = call({ a: 'full-cone', b: 'port-restricted' });
    s.world.runFor(120_000);
    for (const agent of ['alice', 'bob']) {
      const checks = s.world.trace.ofKind('ice.consent').filter((r) => r.agent === agent && r.event === 'check');
      expect(checks.length).toBeGreaterThan(18);
      const gaps = checks.slice(1).map((r, i) => r.t - (checks[i]?.t as number));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4_000);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(6_000);
      expect(new Set(gaps).size).toBeGreaterThan(5);
    }
    expect([stateOf(s.a), stateOf(s.b)]).toEqual(['completed', 'completed']);
  });

  it('close: checks and consent stop, TURN allocations are released, sockets closed, the state is closed and the actor done', () => {
    const s = call({ a: 'port-restricted', b: 'full-cone', turn: 'both' });
    expect(s.result.connected).toBe(true);
    const sockets = s.a.getSnapshot().context.bases.filter((b) => b.kind === 'host').map((b) => b.transport);
    const states: string[] = [];
    s.a.on('connection-state', (e) => states.push(e.state));
    s.a.send({ type: 'close' });
    s.world.runFor(5_000);
    expect(states).toEqual(['closed']);
    expect(s.a.getSnapshot().status).toBe('done');
    expect(sockets.every((socket) => socket.closed)).toBe(true);
    const released = s.world.trace.ofKind('turn.client.allocation').filter((r) => r.agent === 'alice' && r.event === 'released');
    expect(released.length).toBe(s.world.trace.ofKind('turn.client.allocation').filter((r) => r.agent === 'alice' && r.event === 'allocated').length);
    // Bob loses consent: disconnected, then failed.
    s.world.runFor(40_000);
    expect(stateLog(s.world, 'bob').map(([, st]) => st).slice(-2)).toEqual(['disconnected', 'failed']);
  });
});
