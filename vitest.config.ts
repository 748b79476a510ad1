import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Properties print their seed on failure (fast-check does this itself);
    // FC_SEED=<n> npm test replays one.
    testTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/plain-summary.ts'],
  },
});
