/**
 * The layers of ../shared/ARCHITECTURE.md as rules that fail `npm test`
 * (test/layers.test.ts runs dependency-cruiser with this file).
 *
 * Each folder of src/ is a layer; a layer imports only from layers below it,
 * and from the folders its row names at its own level. The simulator, the
 * codecs and the IO contract know no XState. The layers above the simulator
 * take only its types (the world itself is handed to them). Node's sockets
 * are reachable only from the `rtc-machines/node` entry and the command.
 */
/** folder → [level, folders of the same level it may import] */
const LAYERS = {
  io: [0, []],
  sim: [1, []],
  wire: [1, []],
  stun: [2, []],
  turn: [2, ['stun']], // TURN's requests are STUN transactions (RFC 8656 §3)
  ice: [3, []],
  jsep: [4, []],
  session: [5, []],
  signaling: [6, []],
  browser: [6, []],
  lab: [7, []],
  inspect: [7, []],
  cli: [8, []],
};

const folder = (name) => `^src/${name}/`;
const upward = Object.entries(LAYERS).map(([name, [level, peers]]) => {
  const forbidden = Object.entries(LAYERS)
    .filter(([other, [otherLevel]]) => other !== name && (otherLevel > level || (otherLevel === level && !peers.includes(other))))
    .map(([other]) => other);
  return {
    name: `layer-${name}`,
    comment: `src/${name}/ (layer ${level}) imports only from layers below it (ARCHITECTURE.md, "Layers"), not from ${forbidden.join(', ')}.`,
    severity: 'error',
    from: { path: folder(name) },
    to: { path: `^src/(${forbidden.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-xstate-below-stun',
      comment: 'io/, sim/ and wire/ know no XState (ARCHITECTURE.md, "Layers").',
      severity: 'error',
      from: { path: '^src/(io|sim|wire)/' },
      to: { path: 'node_modules/xstate' },
    },
    {
      name: 'sim-types-only-above',
      comment: 'Above the simulator, machines take only its types; the world is handed in, so they run unchanged on real sockets (principle 7).',
      severity: 'error',
      from: { path: '^src/(stun|turn|ice|jsep|session|signaling|browser)/' },
      to: { path: '^src/sim/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'node-sockets-only-from-node-entry',
      comment: 'The real sockets (src/io/node/) are reachable only from rtc-machines/node and the command, never from the main entry or the subpaths a browser may load.',
      severity: 'error',
      from: { path: '^src/(index|sim/index|wire/index|lab/index)\\.ts$' },
      to: { path: '^src/io/node/', reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'Files that import each other cannot be read top-down; one of them holds what both need.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|fuzz)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
