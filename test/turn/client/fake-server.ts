/**
 * A scripted TURN server for the client's tests: it answers each request
 * with the next behaviour scripted for its method (success once the script
 * runs out), with hand-built responses, so that a test can make any server
 * do what RFC 8656 allows (or not) at exactly the moment it wants.
 *
 * It lives on a simulated host (virtual time, real bytes), answers a
 * retransmission as it answered the first transmission, signs its answers to
 * signed requests with the long-term key (RFC 8489 §9.2.4), and remembers
 * every request it saw.
 */
import { createWorld, type SimUdpSocket, type World } from '../../../src/sim/index.js';
import { type TransportAddress } from '../../../src/io/index.js';
import { datagramFlow } from '../../../src/stun/flow.js';
import { type TurnClientInput } from '../../../src/turn/client/types.js';
import { startTurnClient } from '../../../src/turn/client/run.js';
import {
  StunMethod,
  bytesToHex,
  createErrorResponse,
  createSuccessResponse,
  decodeStunMessage,
  encodeStunMessage,
  findAttribute,
  findAttributes,
  longTermKey,
  methodName,
  type DecodedStunMessage,
  type StunAttribute,
  type StunMessage,
} from '../../../src/wire/index.js';
import { collect } from './support.js';

export type Behaviour =
  | { readonly kind: 'success' }
  /** 401 with REALM and a new NONCE. */
  | { readonly kind: 'challenge' }
  /** 401 without REALM and NONCE. */
  | { readonly kind: 'bare-401' }
  /** 438 with REALM and a new NONCE. */
  | { readonly kind: 'stale' }
  /** Another error response, signed when the request was. */
  | { readonly kind: 'error'; readonly code: number }
  | { readonly kind: 'silence' };

export type ScriptedMethod = 'Allocate' | 'Refresh' | 'CreatePermission' | 'ChannelBind';

export interface FakeServerOptions {
  /** LIFETIME of Allocate and Refresh successes (a Refresh asking for 0 gets 0). Default 600. */
  readonly lifetime?: number;
  /** LIFETIME of Refresh successes instead, whatever was asked. */
  readonly refreshLifetime?: number;
  readonly script?: Partial<Record<ScriptedMethod, Behaviour[]>>;
  /** Leave these attributes out of Allocate successes. */
  readonly omit?: readonly ('XOR-RELAYED-ADDRESS' | 'XOR-MAPPED-ADDRESS' | 'LIFETIME')[];
}

export interface SeenRequest {
  readonly t: number;
  readonly method: string;
  readonly transaction: string;
  readonly signed: boolean;
  readonly nonce?: string;
  readonly lifetime?: number;
  readonly peers: readonly string[];
  readonly channel?: number;
  readonly behaviour: Behaviour['kind'];
}

export const FAKE_SERVER = { address: '198.51.100.9', port: 3478 } as const;
export const FAKE_RELAYED = { address: '198.51.100.9', port: 49152 } as const;
export const FAKE_REALM = 'fake.example';
export const USER = { username: 'alice', password: 'secret' } as const;

export class FakeTurnServer {
  readonly socket: SimUdpSocket;
  readonly seen: SeenRequest[] = [];
  /** Where the client's datagrams come from (its 5-tuple's client end). */
  client: TransportAddress | undefined;
  private readonly decided = new Map<string, Behaviour>();
  private nonces = 0;

  constructor(
    readonly world: World,
    private readonly options: FakeServerOptions = {},
  ) {
    this.socket = world.host('fake').bindUdp({ port: FAKE_SERVER.port });
    this.socket.onMessage((data, from) => {
      const decoded = decodeStunMessage(data);
      if (decoded.ok && decoded.message.class === 'request') this.answer(decoded.message, from);
    });
  }

  /** Sends raw bytes to the client, as if from the server (or from `from`, another socket on the host). */
  sendToClient(bytes: Uint8Array): void {
    if (this.client !== undefined) this.socket.send(bytes, this.client);
  }

