import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stunCommand } from '../../src/cli/stun.js';
import { Trace } from '../../src/sim/index.js';
import { bindUdp, type NodeUdpTransport } from '../../src/io/node/udp.js';
import { startBindingServer } from '../../src/stun/binding-server.js';
import { bytesToHex } from '../../src/wire/index.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import {
  RFC5769_LONG_TERM_PASSWORD,
  RFC5769_LONG_TERM_REQUEST,
  RFC5769_LONG_TERM_USERNAME,
  RFC5769_REALM,
  RFC5769_REQUEST,
  RFC5769_SHORT_TERM_PASSWORD,
} from '../wire/stun/vectors.js';

async function stun(args: string[], input = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await stunCommand(args, (t) => (out += `${t}\n`), (t) => (err += `${t}\n`), async () => input);
  return { code, out, err };
}

/** Hex as people paste it: bytes spaced, lines of 16. */
function dump(bytes: Uint8Array): string {
  return (bytesToHex(bytes).match(/.{1,32}/g) ?? []).map((line) => line.replace(/(..)/g, '$1 ').trim()).join('\n');
}

describe('stun decode', () => {
  it('decodes the RFC 5769 sample request and checks its integrity and fingerprint with the short-term password', async () => {
    const { code, out, err } = await stun(['decode', '--password', RFC5769_SHORT_TERM_PASSWORD], dump(RFC5769_REQUEST));
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json).toMatchObject({ type: 'Binding request', method: 'Binding', class: 'request', transactionId: 'b7e7a701bc34d686fa87dfae' });
    expect(json['checks']).toEqual({ fingerprint: 'ok', messageIntegrity: 'ok' });
    expect(json['attributes']).toContainEqual({ name: 'USERNAME', type: '0x0006', value: 'evtj:h6vY' });
  });

  it('checks a long-term credential (RFC 5769 §2.4) with --username --realm --password', async () => {
    const args = ['decode', '--username', RFC5769_LONG_TERM_USERNAME, '--realm', RFC5769_REALM, '--password', RFC5769_LONG_TERM_PASSWORD];
    const { code, out } = await stun(args, `0x${bytesToHex(RFC5769_LONG_TERM_REQUEST)}\n`);
    expect(code).toBe(0);
    expect(JSON.parse(out).checks).toEqual({ fingerprint: 'absent', messageIntegrity: 'ok' });
  });

  it('decodes without credentials, and exits 1 with the JSON when a check fails', async () => {
    const plain = await stun(['decode'], dump(RFC5769_REQUEST));
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.out).checks).toEqual({ fingerprint: 'ok' });

    const wrong = await stun(['decode', '--password', 'wrong'], dump(RFC5769_REQUEST));
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).checks.messageIntegrity).toBe('mismatch');
    expect(wrong.err).toMatch(/MESSAGE-INTEGRITY: mismatch/);

    const flipped = RFC5769_REQUEST.slice();
    flipped[flipped.length - 1]! ^= 1;
    const badFingerprint = await stun(['decode'], dump(flipped));
    expect(badFingerprint.code).toBe(1);
    expect(badFingerprint.err).toMatch(/FINGERPRINT does not match/);
  });

  it.each([
    ['nothing', '', /no input/],
    ['not hex', 'hello', /not hex: 'h' at index 0 is not a hex digit/],
    ['an odd digit count', '000', /not hex: 3 hex digits/],
    ['too few bytes', '00 01 00 00', /not a STUN message: a STUN header is 20 bytes, only 4 given \(too-short/],
    ['a wrong magic cookie', '0001 0000 deadbeef 000000000000000000000000', /not a STUN message: .*magic cookie/],
    ['a truncated attribute', '0001 0004 2112a442 000000000000000000000000 0006 0008', /not a STUN message: .*attribute 0x0006 claims 8 bytes/],
  ])('refuses %s with a clear message and exit 1', async (_, input, message) => {
    const { code, out, err } = await stun(['decode'], input);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it.each([
    [['decode', '--username', 'u'], /--username and --realm need --password/],
    [['decode', 'extra'], /reads the message from standard input/],
    [['decode', '--nope'], /Unknown option '--nope'/],
    [['bogus'], /unknown stun command "bogus"/],
  ])('%j is a usage error: exit 2', async (args, message) => {
    const { code, err } = await stun(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('stun probe', () => {
  let coturn: Coturn;
  let ours: NodeUdpTransport;
  let silent: NodeUdpTransport;
  const trace = new Trace(() => performance.now());

  beforeAll(async () => {
    coturn = await startCoturn();
    ours = await bindUdp({ address: '127.0.0.1' });
    startBindingServer({ socket: ours, trace });
    silent = await bindUdp({ address: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    ours?.close();
    silent?.close();
    await coturn?.stop();
  });

  it('asks coturn over UDP and prints the address it saw: ours, on 127.0.0.1', async () => {
    const { code, out, err } = await stun(['probe', `127.0.0.1:${coturn.port}`, '--timeout-ms', '5000']);
    expect(err, coturn.log()).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^127\.0\.0\.1:\d+\n$/);
  });

  it('asks coturn over TCP, with --json', async () => {
    const { code, out } = await stun(['probe', `127.0.0.1:${coturn.port}`, '--tcp', '--json', '--timeout-ms', '5000']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ server: `127.0.0.1:${coturn.port}`, transport: 'tcp', transmissions: 1, response: { type: 'Binding success response' } });
    expect(json.mapped).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('asks our own Binding server, which saw the address it prints', async () => {
    const { code, out } = await stun(['probe', `127.0.0.1:${ours.local.port}`, '--timeout-ms', '5000']);
    expect(code).toBe(0);
    expect(trace.ofKind('stun.answer').map((a) => `${a.mapped}\n`)).toContain(out);
  });

  it('gives up with a clear message when nobody answers, after retransmitting', async () => {
    const { code, out, err } = await stun(['probe', `127.0.0.1:${silent.local.port}`, '--timeout-ms', '700', '--verbose']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/"kind":"stun.retransmit"/);
    expect(err).toMatch(new RegExp(`no answer from 127\\.0\\.0\\.1:${silent.local.port} over UDP after 2 transmissions in 0\\.7 s`));
  });

  it.each(['nohostport', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '[::1', '[nope]:3478', 'a b:1'])('refuses the malformed server %j: exit 2', async (server) => {
    const { code, err } = await stun(['probe', server]);
    expect(code).toBe(2);
    expect(err).toMatch(/is not host:port|in brackets is not an IPv6 address/);
  });

  it('refuses a --timeout-ms that is not a positive whole number', async () => {
    for (const bad of ['--timeout-ms=-5', '--timeout-ms=0', '--timeout-ms=1.5', '--timeout-ms=soon']) {
      const { code, err } = await stun(['probe', '127.0.0.1:3478', bad]);
      expect(code).toBe(2);
      expect(err).toMatch(/--timeout-ms must be a positive whole number/);
    }
  });
});
