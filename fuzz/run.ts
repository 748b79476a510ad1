/**
 * `npm run fuzz [-- --seed N] [--count N] [--time-bound MS] [--replay INDEX]` (`--help` says more;
 * a bad value or an unknown flag is refused with exit 2)
 *
 * Pushes random and mutated inputs (fuzz/generate.ts) through every decoder of
 * src/wire: decodeStunMessage (and, on success, verifyStunMessage,
 * describeStunMessage and a re-encode round trip), decodeChannelData over UDP
 * and over a stream, demultiplex, hasValidFingerprint, and the StreamFramer
 * (fed the inputs as chunks of one long stream, and fed valid streams cut at
 * random places, whose frames must come out unchanged).
 *
 * A decoder must never throw and must answer every bad input with a typed
 * error (a known `code`, a message, an offset inside the input). The fuzz
 * loop runs in a worker thread; the main thread is a watchdog that declares a
 * hang when no input completes within the time bound. Exit status 1 on any
 * exception, untyped error, broken round trip or hang; 0 otherwise.
 */

import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  StreamFramer,
  WireEncodeError,
  bytesToHex,
  decodeChannelData,
  decodeStunMessage,
  demultiplex,
  describeStunMessage,
  encodeStunMessage,
  hasValidFingerprint,
  verifyStunMessage,
  type DecodedStunMessage,
  type StreamFrame,
  parseCandidate,
} from '../src/wire/index.js';
import { FUZZ_KEY, Rng, buildCorpus, concat, generateInput, type Corpus } from './generate.js';
import { Command, CommanderError, Option } from 'commander';
import { EXIT_OK, EXIT_USAGE, argParser, readWholeNumber, usageLine } from '../src/cli/options.js';

interface Options {
  seed: number;
  count: number;
  timeBoundMs: number;
  replay: number | undefined;
}

interface DecoderStats {
  calls: number;
  ok: number;
  errors: Record<string, number>;
  exceptions: number;
  untyped: number;
}

interface Failure {
  index: number;
  decoder: string;
  problem: string;
  inputHex: string;
}

interface Report {
  inputs: number;
  kinds: Record<string, number>;
  decoders: Record<string, DecoderStats>;
  failures: Failure[];
  failureCount: number;
  slowestInputMs: number;
  slowestIndex: number;
  overTimeBound: number;
  wallMs: number;
}

const STUN_CODES = new Set([
  'too-short', 'bad-leading-bits', 'length-not-multiple-of-4', 'bad-magic-cookie', 'length-mismatch',
  'truncated-attribute-header', 'attribute-overflow', 'bad-attribute-length', 'bad-address-family',
  'invalid-utf8', 'bad-error-code', 'attribute-after-fingerprint', 'bad-attribute-value',
]);
const CHANNEL_DATA_CODES = new Set(['too-short', 'bad-channel-number', 'truncated', 'trailing-bytes', 'missing-padding']);
const FRAMER_CODES = new Set(['bad-leading-bits']);
/** Any code the parser's typed error has (the union has no runtime list); it must be a non-empty string. */
const CANDIDATE_CODES = 'any' as const;

/** Real lines (from the SDP corpus, test/fixtures/sdp-corpus) to mutate: Chromium relay, Firefox mDNS host over UDP and TCP. */
const CANDIDATE_LINES = [
  'a=candidate:1328524668 1 udp 50339839 127.0.0.1 52227 typ relay raddr 0.0.0.0 rport 0 generation 0 network-cost 999',
  'a=candidate:0 1 UDP 2122187007 26673389-66e4-439e-83b4-c7241f60aef7.local 41594 typ host',
  'a=candidate:4 1 TCP 2105458943 26673389-66e4-439e-83b4-c7241f60aef7.local 9 typ host tcptype active',
];

