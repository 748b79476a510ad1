/**
 * Helpers of the TURN server tests: a small simulated world (a TURN server,
 * clients, peers on the internet) and a hand-built TURN client that writes
 * its requests with src/wire, since the real TURN client is not written yet.
 *
 * Importing this module configures fast-check for the file: FC_SEED=<n>
 * replays a failure (fast-check prints the seed), FC_NUM_RUNS=<n> overrides
 * every property's number of runs.
 */
import { fc } from '@fast-check/vitest';
import { createWorld, type SimTcpConnection, type SimUdpSocket, type World } from '../../../src/sim/index.js';
import { type TransportAddress } from '../../../src/io/index.js';
import {
  StreamFramer,
  StunMethod,
  TRANSPORT_UDP,
  decodeChannelData,
  decodeStunMessage,
  encodeChannelData,
  encodeStunMessage,
  findAttribute,
  longTermKey,
  type DecodedStunMessage,
  type StunAttribute,
} from '../../../src/wire/index.js';
import { startSimTurnServer, type SimTurnServer } from '../../../src/turn/server/sim.js';
import { type TurnServerConfig } from '../../../src/turn/server/config.js';

const seed = process.env.FC_SEED;
const numRuns = process.env.FC_NUM_RUNS;
fc.configureGlobal({
  ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
  ...(numRuns !== undefined && numRuns !== '' ? { numRuns: Number(numRuns) } : {}),
});

export const SERVER_IP = '198.51.100.1';
export const ALICE_IP = '203.0.113.10';
export const BOB_IP = '203.0.113.11';
export const PEER_IPS = ['192.0.2.20', '192.0.2.21', '192.0.2.22'] as const;
export const REALM = 'example.org';
export const USERS = { alice: 'alice-password', bob: 'bob-password' } as const;

export interface Scene {
  readonly world: World;
  readonly server: SimTurnServer;
  readonly peers: readonly Peer[];
}

/**
 * A world with the TURN server (198.51.100.1:3478), clients alice and bob,
 * and three peers on the public internet, 10 ms from everyone per link. The
 * server refuses to relay to its own address (403).
 */
export function scene(config: Partial<TurnServerConfig> = {}, seedValue = 1): Scene {
  const world = createWorld(
    {
      hosts: [
        { id: 'turn', address: SERVER_IP },
        { id: 'alice', address: ALICE_IP },
        { id: 'bob', address: BOB_IP },
        ...PEER_IPS.map((address, i) => ({ id: `peer${i}`, address })),
      ],
    },
    { seed: seedValue },
  );
  const server = startSimTurnServer(world, 'turn', {
    config: { realm: REALM, users: USERS, peers: { deny: ['0.0.0.0/8', `${SERVER_IP}/32`] }, ...config },
  });
  const peers = PEER_IPS.map((_, i) => new Peer(world, `peer${i}`));
  return { world, server, peers };
}

/** A UDP socket on a peer host that records what reaches it. */
export class Peer {
  readonly socket: SimUdpSocket;
  readonly inbox: { t: number; data: Uint8Array; from: TransportAddress }[] = [];
  constructor(
    readonly world: World,
    readonly host: string,
    port = 5000,
  ) {
    this.socket = world.host(host).bindUdp({ port });
    this.socket.onMessage((data, from) => this.inbox.push({ t: world.clock.now(), data: data.slice(), from }));
  }
  get address(): TransportAddress {
    return { address: this.world.host(this.host).addresses[0]!, port: this.socket.local.port };
  }
  send(data: Uint8Array, to: TransportAddress): void {
    this.socket.send(data, to);
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
export const xor = (address: string, port: number) => ({ address, port });

/** What arrived at a client: STUN messages and ChannelData frames, in order. */
export type Arrival = { readonly t: number } & (
  | { readonly kind: 'stun'; readonly message: DecodedStunMessage }
  | { readonly kind: 'channel-data'; readonly channel: number; readonly data: Uint8Array }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array }
);

export interface RequestOptions {
  readonly sign?: boolean;
  readonly transactionId?: Uint8Array;
  /** Sign as this user (with `key`) instead of the client's own. */
  readonly username?: string;
  readonly key?: Uint8Array;
  /** Credential attributes to leave out of a signed request. */
  readonly omit?: readonly ('USERNAME' | 'REALM' | 'NONCE')[];
}

export interface ClientOptions {
  readonly transport?: 'udp' | 'tcp';
  readonly username?: string;
  readonly password?: string;
  /** The local port to send from (UDP) or connect from (TCP); ephemeral by default. */
  readonly localPort?: number;
}

/**
 * A hand-made TURN client: builds requests with src/wire, sends them over UDP
 * or a TCP connection (framed), and runs the world just until the answer
 * arrives (so the clock stands at the arrival).
 */
export class Client {
  readonly arrivals: Arrival[] = [];
  readonly username: string;
  readonly password: string;
  realm: string | undefined;
  nonce: string | undefined;
  private readonly socket: SimUdpSocket | undefined;
  private readonly stream: SimTcpConnection | undefined;
  private counter = 0;

