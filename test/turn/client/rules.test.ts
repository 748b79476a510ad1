/**
 * The TURN client's rules, one at a time, against a scripted server in the
 * simulator (fake-server.ts), on virtual time: what its requests carry,
 * when it refreshes, what it does with 401, 438 and other answers, how it
 * releases, what it refuses, what it drops, and how a parent machine hears it.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, sendTo, setup } from 'xstate';
import { datagramFlow } from '../../../src/stun/flow.js';
import { type TurnClientNotification } from '../../../src/turn/client/types.js';
import { turnClientMachine } from '../../../src/turn/client/machine.js';
import { StunMethod, decodeStunMessage, encodeChannelData, encodeStunMessage, findAttribute, type DecodedStunMessage } from '../../../src/wire/index.js';
import { FAKE_REALM, FAKE_RELAYED, FAKE_SERVER, USER, fakeScene } from './fake-server.js';
import { runUntil, text } from './support.js';

const PEER = { address: '192.0.2.7', port: 6000 } as const;

/** The requests alice sent, decoded, in order (from the trace's payloads). */
function sentRequests(world: ReturnType<typeof fakeScene>['world']): DecodedStunMessage[] {
  return world.trace
    .ofKind('packet.send')
    .filter((r) => r.host === 'alice' && r.payload !== undefined)
    .map((r) => decodeStunMessage(new Uint8Array(Buffer.from(r.payload!, 'hex'))))
    .flatMap((d) => (d.ok && d.message.class === 'request' ? [d.message] : []));
}

const names = (m: DecodedStunMessage) => m.attributes.map((a) => a.type);

describe('Allocate (RFC 8656 §7.1, RFC 8489 §9.2)', () => {
  it('asks without credentials, then answers the 401 with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; REQUESTED-TRANSPORT UDP, LIFETIME when asked', () => {
    const s = fakeScene({ script: { Allocate: [{ kind: 'challenge' }] } }, { lifetime: 1200, software: 'test' });
    s.world.runFor(1_000);
    const [first, second] = sentRequests(s.world);
    expect(names(first!)).toEqual(['REQUESTED-TRANSPORT', 'LIFETIME', 'SOFTWARE', 'FINGERPRINT']);
    expect(findAttribute(first!, 'REQUESTED-TRANSPORT')?.value).toBe(17);
    expect(names(second!)).toEqual(['REQUESTED-TRANSPORT', 'LIFETIME', 'SOFTWARE', 'USERNAME', 'REALM', 'NONCE', 'MESSAGE-INTEGRITY', 'FINGERPRINT']);
    expect(findAttribute(second!, 'REALM')?.value).toBe(FAKE_REALM);
    expect(findAttribute(second!, 'NONCE')?.value).toBe('nonce-1');
    expect(s.actor.getSnapshot().context.allocation).toEqual({ relayed: FAKE_RELAYED, mapped: { address: '203.0.113.10', port: s.socket.local.port }, lifetime: 600 });
    expect(s.told[0]).toEqual({ type: 'turn.allocated', client: 'alice', allocation: s.actor.getSnapshot().context.allocation });
  });

  it('fails on a success response without XOR-RELAYED-ADDRESS or LIFETIME (RFC 8656 §7.3)', () => {
    const s = fakeScene({ omit: ['XOR-RELAYED-ADDRESS'] });
    s.world.runFor(1_000);
    expect(s.actor.getSnapshot().value).toBe('failed');
    expect(s.actor.getSnapshot().output).toEqual({ kind: 'allocate-failed', reason: expect.stringContaining('lacks XOR-RELAYED-ADDRESS'), outcome: 'unusable-response' });
  });

  it('takes an unsigned success to its unsigned first request (a server without authentication), and then signs nothing', () => {
    const s = fakeScene();
    s.world.runFor(1_000);
    s.actor.send({ type: 'permission.create', peers: [PEER] });
    s.world.runFor(1_000);
    expect(s.server.seen.map((r) => [r.method, r.signed])).toEqual([
      ['Allocate', false],
      ['CreatePermission', false],
    ]);
  });
});

