/** Powertools at the entry points: inert outside Lambda; in Lambda, ids and metrics, never bodies. */
import { join } from 'node:path';
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

describe('the X-Ray SDK', () => {
  // Importing it enables a process-wide async hook (cls-hooked) that every promise pays for.
  const loads = async (env: Record<string, string>) => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const script = "await import('./lambdas/shared/powertools.ts'); console.log(JSON.stringify(Object.keys(process.namespaces ?? {})));";
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: '', ...env },
    });
    return JSON.parse(stdout.trim()) as string[];
  };

  it('is loaded in Lambda only: the local stack, bm and the tests run without its async hook', async () => {
    expect(await loads({})).toEqual([]);
    expect((await loads({ AWS_LAMBDA_FUNCTION_NAME: 'decide-bill', POWERTOOLS_TRACE_ENABLED: 'false' })).length).toBeGreaterThan(0);
  }, 60_000);
});
