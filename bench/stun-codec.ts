/**
 * STUN codec throughput: encode + decode + verify of an ICE connectivity
 * check, a Binding request with USERNAME, PRIORITY, ICE-CONTROLLING,
 * USE-CANDIDATE, MESSAGE-INTEGRITY and FINGERPRINT (RFC 8445 §7.1.1), done by
 * src/wire and, in the same run, by the `stun` package on npm.
 *
 * Each "op" is the whole round: build the request and encode it with its HMAC
 * and CRC, decode the bytes, check FINGERPRINT and MESSAGE-INTEGRITY, read
 * USERNAME. Rounds of the two implementations alternate so that drift (CPU
 * frequency, GC) hits both alike; the median round is reported.
 *
 * Run alone with `npx tsx bench/stun-codec.ts`; bench/run.ts imports
 * `benchStunCodec`.
 */

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  findAttribute,
  shortTermKey,
  verifyStunMessage,
} from '../src/wire/index.js';

export interface StunCodecResult {
  name: string;
  opsPerSec: number;
  /** Mean time of one op, in microseconds. */
  microsPerOp: number;
  /** Ops per second relative to the `stun` package doing the same work (absent when it is not installed). */
  relativeToStunPackage?: number;
  rounds: number;
}

const USERNAME = 'a7Gq:ZHjv'; // remote ufrag ":" local ufrag
const PASSWORD = 'sFfbmAq2oX3X9yQjHqcPVzbN'; // ice-pwd
const PRIORITY = 0x6e0001ff;
const TIE_BREAKER = 0x932ff9b151263b36n;
const transactionId = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);

type Op = () => void;

// --- src/wire --------------------------------------------------------------

const key = shortTermKey(PASSWORD);

function encodeOurs(): Uint8Array {
  return encodeStunMessage(
    {
      method: StunMethod.Binding,
      class: 'request',
      transactionId,
      attributes: [
        { type: 'USERNAME', value: USERNAME },
        { type: 'PRIORITY', value: PRIORITY },
        { type: 'ICE-CONTROLLING', value: TIE_BREAKER },
        { type: 'USE-CANDIDATE' },
        { type: 'MESSAGE-INTEGRITY' },
        { type: 'FINGERPRINT' },
      ],
    },
    { key },
  );
}

function decodeAndVerifyOurs(bytes: Uint8Array): string {
  const result = decodeStunMessage(bytes);
  if (!result.ok) throw new Error(result.error.message);
  if (!verifyStunMessage(result.message, { key, requireFingerprint: true }).ok) throw new Error('verification failed');
  return findAttribute(result.message, 'USERNAME')?.value ?? '';
}

const ours: Op = () => {
  decodeAndVerifyOurs(encodeOurs());
};

// --- the `stun` package (CommonJS, untyped: described here as far as used) ---

interface StunPackageMessage {
  addAttribute(type: number, ...values: unknown[]): unknown;
  addMessageIntegrity(key: string): boolean;
  addFingerprint(): boolean;
  getAttribute(type: number): { value: unknown } | undefined;
}
interface StunPackage {
  createMessage(type: number, transactionId?: Buffer): StunPackageMessage;
  encode(message: StunPackageMessage): Buffer;
  decode(bytes: Buffer): StunPackageMessage;
  validateFingerprint(message: StunPackageMessage): boolean;
  validateMessageIntegrity(message: StunPackageMessage, key: string): boolean;
  constants: Record<string, number>;
}

function loadStunPackage(): { stun: StunPackage; version: string } | undefined {
  const require = createRequire(import.meta.url);
  try {
    const stun = require('stun') as StunPackage;
    const version = (require('stun/package.json') as { version: string }).version;
    return { stun, version };
  } catch {
    return undefined;
  }
}

function stunPackageOps(stun: StunPackage): { encode: () => Buffer; decodeAndVerify: (bytes: Buffer) => string; op: Op } {
  const c = stun.constants;
  const tid = Buffer.from(transactionId);
  const tieBreaker = Buffer.alloc(8);
  tieBreaker.writeBigUInt64BE(TIE_BREAKER);
  const encode = (): Buffer => {
    const m = stun.createMessage(c['STUN_BINDING_REQUEST'] as number, tid);
    m.addAttribute(c['STUN_ATTR_USERNAME'] as number, USERNAME);
    m.addAttribute(c['STUN_ATTR_PRIORITY'] as number, PRIORITY);
    m.addAttribute(c['STUN_ATTR_ICE_CONTROLLING'] as number, tieBreaker);
    m.addAttribute(c['STUN_ATTR_USE_CANDIDATE'] as number, Buffer.alloc(0));
    m.addMessageIntegrity(PASSWORD);
    m.addFingerprint();
    return stun.encode(m);
  };
  const decodeAndVerify = (bytes: Buffer): string => {
    const m = stun.decode(bytes);
    if (!stun.validateFingerprint(m) || !stun.validateMessageIntegrity(m, PASSWORD)) throw new Error('stun: verification failed');
    return String(m.getAttribute(c['STUN_ATTR_USERNAME'] as number)?.value ?? '');
  };
  return { encode, decodeAndVerify, op: () => void decodeAndVerify(encode()) };
}

// --- measurement -------------------------------------------------------------

/** Ops per second of one round lasting about `ms`. */
function round(op: Op, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 200; i++) op();
    n += 200;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function benchStunCodec(options: { rounds?: number; roundMs?: number; warmupMs?: number } = {}): Promise<StunCodecResult[]> {
  const rounds = options.rounds ?? 7;
  const roundMs = options.roundMs ?? 300;
  const warmupMs = options.warmupMs ?? 500;
  const pkg = loadStunPackage();
  const contenders: { name: string; op: Op }[] = [{ name: 'rtc-machines src/wire', op: ours }];

  if (pkg !== undefined) {
    const theirs = stunPackageOps(pkg.stun);
    // Same work, same bytes: each side reads what the other writes.
    if (decodeAndVerifyOurs(new Uint8Array(theirs.encode())) !== USERNAME) throw new Error('our decoder disagrees with stun');
    if (theirs.decodeAndVerify(Buffer.from(encodeOurs())) !== USERNAME) throw new Error('stun disagrees with our encoder');
    contenders.push({ name: `stun@${pkg.version} (npm)`, op: theirs.op });
  }

  for (const c of contenders) round(c.op, warmupMs);
  const samples = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => samples[i]!.push(round(c.op, roundMs)));
    await new Promise((resolve) => setImmediate(resolve));
  }

  const results: StunCodecResult[] = contenders.map((c, i) => {
    const opsPerSec = median(samples[i]!);
    return { name: `Binding request encode+decode+verify (MI+FP): ${c.name}`, opsPerSec: Math.round(opsPerSec), microsPerOp: 1e6 / opsPerSec, rounds };
  });
  const stunResult = results[1];
  if (stunResult !== undefined) for (const r of results) r.relativeToStunPackage = r.opsPerSec / stunResult.opsPerSec;
  return results;
}

async function main(): Promise<void> {
  const results = await benchStunCodec();
  for (const r of results) {
    const rel = r.relativeToStunPackage === undefined ? '' : `  ${r.relativeToStunPackage.toFixed(2)}x the stun package`;
    console.log(`${r.name}\n  ${r.opsPerSec.toLocaleString('en-US')} ops/s  (${r.microsPerOp.toFixed(2)} µs/op, median of ${r.rounds} rounds)${rel}`);
  }
  if (results.length < 2) console.log('(the stun package is not installed: npm install --save-dev stun to compare)');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
