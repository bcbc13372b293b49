/** A fresh bills table per test in the run's shared DynamoDB Local. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import type { DynamoBillStore, CapacityMeter } from '../../lambdas/adapters/aws/dynamo-store.ts';

export async function freshStore(capacity?: CapacityMeter): Promise<DynamoBillStore> {
  const { store } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`, capacity);
  return store;
}
