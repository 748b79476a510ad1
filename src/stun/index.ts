/**
 * Layer 2, STUN: the client transaction and the Binding server as XState
 * machines over the transports of src/sim/transport.ts, which the simulator
 * and real sockets both provide, plus the real-socket transports themselves.
 *
 * The node-only parts (NodeUdpTransport, NodeTcpTransport, NodeTcpListener)
 * import node:dgram / node:net; everything else runs anywhere.
 */
export { realClock, type Clock } from '../io/clock.js';
export { cryptoRandom, type RandomSource } from '../io/random.js';
export { type StunOutcomeKind, type StunTrace, type StunTransportKind } from './trace.js';
export { formatAddress } from '../io/address.js';
export { DEFAULT_STUN_TIMING, StunTimingError, resolveTiming, transmissionSchedule, type StunTiming, type TransmissionSchedule } from './rto.js';
export { datagramFlow, streamFlow, type StunFlow } from './flow.js';
export { judgeResponse, type ResponseVerdict } from './response-check.js';
export {
  stunTransactionMachine,
  type StunRequest,
  type StunTransactionActor,
  type StunTransactionInput,
  type StunTransactionOutcome,
} from './transaction.js';
export { bindingRequest, mappedAddress, runStunTransaction, startStunTransaction, type BindingRequestOptions, type StunRunOptions } from './client.js';
export {
  DEFAULT_STUN_SOFTWARE,
  answerBinding,
  startBindingServer,
  stunBindingServerMachine,
  type BindingServerEvent,
  type BindingServerStartOptions,
  type BindingDecision,
  type BindingServerInput,
  type BindingServerOptions,
  type StunBindingServerActor,
} from './binding-server.js';
export { TransportError, type TransportErrorCode } from '../io/errors.js';
export { NodeUdpTransport, bindUdp, type UdpBindOptions } from '../io/node/udp.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  NodeTcpListener,
  NodeTcpTransport,
  connectTcp,
  listenTcp,
  type TcpConnectOptions,
  type TcpListenOptions,
} from '../io/node/tcp.js';
