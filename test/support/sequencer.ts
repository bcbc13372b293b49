/**
 * The order test files start in: the slowest first, so that no long file starts last and runs
 * alone at the end of the run. vitest's own order needs its cache of the last run's durations,
 * which a clean clone (CI) has not: without it, larger files first, which puts an 80-line file
 * that seeds 10,000 bills near the end. The files below are the slowest of CI's report
 * (`npm run test:slowest`, run by `.ci/run`), slowest first; keep them in step with it. The rest
 * keep vitest's order (the CDK tests, which share a test process, next to each other).
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOWEST_FIRST = [
  'test/e2e/workspace.test.ts',
  'test/contract/worklist-store.test.ts',
  'test/workflow/by-reference.test.ts',
  'test/workflow/scenario.test.ts',
  'test/workflow/supervision.test.ts',
  'test/infra/bundles.test.ts',
  'test/e2e/workspace-signin.test.ts',
  'test/unit/extraction/pdf-text-honesty.test.ts',
  'test/infra/cdk-cli.test.ts',
  'test/workflow/local-stack.test.ts',
  'test/e2e/web.test.ts',
  'test/unit/readers/pdf-bomb.test.ts',
  'test/unit/extraction/pdf-text.test.ts',
  'test/contract/decisions.test.ts',
  'test/e2e/review.test.ts',
  'test/e2e/people.test.ts',
  'test/e2e/approvals.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOWEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
