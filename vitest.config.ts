import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault-injection suite runs on its own: npm run test:faults.
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Hang guards, not speed targets (those are in `npm run bench`): generous, so a busy 2-core
    // machine does not fail a test; a long operation sets its own explicit timeout on top.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