describe('Refresh timing on virtual time (libwebrtc: a minute before the lifetime ends)', () => {
  it.each([
    [600, 540_000],
    [3600, 3_540_000],
    [7200, 3_540_000],
    [90, 45_000],
  ])('with LIFETIME %i s the Refresh goes %i ms after the answer', (lifetime, delay) => {
    const s = fakeScene({ lifetime, script: { Allocate: [{ kind: 'challenge' }] } });
    s.world.runFor(delay + 1_000);
    const allocated = s.world.trace.ofKind('turn.client.allocation').find((r) => r.event === 'allocated')!;
    const refreshes = s.world.trace.ofKind('stun.request').filter((r) => r.method === 'Refresh');
    expect(refreshes.map((r) => r.t - allocated.t)).toEqual([delay]);
    expect(s.actor.getSnapshot().context.allocation?.lifetime).toBe(lifetime);
  });

  it('on demand, with the LIFETIME asked for once; the schedule then starts from that answer', () => {
    const s = fakeScene({ script: { Allocate: [{ kind: 'challenge' }] } }, { lifetime: 900 });
    s.world.runFor(100_000);
    s.actor.send({ type: 'refresh', lifetime: 1800 });
    s.world.runFor(540_100);
    expect(s.server.seen.filter((r) => r.method === 'Refresh').map((r) => [r.t, r.lifetime])).toEqual([
      [100_000 + 10 + 10, 1800], // two 10 ms links to the server
      [100_000 + 40 + 540_000 + 20, 900],
    ]);
  });
});

describe('lifetimes a server should not send, and one a client should not ask for', () => {
  it('a Refresh success granting LIFETIME 0 means the allocation is gone: refresh-failed', () => {
    const s = fakeScene({ refreshLifetime: 0 });
    s.world.runFor(541_000);
    expect(s.actor.getSnapshot().output).toMatchObject({ kind: 'refresh-failed', outcome: 'unusable-response', reason: expect.stringContaining('LIFETIME 0') });
  });

  it('LIFETIME 2^32 - 1 s neither overflows a timer nor delays the Refresh past 59 minutes', () => {
    const s = fakeScene({ lifetime: 0xffffffff });
    s.world.runFor(3_600_000);
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.server.seen.filter((r) => r.method === 'Refresh').map((r) => r.t)).toEqual([40 + 3_540_000 + 20]);
  });

  it('refuses a refresh asking for LIFETIME 0 (that is a release) or more than 32 bits hold', () => {
    const s = fakeScene();
    s.world.runFor(1_000);
    s.actor.send({ type: 'refresh', lifetime: 0 });
    s.actor.send({ type: 'refresh', lifetime: 2 ** 32 });
    s.world.runFor(1_000);
    expect(s.told.filter((t) => t.type === 'turn.refused')).toHaveLength(2);
    expect(s.server.seen.map((r) => r.method)).toEqual(['Allocate']);
  });
});

describe('438 Stale Nonce (RFC 8489 §9.2.5): once per request', () => {
  it('Refresh: the new NONCE is used at once, and by later requests', () => {
    const s = fakeScene({ script: { Allocate: [{ kind: 'challenge' }], Refresh: [{ kind: 'stale' }] } });
    s.world.runFor(541_000);
    s.actor.send({ type: 'permission.create', peers: [PEER] });
    s.world.runFor(1_000);
    expect(s.server.seen.map((r) => [r.method, r.nonce ?? null, r.behaviour])).toEqual([
      ['Allocate', null, 'challenge'],
      ['Allocate', 'nonce-1', 'success'],
      ['Refresh', 'nonce-1', 'stale'],
      ['Refresh', 'nonce-2', 'success'],
      ['CreatePermission', 'nonce-2', 'success'],
    ]);
    expect(s.world.trace.ofKind('turn.client.allocation').map((r) => r.event)).toEqual(['challenged', 'allocated', 'stale-nonce', 'refreshed']);
  });

  it('a second 438 in a row ends the allocation: refresh-failed 438', () => {
    const s = fakeScene({ script: { Allocate: [{ kind: 'challenge' }], Refresh: [{ kind: 'stale' }, { kind: 'stale' }] } });
    s.world.runFor(541_000);
    expect(s.actor.getSnapshot().output).toMatchObject({ kind: 'refresh-failed', code: 438 });
  });

  it('CreatePermission and ChannelBind retry once too; a failure is told, and the allocation stays', () => {
    const s = fakeScene({
      script: { Allocate: [{ kind: 'challenge' }], CreatePermission: [{ kind: 'stale' }, { kind: 'error', code: 403 }], ChannelBind: [{ kind: 'stale' }, { kind: 'stale' }] },
    });
    s.world.runFor(1_000);
    s.actor.send({ type: 'permission.create', peers: [PEER] });
    s.actor.send({ type: 'channel.bind', peer: PEER });
    s.world.runFor(1_000);
    const permission = s.told.find((t) => t.type === 'turn.permission');
    expect(permission).toMatchObject({ result: 'failed', peers: [PEER.address], failure: { code: 403, outcome: 'error' } });
    expect(s.told.find((t) => t.type === 'turn.channel')).toMatchObject({ result: 'failed', channel: 0x4000, failure: { code: 438 } });
    expect(s.server.seen.filter((r) => r.method !== 'Allocate').map((r) => [r.method, r.behaviour])).toEqual([
      ['CreatePermission', 'stale'],
      ['ChannelBind', 'stale'],
      ['CreatePermission', 'error'],
      ['ChannelBind', 'stale'],
    ]);
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.actor.getSnapshot().context.permissions[PEER.address]?.state).toBe('failed');
  });
});