/** A real line with a stretch replaced by the input's bytes as text: near-valid lines reach deep into the parser. */
function mutateCandidateLine(bytes: Uint8Array): string {
  const line = CANDIDATE_LINES[(bytes[0] ?? 0) % CANDIDATE_LINES.length]!;
  const at = ((bytes[1] ?? 0) * 7) % line.length;
  const cut = (bytes[2] ?? 0) % 12;
  const insert = Buffer.from(bytes.subarray(3, 3 + ((bytes[3] ?? 0) % 8))).toString('latin1');
  return line.slice(0, at) + insert + line.slice(at + cut);
}

/** At most this many inputs: the watchdog counts them in an Int32Array. */
const MAX_COUNT = 2 ** 31 - 1;
const MAX_SEED = 0xffff_ffff;

/**
 * The command line, checked by the command's own rules (src/cli/options.ts):
 * a value that is not a number in range is refused with exit 2, never run as
 * some other number (`Number('abc')` is NaN, so a loop of NaN inputs ran none
 * and said OK; `Number('')` is seed 0). Returns the options, or the exit code
 * when there is nothing to run (help shown, or a usage error reported).
 */
function parseArgs(argv: string[]): Options | number {
  const whole = (min: number, max: number) => argParser((text) => readWholeNumber(text, min, max));
  const program = new Command('npm run fuzz --')
    .description('Push random and mutated inputs through every decoder of src/wire; fail on an exception, an untyped error, a broken round trip or a hang.')
    .addOption(new Option('--seed <n>', 'the seed (default: $FUZZ_SEED, else one from the clock and the pid)').argParser(whole(0, MAX_SEED)))
    .addOption(new Option('--count <n>', 'how many inputs').argParser(whole(1, MAX_COUNT)).default(1_000_000))
    .addOption(new Option('--time-bound <ms>', 'the most one input may take, ms').argParser(whole(1, 600_000)).default(1000))
    .addOption(new Option('--replay <index>', 'run only input INDEX of the seed, in this thread, and print it').argParser(whole(0, MAX_COUNT - 1)))
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${usageLine('npm run fuzz --', text)}\n`) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? EXIT_OK : EXIT_USAGE;
    throw e;
  }
  const values = program.opts<{ seed?: number; count: number; timeBound: number; replay?: number }>();
  let seed = values.seed;
  const fromEnv = process.env['FUZZ_SEED'];
  if (seed === undefined && fromEnv !== undefined) {
    const parsed = readWholeNumber(fromEnv, 0, MAX_SEED);
    if (!parsed.ok) {
      console.error(`npm run fuzz --: FUZZ_SEED=${JSON.stringify(fromEnv)} is invalid: ${parsed.problem}`);
      return EXIT_USAGE;
    }
    seed = parsed.value;
  }
  return {
    seed: seed ?? (Date.now() ^ (process.pid << 16)) >>> 0,
    count: values.count,
    timeBoundMs: values.timeBound,
    replay: values.replay,
  };
}

// ---------------------------------------------------------------------------
// The fuzz loop (worker thread, or in-process for --replay)
// ---------------------------------------------------------------------------

class Fuzzer {
  readonly report: Report;
  private framer = new StreamFramer();
  /** Bytes pushed into `framer` so far. */
  private streamBytes = 0;
  private index = 0;
  private input: Uint8Array = new Uint8Array();

  constructor(private readonly corpus: Corpus, private readonly seed: number, private readonly timeBoundMs: number) {
    const stats = (): DecoderStats => ({ calls: 0, ok: 0, errors: {}, exceptions: 0, untyped: 0 });
    this.report = {
      inputs: 0,
      kinds: {},
      decoders: {
        decodeStunMessage: stats(),
        'decodeChannelData (udp)': stats(),
        'decodeChannelData (stream)': stats(),
        demultiplex: stats(),
        hasValidFingerprint: stats(),
        'StreamFramer (inputs as chunks)': stats(),
        'StreamFramer (valid streams, random cuts)': stats(),
        'parseCandidate (bytes as text)': stats(),
        'parseCandidate (mutated real lines)': stats(),
      },
      failures: [],
      failureCount: 0,
      slowestInputMs: 0,
      slowestIndex: -1,
      overTimeBound: 0,
      wallMs: 0,
    };
  }

  run(index: number): void {
    const { kind, bytes } = generateInput(this.seed, index, this.corpus);
    this.index = index;
    this.input = bytes;
    this.report.inputs++;
    this.report.kinds[kind] = (this.report.kinds[kind] ?? 0) + 1;
    const started = performance.now();

    this.call('decodeStunMessage', () => {
      const r = decodeStunMessage(bytes);
      if (r.ok) this.afterStun(r.message);
      return r;
    }, STUN_CODES);
    this.call('decodeChannelData (udp)', () => decodeChannelData(bytes), CHANNEL_DATA_CODES);
    this.call('decodeChannelData (stream)', () => decodeChannelData(bytes, { stream: true }), CHANNEL_DATA_CODES);
    this.call('demultiplex', () => ({ ok: typeof demultiplex(bytes) === 'string' }), new Set());
    this.call('hasValidFingerprint', () => ({ ok: typeof hasValidFingerprint(bytes) === 'boolean' }), new Set());
    this.call('StreamFramer (inputs as chunks)', () => {
      this.streamBytes += bytes.length;
      const r = this.framer.push(bytes);
      for (const f of r.frames) this.decodeFrame(f);
      return r.error === undefined ? { ok: true } : { ok: false, error: r.error };
    }, FRAMER_CODES);
    if (this.framer.error !== undefined) {
      // The stream is out of step for good; a real server would close the connection. Start a new one.
      this.framer = new StreamFramer();
      this.streamBytes = 0;
    }
    if (index % 20 === 0) this.call('StreamFramer (valid streams, random cuts)', () => this.validStream(index), new Set());
    const text = Buffer.from(bytes).toString('latin1');
    this.call('parseCandidate (bytes as text)', () => parseCandidate(text), CANDIDATE_CODES, text.length);
    this.call('parseCandidate (mutated real lines)', () => {
      const mutated = mutateCandidateLine(bytes);
      return parseCandidate(mutated);
    }, CANDIDATE_CODES, Number.POSITIVE_INFINITY);

    const elapsed = performance.now() - started;
    if (elapsed > this.report.slowestInputMs) {
      this.report.slowestInputMs = elapsed;
      this.report.slowestIndex = index;
    }
    if (elapsed > this.timeBoundMs) {
      this.report.overTimeBound++;
      this.fail('all', `took ${elapsed.toFixed(1)} ms, over the ${this.timeBoundMs} ms bound`);
    }
  }

  private call(name: string, run: () => { ok: boolean; error?: { code: string; message: string; offset: number } }, codes: Set<string> | 'any', maxOffset?: number): void {
    const s = this.report.decoders[name] as DecoderStats;
    s.calls++;
    let result: ReturnType<typeof run>;
    try {
      result = run();
    } catch (e) {
      s.exceptions++;
      this.fail(name, `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return;
    }
    if (result.ok) {
      s.ok++;
      return;
    }
    const error = result.error;
    const typed =
      error !== undefined &&
      (codes === 'any' ? typeof error.code === 'string' && error.code.length > 0 : codes.has(error.code)) &&
      typeof error.message === 'string' &&
      error.message.length > 0 &&
      Number.isInteger(error.offset) &&
      error.offset >= 0 &&
      error.offset <= (maxOffset ?? (name.startsWith('StreamFramer') ? this.streamBytes : this.input.length)); // framer offsets count from the start of its stream
    if (!typed) {
      s.untyped++;
      this.fail(name, `untyped error ${JSON.stringify(error)}`);
      return;
    }
    s.errors[error.code] = (s.errors[error.code] ?? 0) + 1;
  }

  /** What a receiver does next with a decoded message; none of it may throw, and re-encoding must be stable. */
  private afterStun(message: DecodedStunMessage): void {
    verifyStunMessage(message, { key: FUZZ_KEY });
    JSON.stringify(describeStunMessage(message, { password: 'fuzz' }));
    let again: Uint8Array;
    try {
      again = encodeStunMessage(message, { key: FUZZ_KEY });
    } catch (e) {
      if (e instanceof WireEncodeError) return; // a value the wire allows but an RFC forbids sending (e.g. an over-long SOFTWARE)
      throw e;
    }
    const second = decodeStunMessage(again);
    if (!second.ok) throw new Error(`re-encoded message does not decode: ${second.error.message}`);
    const strip = (m: DecodedStunMessage): string =>
      JSON.stringify(describeStunMessage({ ...m, attributes: m.attributes.map((a) => (a.type === 'MESSAGE-INTEGRITY' || a.type === 'MESSAGE-INTEGRITY-SHA256' || a.type === 'FINGERPRINT' ? { type: a.type } : a)) }).attributes);
    if (strip(second.message) !== strip(message)) throw new Error('decode(encode(decode(x))) differs from decode(x)');
    if (!verifyStunMessage(second.message, { key: FUZZ_KEY }).ok && (second.message.integrityOffset ?? second.message.integritySha256Offset) !== undefined) {
      throw new Error('re-encoded message fails its own integrity check');
    }
  }

  private decodeFrame(frame: StreamFrame): void {
    if (frame.kind === 'stun') decodeStunMessage(frame.bytes);
    else decodeChannelData(frame.bytes, { stream: true });
  }

  /** Valid frames, concatenated, cut at random places: the framer must give them back unchanged. */
  private validStream(index: number): { ok: boolean } {
    const rng = new Rng(index ^ 0xabcdef);
    const frames: Uint8Array[] = [];
    for (let n = rng.range(1, 6); n > 0; n--) {
      if (rng.bool(0.7)) frames.push(rng.pick(this.corpus.stun));
      else {
        const cd = rng.pick(this.corpus.channelData);
        frames.push(cd.length % 4 === 0 ? cd : concat(cd, new Uint8Array(4 - (cd.length % 4))));
      }
    }
    let stream: Uint8Array = new Uint8Array();
    for (const f of frames) stream = concat(stream, f);
    const framer = new StreamFramer();
    const out: Uint8Array[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = rng.range(1, 64);
      const r = framer.push(stream.subarray(at, at + n));
      if (r.error !== undefined) throw new Error(`framer refused a valid stream: ${r.error.message}`);
      out.push(...r.frames.map((f) => f.bytes));
      at += n;
    }
    if (out.length !== frames.length || out.some((f, i) => bytesToHex(f) !== bytesToHex(frames[i] as Uint8Array))) {
      throw new Error('framer output differs from the frames sent');
    }
    return { ok: true };
  }

  private fail(decoder: string, problem: string): void {
    this.report.failureCount++;
    if (this.report.failures.length < 20) {
      this.report.failures.push({ index: this.index, decoder, problem, inputHex: bytesToHex(this.input.subarray(0, 256)) });
    }
  }
}

