/** The lanes' state port: the memory fake and the DynamoDB adapter (on DynamoDB Local) behave alike. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import { LaneConflictError, MemoryLaneState, type LaneState } from '../../lambdas/lanes/state.ts';

const impls: { case: string; make: () => Promise<LaneState> }[] = [
  { case: 'memory', make: async () => new MemoryLaneState() },
  {
    case: 'DynamoDB',
    make: async () => {
      const tableName = `t-${randomUUID()}`;
      const { client } = await openLocalStore(inject('dynamoEndpoint'), tableName);
      return new DynamoLaneState({ tableName, client });
    },
  },
];

describe.each(impls)('LaneState ($case)', ({ make }) => {
  it('writes conditionally on the version: a lost race is a LaneConflictError', async () => {
    const s = await make();
    await expect(s.get('LANE#PORTAL#a', 'CURSOR')).resolves.toBeNull();
    await s.put('LANE#PORTAL#a', 'CURSOR', { cursor: '1' }, 0);
    await expect(s.put('LANE#PORTAL#a', 'CURSOR', { cursor: 'x' }, 0)).rejects.toBeInstanceOf(LaneConflictError);
    await s.put('LANE#PORTAL#a', 'CURSOR', { cursor: '2' }, 1);
    await expect(s.put('LANE#PORTAL#a', 'CURSOR', { cursor: 'y' }, 1)).rejects.toBeInstanceOf(LaneConflictError);
    await expect(s.get('LANE#PORTAL#a', 'CURSOR')).resolves.toEqual({ value: { cursor: '2' }, version: 2 });
  });

  it('records unconditionally and lists a partition by sort-key prefix, in order', async () => {
    const s = await make();
    await s.record('LANE#IMPORTS', '2026-03-02T10:00:00.000Z#b', { n: 2 });
    await s.record('LANE#IMPORTS', '2026-03-01T10:00:00.000Z#a', { n: 1 });
    await s.record('LANE#IMPORTS', '2026-03-01T10:00:00.000Z#a', { n: 1.5 });
    await s.record('LANE#OTHER', 'x', { n: 9 });
    await expect(s.get('LANE#IMPORTS', '2026-03-01T10:00:00.000Z#a')).resolves.toEqual({ value: { n: 1.5 }, version: 1 });
    expect(await s.list('LANE#IMPORTS')).toEqual([
      { sk: '2026-03-01T10:00:00.000Z#a', value: { n: 1.5 } },
      { sk: '2026-03-02T10:00:00.000Z#b', value: { n: 2 } },
    ]);
    expect((await s.list('LANE#IMPORTS', '2026-03-02')).map((i) => i.sk)).toEqual(['2026-03-02T10:00:00.000Z#b']);
  });
});