  constructor(
    readonly world: World,
    readonly host: string,
    readonly server: TransportAddress,
    options: ClientOptions = {},
  ) {
    this.username = options.username ?? host;
    this.password = options.password ?? (USERS as Record<string, string>)[this.username] ?? 'nobody';
    const record = (bytes: Uint8Array) => this.arrive(bytes);
    if ((options.transport ?? 'udp') === 'udp') {
      this.socket = world.host(host).bindUdp(options.localPort === undefined ? {} : { port: options.localPort });
      this.socket.onMessage((data) => record(data.slice()));
    } else {
      this.stream = world.host(host).connectTcp(server, options.localPort === undefined ? {} : { port: options.localPort });
      const framer = new StreamFramer();
      this.stream.onData((chunk) => {
        const { frames } = framer.push(chunk.slice());
        for (const frame of frames) record(frame.bytes);
      });
      this.runUntil(() => this.stream!.state === 'open');
    }
  }

  /** The client's own transport address. */
  get local(): TransportAddress {
    return this.socket?.local ?? this.stream!.local;
  }

  get transport(): 'udp' | 'tcp' {
    return this.stream === undefined ? 'udp' : 'tcp';
  }

  get key(): Uint8Array {
    return longTermKey(this.username, this.realm ?? REALM, this.password);
  }

  /** A fresh 12-byte transaction id (deterministic: the host name and a counter). */
  nextTransactionId(): Uint8Array {
    const id = new Uint8Array(12);
    id.set(text(this.host.slice(0, 6)));
    const n = ++this.counter;
    id[8] = n >>> 24;
    id[9] = n >>> 16;
    id[10] = n >>> 8;
    id[11] = n;
    return id;
  }

  sendBytes(bytes: Uint8Array): void {
    if (this.socket !== undefined) this.socket.send(bytes, this.server);
    else this.stream!.write(bytes);
  }

  /**
   * Encodes and sends a request; signed with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY unless `sign`
   * is false (as another `username` with its `key`, or leaving out the attributes in `omit`).
   */
  sendRequest(method: number, attributes: readonly StunAttribute[], options: RequestOptions = {}): Uint8Array {
    const transactionId = options.transactionId ?? this.nextTransactionId();
    const sign = options.sign ?? this.nonce !== undefined;
    const all: StunAttribute[] = [...attributes];
    if (sign) {
      const credentials: StunAttribute[] = [
        { type: 'USERNAME', value: options.username ?? this.username },
        { type: 'REALM', value: this.realm ?? REALM },
        { type: 'NONCE', value: this.nonce ?? 'none' },
      ];
      all.push(...credentials.filter((a) => !(options.omit ?? []).includes(a.type as 'USERNAME')), { type: 'MESSAGE-INTEGRITY' });
    }
    all.push({ type: 'FINGERPRINT' });
    this.sendBytes(encodeStunMessage({ method, class: 'request', transactionId, attributes: all }, sign ? { key: options.key ?? this.key } : {}));
    return transactionId;
  }

  /** Sends a request and runs the world until its response arrives; remembers REALM and NONCE from 401/438. */
  request(method: number, attributes: readonly StunAttribute[], options: RequestOptions = {}): DecodedStunMessage {
    const transactionId = this.sendRequest(method, attributes, options);
    const response = this.awaitResponse(transactionId);
    const code = findAttribute(response, 'ERROR-CODE')?.value.code;
    if (code === 401 || code === 438) {
      this.realm = findAttribute(response, 'REALM')?.value ?? this.realm;
      this.nonce = findAttribute(response, 'NONCE')?.value ?? this.nonce;
    }
    return response;
  }

  /** The 401 dance then the authenticated Allocate (UDP relaying unless `attributes` say otherwise). */
  allocate(attributes: readonly StunAttribute[] = [{ type: 'REQUESTED-TRANSPORT', value: TRANSPORT_UDP }]): DecodedStunMessage {
    if (this.nonce === undefined) this.request(StunMethod.Allocate, attributes, { sign: false });
    return this.request(StunMethod.Allocate, attributes);
  }

  createPermission(...peers: string[]): DecodedStunMessage {
    return this.request(StunMethod.CreatePermission, peers.map((ip) => ({ type: 'XOR-PEER-ADDRESS' as const, value: xor(ip, 0) })));
  }

