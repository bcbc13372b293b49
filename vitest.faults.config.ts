import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault-injection suite, on its own (minutes, not seconds). */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
