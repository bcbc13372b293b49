/**
 * One DynamoDB Local for the whole test run; each test creates its own table in it
 * (see `test/support/db.ts`), so test files never see each other's data. vitest runs a project's
 * global setup once per project (vitest.config.ts has two): they share the one engine, started by
 * the first and stopped with the last.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/adapters/local/dynamodb-local.ts';

const SHARED = Symbol.for('bill-matcher.test.dynamodb-local');
type Shared = { engine: Promise<DynamoDbLocal>; users: number };
const registry = globalThis as unknown as Record<typeof SHARED, Shared | undefined>;

export async function setup(project: TestProject): Promise<void> {
  const shared = (registry[SHARED] ??= { engine: startDynamoDbLocal(), users: 0 });
  shared.users++;
  project.provide('dynamoEndpoint', (await shared.engine).endpoint);
}

export async function teardown(): Promise<void> {
  const shared = registry[SHARED];
  if (!shared || --shared.users > 0) return;
  registry[SHARED] = undefined;
  await (await shared.engine.catch(() => null))?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
