/**
 * One summary per month, on DynamoDB Local: the claim item makes a retried or re-run
 * invocation send nothing twice, unless asked to resend; a claim left by a run that died is
 * taken over after its lease.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryOutbox } from '../../lambdas/adapters/local/memory-outbox.ts';
import { sendMonthlySummary, SummaryBusyError, type SendSummaryDeps } from '../../lambdas/core/summary/send.ts';
import type { DynamoBillStore } from '../../lambdas/adapters/aws/dynamo-store.ts';
import { master } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';
import { generateMonth, seedMonth } from '../support/month-bills.ts';

const NOW = Date.parse('2026-04-06T09:00:00+02:00');
let store: DynamoBillStore;
let outbox: MemoryOutbox;
let runs = 0;

const deps = (over: Partial<SendSummaryDeps> = {}): SendSummaryDeps => ({
  store,
  mailer: outbox,
  chart: null,
  model: null,
  modelId: null,
  recipients: ['finance@example.com', 'cfo@example.com'],
  now: () => NOW,
  runId: () => `run-${++runs}`,
  ...over,
});

beforeEach(async () => {
  store = await freshStore();
  await store.importMaster(master());
  await seedMonth(store, generateMonth({ startMs: Date.parse('2026-03-01T00:00:00+01:00'), endMs: Date.parse('2026-04-01T00:00:00+02:00'), n: 30, nowMs: NOW }));
  outbox = new MemoryOutbox();
});

describe('sending the monthly summary', () => {
  it('sends the last complete month (in the policy zone) to every recipient, with the CSV attached', async () => {
    const r = await sendMonthlySummary({}, deps());
    expect(r).toMatchObject({ status: 'sent', month: '2026-03', narrative: 'template' });
    expect(outbox.sent).toHaveLength(1);
    expect(outbox.sent[0]!.to).toEqual(['finance@example.com', 'cfo@example.com']);
    expect(outbox.sent[0]!.attachments!.map((a) => a.filename)).toEqual(['bills-2026-03.csv']);
    expect(new TextDecoder().decode(outbox.sent[0]!.attachments![0]!.content).trim().split('\r\n')).toHaveLength(31);
  });

  it('a retried invocation sends nothing twice', async () => {
    await sendMonthlySummary({}, deps());
    const again = await sendMonthlySummary({}, deps());
    expect(again).toEqual({ status: 'already_sent', month: '2026-03' });
    expect(outbox.sent).toHaveLength(1);
  });

  it('asked to resend, it sends again', async () => {
    await sendMonthlySummary({ month: '2026-03' }, deps());
    const r = await sendMonthlySummary({ month: '2026-03', resend: true }, deps());
    expect(r.status).toBe('sent');
    expect(outbox.sent).toHaveLength(2);
  });

  it('a run that claimed the month and died: another run waits (busy), and takes over once the lease is over', async () => {
    const dying = deps({ mailer: { send: async () => Promise.reject(new Error('process killed')) } });
    await expect(sendMonthlySummary({}, dying)).rejects.toThrow('process killed');
    await expect(sendMonthlySummary({}, deps({ now: () => NOW + 60_000 }))).rejects.toBeInstanceOf(SummaryBusyError);
    expect(outbox.sent).toHaveLength(0);
    const r = await sendMonthlySummary({}, deps({ now: () => NOW + 16 * 60_000 }));
    expect(r.status).toBe('sent');
    expect(outbox.sent).toHaveLength(1);
  });

  it('two runs at once: one sends, the other is told the month is busy', async () => {
    const results = await Promise.allSettled([sendMonthlySummary({}, deps()), sendMonthlySummary({}, deps())]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((x) => x.status === 'rejected').map((x) => (x as PromiseRejectedResult).reason)).toEqual([expect.any(SummaryBusyError)]);
    expect(outbox.sent).toHaveLength(1);
  });
});
