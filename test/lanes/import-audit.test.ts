/**
 * `bm import` audits as the drop lane does: each changed field of a vendor, PO or the policy
 * (an IBAN, a cap, the blocklist flag, an approver, a policy value) is one audit row, old → new,
 * naming who imported it; the import has a history row with its importer.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { DynamoLaneState } from '../../lambdas/lanes/dynamo-state.ts';
import { importWithAudit, type ImportHistory, type MasterAuditRow } from '../../lambdas/lanes/master-drop.ts';
import { LANE_KEYS } from '../../lambdas/lanes/state.ts';
import { master, POLICY_JSON, VENDORS_CSV } from '../support/builders.ts';

describe('bm import writes audit rows naming the importer', () => {
  it('records every changed field old → new with who imported it, and the import in the history', async () => {
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    const state = new DynamoLaneState({ tableName: store.tableName, client });
    let t = Date.parse('2026-03-01T09:00:00.000Z');
    const now = () => t;
    const first = await importWithAudit(master(), { store, state, now }, { by: 'ann@localhost', source: 'bm import /data/master' });
    expect(first.every((c) => c.created)).toBe(true);

    t += 3_600_000;
    const vendors = VENDORS_CSV.replace('DE89370400440532013000,billing@acme.example,EUR,10000,0,false,buyer@example.com', 'DE02120300000000202051,billing@acme.example,EUR,25000,0,true,cfo@example.com');
    const policy = JSON.stringify({ ...JSON.parse(POLICY_JSON), auto_approve_max: '750' });
    const changes = await importWithAudit(master({ 'vendors.csv': vendors, 'policy.json': policy }), { store, state, now }, { by: 'bob@localhost', source: 'bm import /data/master-2' });
    expect(changes.map((c) => `${c.kind}:${c.id}`).sort()).toEqual(['policy:policy', 'vendor:V001']);

    const rows = (await state.list<MasterAuditRow>(LANE_KEYS.masterAudit('vendor', 'V001'), 'AUDIT#')).map((r) => r.value);
    expect(rows.map((r) => [r.action, r.by])).toEqual([
      ['created', 'ann@localhost'],
      ['changed', 'bob@localhost'],
    ]);
    expect(rows[1]!.changes).toEqual([
      { field: 'approver', old: 'buyer@example.com', new: 'cfo@example.com' },
      { field: 'authorization_cap', old: '10000', new: '25000' },
      { field: 'blocked', old: 'false', new: 'true' },
      { field: 'iban', old: 'DE89370400440532013000', new: 'DE02120300000000202051' },
    ]);
    const policyRows = (await state.list<MasterAuditRow>(LANE_KEYS.masterAudit('policy', 'policy'), 'AUDIT#')).map((r) => r.value);
    expect(policyRows.at(-1)).toMatchObject({ by: 'bob@localhost', action: 'changed', changes: [{ field: 'auto_approve_max', old: '500', new: '750' }] });

    const history = (await state.list<ImportHistory>(LANE_KEYS.imports)).map((h) => h.value);
    expect(history.map((h) => [h.by, h.status, h.changes])).toEqual([
      ['ann@localhost', 'imported', { created: 5, changed: 0 }],
      ['bob@localhost', 'imported', { created: 0, changed: 2 }],
    ]);
    // The import itself happened: the store reads the new values.
    expect((await store.vendor('V001'))?.iban).toBe('DE02120300000000202051');
    client.destroy();
  });
});
