/**
 * `bm import DIR --stack NAME` and `bm audit BILL_ID --stack NAME`: the stack's TableName output
 * found through CloudFormation (answered here as DescribeStacks would), that table used (DynamoDB
 * Local).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DescribeStacksCommand, DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { describe, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../lambdas/adapters/local/local-stack.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { auditInStack, importIntoStack } from '../../lambdas/cli/cloud.ts';
import { bill, GRN_CSV, master, POLICY_JSON, POS_CSV, VENDORS_CSV } from '../support/builders.ts';

function masterDir(vendors = VENDORS_CSV): string {
  const dir = mkdtempSync(join(tmpdir(), 'bm-master-'));
  writeFileSync(join(dir, 'vendors.csv'), vendors);
  writeFileSync(join(dir, 'purchase_orders.csv'), POS_CSV);
  writeFileSync(join(dir, 'goods_receipts.csv'), GRN_CSV);
  writeFileSync(join(dir, 'policy.json'), POLICY_JSON);
  return dir;
}

/** CloudFormation as DescribeStacks answers: the stacks by name, with their outputs. */
function cloudFormation(stacks: Record<string, Record<string, string>>) {
  const asked: string[] = [];
  return {
    asked,
    async send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput> {
      const name = command.input.StackName!;
      asked.push(name);
      const outputs = stacks[name];
      if (!outputs) throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
      return { $metadata: {}, Stacks: [{ StackName: name, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
    },
  };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } };
}

describe('bm import --stack', () => {
  it("writes the master data into the table the stack's TableName output names", async () => {
    const table = `t-${randomUUID()}`;
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    const cf = cloudFormation({ BillMatcher: { TableName: table, AckUrl: 'https://x.lambda-url.eu-west-1.on.aws/' } });
    const o = io();
    const code = await importIntoStack(masterDir(), 'BillMatcher', o.io, { cloudFormation: cf, dynamodb: client });
    expect(o.err).toEqual([]);
    expect(code).toBe(0);
    expect(cf.asked).toEqual(['BillMatcher']);
    expect(o.out.join('')).toContain(`into table ${table} of stack BillMatcher`);
    expect(await store.vendor('V001')).toMatchObject({ vendor_id: 'V001' });
  });

  it('names a stack that does not exist, and writes nothing', async () => {
    const { client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    const o = io();
    const code = await importIntoStack(masterDir(), 'Nope', o.io, { cloudFormation: cloudFormation({}), dynamodb: client });
    expect(code).toBe(1);
    expect(o.err.join('')).toContain('there is no stack Nope');
  });

  it('says so when given the inbound-mail stack, which has no table', async () => {
    const { client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    const o = io();
    const code = await importIntoStack(masterDir(), 'BillMatcher-InboundMail', o.io, { cloudFormation: cloudFormation({ 'BillMatcher-InboundMail': {} }), dynamodb: client });
    expect(code).toBe(1);
    expect(o.err.join('')).toContain('has no TableName output');
  });

  it('refuses a bad row before asking AWS anything', async () => {
    const { client } = await openLocalStore(inject('dynamoEndpoint'), `t-${randomUUID()}`);
    const cf = cloudFormation({ BillMatcher: { TableName: 'unused' } });
    const bad = VENDORS_CSV.trimEnd() + '\nV999,Broken,,,,,XXX,abc,0,false,,\n';
    await expect(importIntoStack(masterDir(bad), 'BillMatcher', io().io, { cloudFormation: cf, dynamodb: client })).rejects.toThrow(/vendors\.csv:\d+/);
    expect(cf.asked).toEqual([]);
  });
});

describe('bm audit --stack', () => {
  it("reads a bill's audit trail from the stack's table, and names a bill that is not there", async () => {
    const table = `t-${randomUUID()}`;
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    await store.importMaster(master());
    const row = await processBill(
      { billId: 'b-audit-1', canonical: bill(), readingExceptions: [], source: { input: 'a.json', part: 0, format: 'bill-json', document_hash: 'h-audit-1', submitter: null } },
      { store, now: () => Date.parse('2026-03-05T10:00:00Z') },
    );
    const cf = cloudFormation({ BillMatcher: { TableName: table } });
    const o = io();
    const rows = await auditInStack(row.bill_id, 'BillMatcher', o.io, { cloudFormation: cf, dynamodb: client });
    expect(rows?.map((r) => r.to_state)).toEqual([row.state]);
    expect(await auditInStack('b-missing', 'BillMatcher', o.io, { cloudFormation: cf, dynamodb: client })).toBeNull();
    expect(o.err.join('')).toContain('there is no bill b-missing in stack BillMatcher');
  });
});
