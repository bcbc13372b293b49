/**
 * DynamoDB Local's launcher class is found from the sources and from a bundle in a folder of its
 * own (`npm run bench` runs `.bench/run.mjs`), and a missing launcher is a clear error.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLauncherDir } from '../../lambdas/adapters/local/dynamodb-local.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LAUNCHER = join(ROOT, 'lambdas', 'adapters', 'local', 'java');

describe('findLauncherDir', () => {
  it('finds the launcher beside the module (sources run through tsx)', () => {
    expect(findLauncherDir(join(ROOT, 'lambdas', 'adapters', 'local'))).toBe(LAUNCHER);
  });

  it('finds it under the package root from a bundle folder (.bench, dist/…)', () => {
    expect(findLauncherDir(join(ROOT, '.bench'))).toBe(LAUNCHER);
    expect(findLauncherDir(join(ROOT, 'dist', 'nested', 'deeper'))).toBe(LAUNCHER);
  });

  it('names where it looked when the launcher is nowhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bm-launcher-'));
    mkdirSync(join(dir, 'bundle'));
    expect(() => findLauncherDir(join(dir, 'bundle'))).toThrow(/LoopbackDynamoDbLocal\.class was found neither in .*bundle/);
  });
});
