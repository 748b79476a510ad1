/**
 * rtc-machines/node: the real world's sockets, for Node. The same STUN, TURN
 * and ICE machines as in the simulator, given `node:dgram` and `node:net`
 * transports instead of simulated ones (ARCHITECTURE.md, principle 7).
 *
 * The only entry whose types need Node's (`@types/node`); import it only
 * where sockets exist.
 */
export { bindUdp, NodeUdpTransport, type UdpBindOptions } from './io/node/udp.js';
export { connectTcp, DEFAULT_CONNECT_TIMEOUT_MS, listenTcp, NodeTcpListener, NodeTcpTransport, type TcpConnectOptions, type TcpListenOptions } from './io/node/tcp.js';
export { nodeIceEnvironment, type NodeIceEnvironmentOptions } from './ice/environment-node.js';
export { nodeRelayBinder, startNodeTurnServer, type NodeTurnServer, type NodeTurnServerOptions } from './turn/server/node.js';
export { startNodeTurnClient, type NodeTurnClient, type NodeTurnClientOptions } from './turn/client/node.js';
export { writePcapFile } from './inspect/pcap-file.js';
