/** Powertools at the entry points: inert outside Lambda; in Lambda, ids and metrics, never bodies. */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

const row = { bill_id: 'b01', state: 'ready_for_payment', vendor_id: 'V-1', invoice_number: 'INV-SECRET-9', total: '1234.56' };

describe('lambdaEntry', () => {
  it('outside Lambda: calls the handler and writes nothing', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const { lambdaEntry } = await import('../../lambdas/shared/powertools.ts');
    const write = vi.spyOn(process.stdout, 'write');
    const h = lambdaEntry('t', async (e: unknown) => ({ ...row, e }));
    expect(await h({ x: 1 })).toEqual({ ...row, e: { x: 1 } });
    expect(write).not.toHaveBeenCalled();
  });

  it('in Lambda: logs the ids, emits BillsDecided by state, and never the bill', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'decide-bill');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const { lambdaEntry, workflowKeys, METRIC } = await import('../../lambdas/shared/powertools.ts');
    const h = lambdaEntry('decide-bill', async () => row, {
      keys: workflowKeys,
      resultKeys: (r) => ({ billId: r.bill_id, state: r.state }),
      metrics: (r, m) => m.count(METRIC.billsDecided, { state: r.state }),
    });
    const event = { submission: { id: 's3-abc', name: 'Invoice from ACME.eml' }, part: { part: 0, bill: { total: '1234.56' } } };
    await h(event, { functionName: 'decide-bill', awsRequestId: 'req-1' });
    const out = lines.join('');
    expect(out).toContain('"billId":"b01"');
    expect(out).toContain('"submissionId":"s3-abc"');
    expect(out).toContain('"executionName":"s3-abc"');
    expect(out).toMatch(/"BillsDecided"/);
    expect(out).toContain('"state":"ready_for_payment"');
    expect(out).toContain('"Namespace":"BillMatcher"');
    expect(out).not.toContain('INV-SECRET-9');
    expect(out).not.toContain('1234.56');
    expect(out).not.toContain('Invoice from ACME');
  });
});