// ---------------------------------------------------------------------------
// Main thread: start the worker, watch it, print the report
// ---------------------------------------------------------------------------

function printReport(options: Options, report: Report, hang: string | undefined): void {
  const rate = (report.inputs / (report.wallMs / 1000)).toFixed(0);
  console.log(`\ninputs: ${report.inputs}  (seed ${options.seed})  wall time: ${(report.wallMs / 1000).toFixed(1)} s  (${rate} inputs/s)`);
  console.log(`input kinds: ${Object.entries(report.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log('\ndecoder                                     calls      ok   typed errors  exceptions  untyped');
  for (const [name, s] of Object.entries(report.decoders)) {
    const typedErrors = Object.values(s.errors).reduce((a, b) => a + b, 0);
    console.log(`${name.padEnd(42)} ${String(s.calls).padStart(8)} ${String(s.ok).padStart(8)} ${String(typedErrors).padStart(13)} ${String(s.exceptions).padStart(11)} ${String(s.untyped).padStart(8)}`);
  }
  for (const [name, s] of Object.entries(report.decoders)) {
    const entries = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
    if (entries.length > 0) console.log(`  ${name} errors: ${entries.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  console.log(`\nslowest input: ${report.slowestInputMs.toFixed(2)} ms (index ${report.slowestIndex}); over the ${options.timeBoundMs} ms bound: ${report.overTimeBound}; hangs: ${hang === undefined ? 0 : 1}`);
  for (const f of report.failures) {
    console.log(`FAILURE at index ${f.index} [${f.decoder}]: ${f.problem}\n  input: ${f.inputHex}\n  replay: npm run fuzz -- --seed ${options.seed} --replay ${f.index}`);
  }
  if (hang !== undefined) console.log(`HANG: ${hang}`);
  const failed = report.failureCount > 0 || hang !== undefined;
  console.log(failed ? `\nFAILED: ${report.failureCount} failures${hang ? ' and a hang' : ''}` : '\nOK: no exception, no untyped error, no hang');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (typeof options === 'number') {
    process.exitCode = options;
    return;
  }
  console.log(`wire fuzz: seed ${options.seed}, ${options.replay !== undefined ? `replaying input ${options.replay}` : `${options.count} inputs`}, time bound ${options.timeBoundMs} ms per input`);

  if (options.replay !== undefined) {
    const fuzzer = new Fuzzer(buildCorpus(options.seed), options.seed, options.timeBoundMs);
    const { kind, bytes } = generateInput(options.seed, options.replay, buildCorpus(options.seed));
    console.log(`input ${options.replay} (${kind}, ${bytes.length} bytes): ${bytesToHex(bytes)}`);
    console.log(JSON.stringify(decodeStunMessage(bytes), (_k, v: unknown) => (v instanceof Uint8Array ? bytesToHex(v) : typeof v === 'bigint' ? v.toString() : v), 2));
    fuzzer.run(options.replay);
    printReport(options, fuzzer.report, undefined);
    process.exitCode = fuzzer.report.failureCount > 0 ? 1 : 0;
    return;
  }

  const progress = new Int32Array(new SharedArrayBuffer(8)); // [inputs started, inputs done]
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { options, progress } });
  const started = performance.now();
  const result = await new Promise<{ report?: Report; hang?: string }>((resolve) => {
    let lastDone = -1;
    let lastChange = performance.now();
    let lastPrinted = 0;
    const timer = setInterval(() => {
      const done = Atomics.load(progress, 1);
      const now = performance.now();
      if (done !== lastDone) {
        lastDone = done;
        lastChange = now;
      } else if (now - lastChange > Math.max(5000, options.timeBoundMs * 5)) {
        clearInterval(timer);
        void worker.terminate();
        resolve({ hang: `no input finished for ${((now - lastChange) / 1000).toFixed(1)} s; stuck at input ${Atomics.load(progress, 0)} (replay: npm run fuzz -- --seed ${options.seed} --replay ${Atomics.load(progress, 0)})` });
      }
      if (now - lastPrinted > 10_000) {
        lastPrinted = now;
        console.log(`  ${done} / ${options.count} inputs (${((now - started) / 1000).toFixed(0)} s)`);
      }
    }, 250);
    worker.on('message', (report: Report) => {
      clearInterval(timer);
      resolve({ report });
    });
    worker.on('error', (e) => {
      clearInterval(timer);
      resolve({ hang: `the worker died: ${e instanceof Error ? e.stack ?? e.message : String(e)}` });
    });
  });
  const report = result.report ?? {
    inputs: Atomics.load(progress, 1), kinds: {}, decoders: {}, failures: [], failureCount: 0,
    slowestInputMs: 0, slowestIndex: -1, overTimeBound: 0, wallMs: performance.now() - started,
  };
  printReport(options, report, result.hang);
  process.exitCode = report.failureCount > 0 || result.hang !== undefined ? 1 : 0;
}

function workerMain(): void {
  const { options, progress } = workerData as { options: Options; progress: Int32Array };
  const started = performance.now();
  const fuzzer = new Fuzzer(buildCorpus(options.seed), options.seed, options.timeBoundMs);
  for (let i = 0; i < options.count; i++) {
    Atomics.store(progress, 0, i);
    fuzzer.run(i);
    Atomics.store(progress, 1, i + 1);
  }
  fuzzer.report.wallMs = performance.now() - started;
  parentPort?.postMessage(fuzzer.report);
}

if (isMainThread) await main();
else workerMain();
