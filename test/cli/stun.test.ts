import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { rtc } from './support.js';

function stun(args: string[], input = '') {
  return rtc(['stun', ...args], { stdin: input });
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

  it('prints one line of JSON (JSON Lines, like every JSON output of the command)', async () => {
    const { out } = await stun(['decode'], dump(RFC5769_REQUEST));
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([
    [['decode', '--username', 'u'], 'rtc-machines stun decode: --username and --realm need --password; see rtc-machines stun decode --help'],
    [['decode', 'extra'], "rtc-machines stun decode: too many arguments for 'decode'. Expected 0 arguments but got 1; see rtc-machines stun decode --help"],
    [['decode', '--nope'], "rtc-machines stun decode: unknown option '--nope'; see rtc-machines stun decode --help"],
    [['decode', '--pasword', 'x'], "rtc-machines stun decode: unknown option '--pasword' (Did you mean --password?); see rtc-machines stun decode --help"],
    [['bogus'], "rtc-machines stun: unknown command 'bogus'; see rtc-machines stun --help"],
  ])('%j is a usage error: exit 2, one line', async (args, line) => {
    expect(await stun(args)).toEqual({ code: 2, out: '', err: `${line}\n` });
  });
});

describe('stun probe', () => {
  let coturn: Coturn;
  let ours: NodeUdpTransport;
  let silent: NodeUdpTransport;
  let closedPort: number;
  const trace = new Trace(() => performance.now());

  beforeAll(async () => {
    coturn = await startCoturn();
    ours = await bindUdp({ address: '127.0.0.1' });
    startBindingServer({ socket: ours, trace });
    silent = await bindUdp({ address: '127.0.0.1' });
    // A port nobody listens on, UDP or TCP: one the system just gave us, then closed.
    const probe = await bindUdp({ address: '127.0.0.1' });
    closedPort = probe.local.port;
    probe.close();
  }, 60_000);

  afterAll(async () => {
    ours?.close();
    silent?.close();
    await coturn?.stop();
  });

  it('asks coturn over UDP and prints the address it saw: ours, on 127.0.0.1', async () => {
    const { code, out, err } = await stun(['probe', `127.0.0.1:${coturn.port}`, '--timeout-ms', '5000', '--quiet']);
    expect(err, coturn.log()).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^127\.0\.0\.1:\d+\n$/);
  });

  it('asks coturn over TCP, with --json: one line of JSON', async () => {
    const { code, out } = await stun(['probe', `127.0.0.1:${coturn.port}`, '--tcp', '--json', '--timeout-ms', '5000']);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ server: `127.0.0.1:${coturn.port}`, transport: 'tcp', transmissions: 1, response: { type: 'Binding success response' } });
    expect(json.mapped).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('asks our own Binding server, which saw the address it prints, and says on standard error what it sent', async () => {
    const { code, out, err } = await stun(['probe', `127.0.0.1:${ours.local.port}`, '--timeout-ms', '5000']);
    expect(code).toBe(0);
    expect(trace.ofKind('stun.answer').map((a) => `${a.mapped}\n`)).toContain(out);
    expect(err).toBe(
      `rtc-machines stun probe: asking 127.0.0.1:${ours.local.port} over UDP which address it sees us at (RFC 8489 §6.2.1: up to 4 transmissions, at 0, 0.5, 1.5, 3.5 s; giving up at 5.0 s)\n` +
        'rtc-machines stun probe: sent the Binding request (transmission 1 of 4); waiting 0.5 s for an answer before sending it again\n',
    );
  });

  it('stops at once when nothing listens on a UDP port (ICMP port unreachable), and says so', async () => {
    const started = performance.now();
    const { code, out, err } = await stun(['probe', `127.0.0.1:${closedPort}`]);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n').at(-1)).toBe(
      `rtc-machines stun probe: nothing listens on 127.0.0.1:${closedPort} over UDP (ICMP port unreachable); start a server there, e.g. rtc-machines stun serve`,
    );
  });

  it('and over TCP (connection refused)', async () => {
    const { code, err } = await stun(['probe', `127.0.0.1:${closedPort}`, '--tcp', '--quiet']);
    expect(code).toBe(1);
    expect(err).toBe(`rtc-machines stun probe: nothing listens on 127.0.0.1:${closedPort} over TCP (connection refused); start a server there, e.g. rtc-machines stun serve\n`);
  });

  it('gives up with a clear message when nobody answers, telling each retransmission as it goes', async () => {
    const { code, out, err } = await stun(['probe', `127.0.0.1:${silent.local.port}`, '--timeout-ms', '1600', '--verbose']);
    expect(code).toBe(1);
    expect(out).toBe('');
    const told = err.split('\n').filter((l) => l.startsWith('rtc-machines stun probe: '));
    expect(told).toEqual([
      `rtc-machines stun probe: asking 127.0.0.1:${silent.local.port} over UDP which address it sees us at (RFC 8489 §6.2.1: up to 3 transmissions, at 0, 0.5, 1.5 s; giving up at 1.6 s)`,
      'rtc-machines stun probe: sent the Binding request (transmission 1 of 3); waiting 0.5 s for an answer before sending it again',
      'rtc-machines stun probe: no answer in 0.5 s; sent it again (transmission 2 of 3); waiting 1.0 s for an answer before sending it again',
      'rtc-machines stun probe: no answer in 1.0 s; sent it again (transmission 3 of 3); waiting 0.1 s for an answer, then giving up',
      `rtc-machines stun probe: no answer from 127.0.0.1:${silent.local.port} over UDP after 3 transmissions in 1.6 s; is a STUN server listening there (try: rtc-machines stun serve), and does the network let the packets through?`,
    ]);
    // --verbose: the transaction's own trace records too, one JSON object a line.
    expect(err).toMatch(/^\{"kind":"stun\.retransmit",.*"attempt":2/m);
  });

  it.each(['nohostport', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '[::1', '[nope]:3478', 'a b:1'])('refuses the malformed server %j: exit 2', async (server) => {
    const { code, out, err } = await stun(['probe', server]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^rtc-machines stun probe: command-argument value '.*' is invalid for argument 'host:port': .*(is not host:port|in brackets is not an IPv6 address|out of range).*; see rtc-machines stun probe --help\n$/);
  });

  it('refuses a --timeout-ms that is not a whole number of milliseconds from 1 to an hour', async () => {
    for (const bad of ['--timeout-ms=-5', '--timeout-ms=0', '--timeout-ms=1.5', '--timeout-ms=soon', '--timeout-ms=', '--timeout-ms=3600001']) {
      const { code, err } = await stun(['probe', '127.0.0.1:3478', bad]);
      expect(code, bad).toBe(2);
      expect(err).toMatch(/^rtc-machines stun probe: option '--timeout-ms <ms>' argument '.*' is invalid: .*whole number from 1 to 3,600,000/);
    }
  });
});
