/**
 * A vitest reporter that writes, per test file, its whole time in its worker: preparing the
 * runner, importing the file (and running its suite callbacks), its setup files, and every test
 * and hook — `beforeAll` included, which vitest's JSON report leaves out of a file's span (it
 * starts a file at its first test). CI passes it (`.ci/run`) and `npm run test:slowest` reads it.
 *
 *   vitest run --reporter=default --reporter=./test/support/file-times-reporter.ts
 *
 * Written to `.vitest/file-times.json` (or `$BM_FILE_TIMES`): `[{ file, ms }]`, absolute paths.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface FileTime {
  readonly file: string;
  readonly ms: number;
}

/** A file's whole time in its worker, from vitest's diagnostic of the module. */
export function fileTime(module: Pick<TestModule, 'moduleId' | 'diagnostic'>): FileTime {
  const d = module.diagnostic();
  return { file: module.moduleId, ms: d.environmentSetupDuration + d.prepareDuration + d.setupDuration + d.collectDuration + d.duration };
}

export default class FileTimesReporter implements Reporter {
  private readonly rows: FileTime[] = [];

  onTestModuleEnd(module: TestModule): void {
    this.rows.push(fileTime(module));
  }

  onTestRunEnd(): void {
    const out = resolve(process.env.BM_FILE_TIMES ?? '.vitest/file-times.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(this.rows));
  }
}