describe('permissions and channels over time', () => {
  it('a failed ChannelBind refresh hands its peer back to CreatePermission refreshes (they were skipped while it was bound)', () => {
    const s = fakeScene({ lifetime: 3600, script: { Allocate: [{ kind: 'challenge' }] } });
    s.world.runFor(1_000);
    s.actor.send({ type: 'permission.create', peers: [PEER] });
    s.actor.send({ type: 'channel.bind', peer: PEER });
    s.world.runFor(1_000);
    // The permission's refresh at 240 s is skipped (the channel's ChannelBind refreshes it); the channel's refresh fails.
    s.server['options'].script!.ChannelBind = [{ kind: 'error', code: 400 }];
    s.world.runFor(241_000);
    expect(s.server.seen.filter((r) => r.method !== 'Allocate' && r.method !== 'Refresh').map((r) => [r.method, r.behaviour])).toEqual([
      ['CreatePermission', 'success'],
      ['ChannelBind', 'success'],
      ['ChannelBind', 'error'],
      ['CreatePermission', 'success'],
    ]);
    // Data to the peer falls back to Send indications.
    s.actor.send({ type: 'send', peer: PEER, data: text('x') });
    expect(s.world.trace.ofKind('turn.client.data').at(-1)).toMatchObject({ framing: 'send-indication' });
  });

  it('permission.drop stops the refreshes; the server lets the permission lapse', () => {
    const s = fakeScene({ lifetime: 3600 });
    s.world.runFor(1_000);
    s.actor.send({ type: 'permission.create', peers: [PEER, { address: '192.0.2.8', port: 1 }] });
    s.world.runFor(1_000);
    s.actor.send({ type: 'permission.drop', peers: [PEER] });
    s.world.runFor(500_000);
    expect(s.server.seen.filter((r) => r.method === 'CreatePermission').map((r) => r.peers)).toEqual([[`${PEER.address}:${PEER.port}`, '192.0.2.8:1'], ['192.0.2.8:1'], ['192.0.2.8:1']]);
  });
});

describe('release (RFC 8656 §8.1: Refresh with LIFETIME 0)', () => {
  it('success, or 437 (already gone), is a confirmed release; silence is not', () => {
    for (const [behaviour, confirmed] of [[{ kind: 'success' }, true], [{ kind: 'error', code: 437 }, true], [{ kind: 'silence' }, false]] as const) {
      const s = fakeScene({ script: { Refresh: [behaviour] } });
      s.world.runFor(1_000);
      s.actor.send({ type: 'release' });
      s.world.runFor(60_000);
      expect(s.server.seen.at(-1)).toMatchObject({ method: 'Refresh', lifetime: 0 });
      expect(s.actor.getSnapshot().value).toBe('released');
      expect(s.actor.getSnapshot().output).toMatchObject({ kind: 'released', confirmed });
    }
  });

  it('asked while the Allocate is in flight: released as soon as the allocation exists', () => {
    const s = fakeScene({ script: { Allocate: [{ kind: 'challenge' }] } });
    s.actor.send({ type: 'release' });
    s.world.runFor(1_000);
    expect(s.server.seen.map((r) => [r.method, r.lifetime ?? null])).toEqual([
      ['Allocate', null],
      ['Allocate', null],
      ['Refresh', 0],
    ]);
    expect(s.told.map((t) => t.type)).toEqual(['turn.allocated', 'turn.ended']);
    expect(s.world.clock.pending).toBe(0);
  });
});

