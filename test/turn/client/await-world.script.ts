/**
 * A new user's first program (test/turn/client/await-world.test.ts spawns
 * it): a world, a TURN server and a client, and the allocation awaited
 * before anyone runs the world. Before the held clock (src/sim/clock.ts) Node
 * exited here with code 13 and no word.
 *
 *     node --import tsx test/turn/client/await-world.script.ts await|step|binding
 *
 * - await: `await whenAllocated(client)` first thing;
 * - step: the script steps the world itself until the allocation, then awaits;
 * - binding: `await runStunTransaction(...)` against a Binding server.
 *
 * Prints one JSON line: what it got, the virtual time, and a digest of the trace.
 */
import { createHash } from 'node:crypto';
import { formatAddress } from '../../../src/io/address.js';
import { createWorld } from '../../../src/sim/index.js';
import { startBindingServer } from '../../../src/stun/binding-server.js';
import { bindingRequest, mappedAddress, runStunTransaction } from '../../../src/stun/client.js';
import { datagramFlow } from '../../../src/stun/flow.js';
import { startSimTurnClient } from '../../../src/turn/client/sim.js';
import { whenAllocated } from '../../../src/turn/client/run.js';
import { startSimTurnServer } from '../../../src/turn/server/sim.js';

const mode = process.argv[2];
const world = createWorld({ hosts: [{ id: 'turn', address: '198.51.100.1' }, { id: 'stun', address: '198.51.100.2' }, { id: 'alice', profile: 'symmetric' }] }, { seed: 7 });
const digest = () => createHash('sha256').update(JSON.stringify(world.trace.records)).digest('hex').slice(0, 16);

if (mode === 'binding') {
  startBindingServer({ socket: world.host('stun').bindUdp({ port: 3478 }), trace: world.trace, agent: 'stun' });
  const socket = world.host('alice').bindUdp();
  const outcome = await runStunTransaction({ flow: datagramFlow(socket, { address: '198.51.100.2', port: 3478 }), request: bindingRequest(), random: world.random.fork('alice'), trace: world.trace, agent: 'alice' }, { clock: world.clock });
  const mapped = outcome.kind === 'success' ? mappedAddress(outcome.response) : undefined;
  console.log(JSON.stringify({ outcome: outcome.kind, mapped: mapped && formatAddress(mapped), now: world.clock.now(), trace: digest() }));
} else {
  const server = startSimTurnServer(world, 'turn', { config: { realm: 'example.org', users: { alice: 'secret' } } });
  const alice = startSimTurnClient(world, 'alice', { server: server.address, credentials: { username: 'alice', password: 'secret' } });
  const allocated = whenAllocated(alice.actor);
  if (mode === 'step') while (alice.actor.getSnapshot().context.allocation === undefined && world.clock.step());
  const result = await allocated;
  console.log(JSON.stringify({ relayed: result.ok ? formatAddress(result.allocation.relayed) : result.end, now: world.clock.now(), trace: digest() }));
}