  private answer(request: DecodedStunMessage, from: TransportAddress): void {
    this.client = from;
    const transaction = bytesToHex(request.transactionId);
    const method = methodName(request.method) ?? 'unknown';
    let behaviour = this.decided.get(transaction);
    if (behaviour === undefined) {
      behaviour = this.options.script?.[method as ScriptedMethod]?.shift() ?? { kind: 'success' };
      this.decided.set(transaction, behaviour);
      const lifetime = findAttribute(request, 'LIFETIME')?.value;
      const channel = findAttribute(request, 'CHANNEL-NUMBER')?.value;
      const nonce = findAttribute(request, 'NONCE')?.value;
      this.seen.push({
        t: this.world.clock.now(),
        method,
        transaction,
        signed: request.integrityOffset !== undefined,
        ...(nonce !== undefined ? { nonce } : {}),
        ...(lifetime !== undefined ? { lifetime } : {}),
        peers: findAttributes(request, 'XOR-PEER-ADDRESS').map((a) => `${a.value.address}:${a.value.port}`),
        ...(channel !== undefined ? { channel } : {}),
        behaviour: behaviour.kind,
      });
    }
    const response = this.response(request, behaviour, from);
    if (response === undefined) return;
    const signed = request.integrityOffset !== undefined && behaviour.kind !== 'challenge' && behaviour.kind !== 'bare-401' && behaviour.kind !== 'stale';
    const username = findAttribute(request, 'USERNAME')?.value ?? '';
    const realm = findAttribute(request, 'REALM')?.value ?? '';
    const attributes: StunAttribute[] = [...response.attributes, ...(signed ? [{ type: 'MESSAGE-INTEGRITY' } as const] : []), { type: 'FINGERPRINT' }];
    this.socket.send(encodeStunMessage({ ...response, attributes }, signed ? { key: longTermKey(username, realm, USER.password) } : {}), from);
  }

  private response(request: DecodedStunMessage, behaviour: Behaviour, from: TransportAddress): StunMessage | undefined {
    const fresh = (): StunAttribute[] => [
      { type: 'REALM', value: FAKE_REALM },
      { type: 'NONCE', value: `nonce-${++this.nonces}` },
    ];
    switch (behaviour.kind) {
      case 'silence':
        return undefined;
      case 'challenge':
        return createErrorResponse(request, 401, { attributes: fresh() });
      case 'bare-401':
        return createErrorResponse(request, 401);
      case 'stale':
        return createErrorResponse(request, 438, { attributes: fresh() });
      case 'error':
        return createErrorResponse(request, behaviour.code);
      case 'success':
        return createSuccessResponse(request, this.successAttributes(request, from));
    }
  }

  private successAttributes(request: DecodedStunMessage, from: TransportAddress): StunAttribute[] {
    const lifetime = this.options.lifetime ?? 600;
    const omit = new Set(this.options.omit ?? []);
    if (request.method === StunMethod.Allocate) {
      const attributes: StunAttribute[] = [];
      if (!omit.has('XOR-RELAYED-ADDRESS')) attributes.push({ type: 'XOR-RELAYED-ADDRESS', value: { ...FAKE_RELAYED } });
      if (!omit.has('XOR-MAPPED-ADDRESS')) attributes.push({ type: 'XOR-MAPPED-ADDRESS', value: { address: from.address, port: from.port } });
      if (!omit.has('LIFETIME')) attributes.push({ type: 'LIFETIME', value: lifetime });
      return attributes;
    }
    if (request.method === StunMethod.Refresh) {
      const asked = findAttribute(request, 'LIFETIME')?.value;
      return omit.has('LIFETIME') ? [] : [{ type: 'LIFETIME', value: this.options.refreshLifetime ?? (asked === 0 ? 0 : lifetime) }];
    }
    return [];
  }
}

/** A world with the scripted server and alice (public address, 10 ms a link), and alice's client started. */
export function fakeScene(options: FakeServerOptions = {}, input: Partial<TurnClientInput> = {}, seed = 1) {
  const world = createWorld({ hosts: [{ id: 'fake', address: FAKE_SERVER.address }, { id: 'alice', address: '203.0.113.10' }] }, { seed });
  const server = new FakeTurnServer(world, options);
  const socket = world.host('alice').bindUdp();
  const actor = startTurnClient(
    { flow: datagramFlow(socket, FAKE_SERVER), credentials: USER, random: world.random.fork('alice:turn'), trace: world.trace, agent: 'alice', keepaliveIntervalMs: 0, ...input },
    { clock: world.clock },
  );
  const told = collect(actor);
  return { world, server, socket, actor, told };
}