  channelBind(channel: number, peer: TransportAddress): DecodedStunMessage {
    return this.request(StunMethod.ChannelBind, [
      { type: 'CHANNEL-NUMBER', value: channel },
      { type: 'XOR-PEER-ADDRESS', value: xor(peer.address, peer.port) },
    ]);
  }

  refresh(lifetime?: number): DecodedStunMessage {
    return this.request(StunMethod.Refresh, lifetime === undefined ? [] : [{ type: 'LIFETIME', value: lifetime }]);
  }

  /** A Send indication (unauthenticated, RFC 8656 §11.2). */
  sendIndication(peer: TransportAddress, data: Uint8Array): void {
    this.sendBytes(
      encodeStunMessage({
        method: StunMethod.Send,
        class: 'indication',
        transactionId: this.nextTransactionId(),
        attributes: [
          { type: 'XOR-PEER-ADDRESS', value: xor(peer.address, peer.port) },
          { type: 'DATA', value: data },
        ],
      }),
    );
  }

  /** ChannelData, padded over TCP; numbers past 0x4FFF (RFC 5766's range) are framed by hand, as src/wire refuses them. */
  sendChannelData(channel: number, data: Uint8Array): void {
    const frame = encodeChannelData({ channelNumber: channel <= 0x4fff ? channel : 0x4000, data }, { pad: this.transport === 'tcp' });
    frame[0] = channel >>> 8;
    frame[1] = channel & 0xff;
    this.sendBytes(frame);
  }

  /** Runs the world until `done()` or until `withinMs` of virtual time passed, whichever first. */
  runUntil(done: () => boolean, withinMs = 5_000): void {
    const deadline = this.world.clock.now() + withinMs;
    while (!done()) {
      const next = this.world.clock.peek();
      if (next === undefined || next > deadline) break;
      this.world.clock.step();
    }
  }

  awaitResponse(transactionId: Uint8Array): DecodedStunMessage {
    const matches = (a: Arrival) => a.kind === 'stun' && a.message.class !== 'indication' && sameBytes(a.message.transactionId, transactionId);
    this.runUntil(() => this.arrivals.some(matches));
    const found = this.arrivals.find(matches);
    if (found === undefined || found.kind !== 'stun') throw new Error(`no response to transaction ${Buffer.from(transactionId).toString('hex')} by t=${this.world.clock.now()}`);
    return found.message;
  }

  /** Data indications and ChannelData frames received, as { peer or channel, text }. */
  get data(): { t: number; via: string; data: Uint8Array }[] {
    return this.arrivals.flatMap((a) => {
      if (a.kind === 'channel-data') return [{ t: a.t, via: `channel 0x${a.channel.toString(16)}`, data: a.data }];
      if (a.kind === 'stun' && a.message.method === StunMethod.Data && a.message.class === 'indication') {
        const peer = findAttribute(a.message, 'XOR-PEER-ADDRESS')?.value;
        return [{ t: a.t, via: `${peer?.address}:${peer?.port}`, data: findAttribute(a.message, 'DATA')?.value ?? new Uint8Array() }];
      }
      return [];
    });
  }

  close(): void {
    this.socket?.close();
    this.stream?.end();
  }

  private arrive(bytes: Uint8Array): void {
    const t = this.world.clock.now();
    if (bytes.length >= 4 && bytes[0]! >= 0x40 && bytes[0]! <= 0x7f) {
      // Decoded with a number src/wire accepts, then given back its own (RFC 5766 allowed up to 0x7FFF).
      const channel = (bytes[0]! << 8) | bytes[1]!;
      const frame = decodeChannelData(Uint8Array.of(0x40, bytes[1]!, ...bytes.subarray(2)), { stream: this.transport === 'tcp' });
      this.arrivals.push(frame.ok ? { t, kind: 'channel-data', channel, data: frame.frame.data.slice() } : { t, kind: 'garbage', bytes });
      return;
    }
    const decoded = decodeStunMessage(bytes);
    this.arrivals.push(decoded.ok ? { t, kind: 'stun', message: decoded.message } : { t, kind: 'garbage', bytes });
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function errorCode(message: DecodedStunMessage): number | undefined {
  return findAttribute(message, 'ERROR-CODE')?.value.code;
}

export function relayedAddress(message: DecodedStunMessage): TransportAddress {
  const value = findAttribute(message, 'XOR-RELAYED-ADDRESS')?.value;
  if (value === undefined) throw new Error(`no XOR-RELAYED-ADDRESS in ${message.class}`);
  return { address: value.address, port: value.port };
}
