/**
 * One DynamoDB Local for the whole test run; each test creates its own table in it
 * (see `test/support/db.ts`), so test files never see each other's data. vitest runs a project's
 * global setup once per project (vitest.config.ts has two): they share the one engine, started by
 * the first and stopped with the last.
 */
import type { TestProject } from 'vitest/node';
import { C1_ONLY, JAVA_OPTIONS, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/adapters/local/dynamodb-local.ts';

/**
 * The JVM's options for the run's engine: the local stack's defaults (`JAVA_OPTIONS`) without the
 * C1-only flags (`C1_ONLY`). The local stack starts its engine on a laptop's spare core and serves one user;
 * the test run's engine serves every file for minutes, where the optimizing compiler (C2) pays
 * for itself: about 40 % less CPU per request once warm (10,000 bills seeded: 10–11 s of Java CPU
 * instead of 17–20 s), for about 1 s more at start.
 */
const TEST_JAVA_OPTIONS = JAVA_OPTIONS.replace(C1_ONLY, '').trim();

const SHARED = Symbol.for('bill-matcher.test.dynamodb-local');
type Shared = { engine: Promise<DynamoDbLocal>; users: number };
const registry = globalThis as unknown as Record<typeof SHARED, Shared | undefined>;

export async function setup(project: TestProject): Promise<void> {
  const shared = (registry[SHARED] ??= { engine: startDynamoDbLocal({ javaOptions: TEST_JAVA_OPTIONS }), users: 0 });
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
