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
import { auditInStack, importIntoStack, reviewInStack, showInStack } from '../../lambdas/cli/cloud.ts';
import { summaryOfStack } from '../../lambdas/cli/summary.ts';
import { bill, GRN_CSV, master, POLICY_JSON, POS_CSV, VENDORS_CSV } from '../support/builders.ts';
import { generateMonth, seedMonth } from '../support/month-bills.ts';

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

describe('bm show / bm review --stack', () => {
  it('prints the bill as read, then submits the correction: stored in the documents bucket, one execution started', async () => {
    const table = `t-${randomUUID()}`;
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    await store.importMaster(master());
    const misread = { ...bill(), total: '999.99' };
    const row = await processBill(
      { billId: 'b-review-1', canonical: misread, readingExceptions: [], source: { input: 'scan.pdf', part: 0, format: 'ocr+model', document_hash: 'h-review-1', submitter: null } },
      { store, now: () => Date.parse('2026-03-05T10:00:00Z') },
    );
    expect(row.state).toBe('needs_review');
    const puts: { Bucket?: string; Key?: string }[] = [];
    const starts: { stateMachineArn?: string; name?: string; input?: string }[] = [];
    const clients = {
      cloudFormation: cloudFormation({ BillMatcher: { TableName: table, DocumentsBucketName: 'docs-bucket', StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:ProcessDocument' } }),
      dynamodb: client,
      s3: { send: async (c: { input: { Bucket?: string; Key?: string } }) => void puts.push(c.input) } as never,
      sfn: { send: async (c: { input: (typeof starts)[number] }) => void starts.push(c.input) } as never,
    };

    const shown = io();
    expect(await showInStack('b-review-1', 'BillMatcher', shown.io, clients)).toBe(0);
    const asRead = JSON.parse(shown.out.join('')) as Record<string, unknown>;
    expect(asRead.total).toBe('999.99');
    expect(shown.err.join('')).toContain('needs_review (version 1)');

    const dir = mkdtempSync(join(tmpdir(), 'bm-review-'));
    writeFileSync(join(dir, 'fixed.bill.json'), JSON.stringify({ ...asRead, total: bill().total }));
    const o = io();
    const code = await reviewInStack({ billId: 'b-review-1', file: join(dir, 'fixed.bill.json'), reviewer: 'clerk@example.com', note: null }, 'BillMatcher', o.io, clients);
    expect(o.err).toEqual([]);
    expect(code).toBe(0);
    expect(puts).toEqual([expect.objectContaining({ Bucket: 'docs-bucket', Key: 'reviews/b-review-1/v1.bill.json' })]);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ stateMachineArn: expect.stringContaining('ProcessDocument'), name: 'review-b-review-1-v1' });
    expect(JSON.parse(starts[0]!.input!).submission).toMatchObject({ review: { bill_id: 'b-review-1', expected_version: 1, reviewer: 'clerk@example.com' } });

    // A correction that still does not add up is refused before anything is stored or started.
    writeFileSync(join(dir, 'still-wrong.bill.json'), JSON.stringify({ ...asRead, total: '1.00' }));
    const bad = io();
    expect(await reviewInStack({ billId: 'b-review-1', file: join(dir, 'still-wrong.bill.json'), reviewer: 'clerk@example.com', note: null }, 'BillMatcher', bad.io, clients)).toBe(1);
    expect(bad.err.join('')).toContain('TOTALS_INCONSISTENT');
    expect(puts).toHaveLength(1);
    expect(starts).toHaveLength(1);

    // Every problem of the file and the form in one round, each naming the file and the field in words.
    const lines = (asRead.lines as Record<string, unknown>[]).map(({ line_id: _id, ...rest }, i) => (i === 0 ? rest : { line_id: String(i + 1), ...rest }));
    writeFileSync(join(dir, 'shape.bill.json'), JSON.stringify({ ...asRead, lines, document_type: 'bill' }));
    const shape = io();
    expect(await reviewInStack({ billId: 'b-review-1', file: join(dir, 'shape.bill.json'), reviewer: 'clerk', note: null }, 'BillMatcher', shape.io, clients)).toBe(1);
    const said = shape.err.join('');
    expect(said).toContain(`\n  --reviewer must be an email address\n`);
    expect(said).toContain(`\n  ${join(dir, 'shape.bill.json')}: line 1: line_id is missing`);
    expect(said).toContain(`\n  ${join(dir, 'shape.bill.json')}: document_type must be "invoice" or "credit_note", not "bill"`);
    expect(said).not.toContain('Invalid');
    const missingFile = io();
    expect(await reviewInStack({ billId: 'b-review-1', file: join(dir, 'nope.bill.json'), reviewer: 'clerk@example.com', note: null }, 'BillMatcher', missingFile.io, clients)).toBe(1);
    expect(missingFile.err.join('')).toBe(`bm: ${join(dir, 'nope.bill.json')}: no such file or folder\n`);
    expect(puts).toHaveLength(1);
  });
});

describe('bm summary --stack NAME', () => {
  it("prints the month's figures from the stack's table, and writes the email to --eml; nothing is claimed there", async () => {
    const table = `t-${randomUUID()}`;
    const { store, client } = await openLocalStore(inject('dynamoEndpoint'), table);
    try {
      await store.importMaster(master());
      await seedMonth(store, generateMonth({ startMs: Date.parse('2026-03-01T00:00:00+01:00'), endMs: Date.parse('2026-04-01T00:00:00+02:00'), n: 12, nowMs: Date.parse('2026-04-06T09:00:00+02:00') }));
      const eml = join(mkdtempSync(join(tmpdir(), 'bm-eml-')), 'summary.eml');
      const o = io();
      const code = await summaryOfStack({ stack: 'BillMatcher', month: '2026-03', eml, now: () => Date.parse('2026-04-06T09:00:00+02:00') }, o.io, {
        cloudFormation: cloudFormation({ BillMatcher: { TableName: table } }),
        dynamodb: client,
      });
      expect(code, o.err.join('')).toBe(0);
      expect(o.out.join('')).toMatch(/bills received\s+12\s+0/);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(eml, 'utf8')).toContain('filename=bills-2026-03.csv');
      // Read only: the month is not claimed in the deployed table.
      expect(await store.claimSummary('2026-03', { nowMs: Date.now(), leaseMs: 1, resend: false, runId: 'x' })).toBe('claimed');
      const missing = io();
      expect(await summaryOfStack({ stack: 'Nope', month: '2026-03', eml: null }, missing.io, { cloudFormation: cloudFormation({}), dynamodb: client })).toBe(1);
    } finally {
      client.destroy();
    }
  });
});
