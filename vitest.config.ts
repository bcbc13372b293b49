import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/sequencer.ts';

/**
 * The CDK app's tests (test/infra): each file synthesizes the app, and importing aws-cdk-lib and
 * synthesizing take seconds of CPU. They run without isolation between files, one test process
 * reused from file to file, so the example configuration is synthesized once per process
 * (test/infra/support.ts `templates()`), not once per file. They only read what they synthesize
 * (a test that changes the app synthesizes its own). bundles and cdk-cli build and synthesize in
 * child processes and stay isolated.
 */
const SHARED_SYNTH = 'test/infra/!(bundles|cdk-cli).test.ts';

/**
 * The unit and contract tests also run without isolation between files: a fresh test process per
 * file cost each of some 70 files a Node start and its own import of the AWS SDK, pdf-lib, zod and
 * the product (half of `npm run test:quick`'s CPU on a 2-core machine). They share no state: each
 * has its own tables, ports and folders, restores what it stubs (`unstubEnvs`, `restoreMocks`
 * below), and reads the product's modules without changing them. Those that do more stay isolated:
 */
const NEEDS_ISOLATION = [
  // Resets the module registry and loads Powertools in Lambda mode (a process-wide X-Ray hook).
  'test/unit/powertools.test.ts',
  // Inflates decompression bombs and watches the process's memory: a process of its own.
  'test/unit/readers/pdf-bomb.test.ts',
];
const SHARED_UNITS = globSync('test/{unit,contract}/**/*.test.ts').map((f) => f.split('\\').join('/')).filter((f) => !NEEDS_ISOLATION.includes(f));

export default defineConfig({
  test: {
    // The fault-injection suite runs on its own: npm run test:faults.
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Hang guards, not speed targets (those are in `npm run bench`): generous, so a busy 2-core
    // machine does not fail a test; a long operation sets its own explicit timeout on top.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default leaves one core to its own main process (cores − 1): on a 2-core machine
    // (CI) that is one test file at a time, while most files spend their time waiting on
    // DynamoDB Local, an SMTP or HTTP server, Chromium or a child process, and the main process
    // idles. Two files at a time at least; every file has its own tables, ports and folders.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The slowest files first (test/support/sequencer.ts): no long file starts last.
    sequence: { sequencer: SlowestFirst },
    projects: [
      { extends: true, test: { name: 'cdk', include: [SHARED_SYNTH], isolate: false } },
      { extends: true, test: { name: 'unit', include: SHARED_UNITS, isolate: false, unstubEnvs: true, unstubGlobals: true, restoreMocks: true } },
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [SHARED_SYNTH, ...SHARED_UNITS] } },
    ],
  },
});