describe('refused commands and dropped arrivals (errors are values)', () => {
  it('refuses what it cannot do, says why, and sends nothing', () => {
    const s = fakeScene();
    s.actor.send({ type: 'send', peer: PEER, data: text('too early') });
    s.world.runFor(1_000);
    const before = s.world.trace.ofKind('packet.send').length;
    s.actor.send({ type: 'permission.create', peers: [{ address: 'peer.local', port: 1 }] });
    s.actor.send({ type: 'permission.create', peers: [] });
    s.actor.send({ type: 'channel.bind', peer: PEER, channel: 0x3fff });
    s.actor.send({ type: 'channel.bind', peer: { address: '192.0.2.1', port: 70_000 } });
    s.actor.send({ type: 'send', peer: PEER, data: new Uint8Array(70_000) });
    s.actor.send({ type: 'channel.bind', peer: PEER, channel: 0x4001 });
    s.actor.send({ type: 'channel.bind', peer: { address: '192.0.2.2', port: 2 }, channel: 0x4001 });
    const refusals = s.told.filter((t): t is Extract<TurnClientNotification, { type: 'turn.refused' }> => t.type === 'turn.refused');
    expect(refusals.map((r) => [r.command, r.reason])).toEqual([
      ['send', 'no allocation yet'],
      ['permission.create', '"peer.local" is not an IP address'],
      ['permission.create', 'no peers given'],
      ['channel.bind', 'channel number 16383 is outside 0x4000-0x4FFF (RFC 8656 §12)'],
      ['channel.bind', 'port 70000 is not 0-65535'],
      ['send', expect.stringContaining('65535')],
      ['channel.bind', 'channel 0x4001 is bound to another peer'],
    ]);
    // Only the one good ChannelBind went out.
    expect(s.world.trace.ofKind('packet.send').length - before).toBe(1);
  });

  it('drops what does not come from its server, ChannelData on channels it never bound, and malformed indications', () => {
    const s = fakeScene();
    s.world.runFor(1_000);
    const stranger = s.world.host('fake').bindUdp({ port: 4000 });
    const dataIndication = encodeStunMessage({
      method: StunMethod.Data,
      class: 'indication',
      transactionId: new Uint8Array(12),
      attributes: [
        { type: 'XOR-PEER-ADDRESS', value: { ...PEER } },
        { type: 'DATA', value: text('hi') },
      ],
    });
    stranger.send(dataIndication, s.server.client!);
    s.server.sendToClient(encodeChannelData({ channelNumber: 0x4abc, data: text('who?') }));
    s.server.sendToClient(encodeStunMessage({ method: StunMethod.Data, class: 'indication', transactionId: new Uint8Array(12), attributes: [] }));
    s.server.sendToClient(dataIndication);
    s.world.runFor(1_000);
    expect(s.told.filter((t) => t.type === 'turn.data')).toEqual([{ type: 'turn.data', client: 'alice', peer: PEER, data: text('hi'), via: 'data-indication' }]);
    expect(s.world.trace.ofKind('turn.client.ignore').map((r) => r.reason)).toEqual([
      'ChannelData on channel 0x4abc, which is not bound (RFC 8656 §12.6)',
      'a Data indication without XOR-PEER-ADDRESS and DATA (RFC 8656 §11.4)',
    ]);
  });
});

describe('a parent machine (as the ICE agent will use it)', () => {
  it('invokes the client, passes its `self` as `parent`, and hears its notifications as events', () => {
    const s = fakeScene();
    s.actor.stop();
    const socket = s.world.host('alice').bindUdp();
    const parent = setup({
      types: { context: {} as { heard: string[] }, events: {} as TurnClientNotification },
      actors: { turn: turnClientMachine },
    }).createMachine({
      context: { heard: [] },
      invoke: {
        id: 'turn',
        src: 'turn',
        input: ({ self }) => ({ flow: datagramFlow(socket, FAKE_SERVER), credentials: USER, random: s.world.random.fork('parent'), keepaliveIntervalMs: 0, parent: self }),
      },
      on: {
        'turn.allocated': {
          actions: [
            assign({ heard: ({ context, event }) => [...context.heard, `relay ${event.allocation.relayed.address}:${event.allocation.relayed.port}`] }),
            sendTo('turn', { type: 'permission.create', peers: [PEER] }),
          ],
        },
        'turn.permission': { actions: assign({ heard: ({ context, event }) => [...context.heard, `permission ${event.result}`] }) },
      },
    });
    const actor = createActor(parent, { clock: s.world.clock }).start();
    runUntil(s.world, () => actor.getSnapshot().context.heard.length === 2, 5_000);
    expect(actor.getSnapshot().context.heard).toEqual([`relay ${FAKE_RELAYED.address}:${FAKE_RELAYED.port}`, 'permission installed']);
  });
});
