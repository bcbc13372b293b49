/** The ack Lambda behind its Function URL: GET shows and changes nothing, POST decides. */
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../lambdas/ack/handler.ts';
import { approvalLinks } from '../../lambdas/core/approvals.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { bill, master, POLICY_JSON } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const SECRET = new TextEncoder().encode('ack-handler-test-secret');
const NOW = Date.parse('2026-03-03T10:00:00+01:00');

const event = (method: string, token: string, body?: string) => ({
  rawQueryString: `t=${encodeURIComponent(token)}`,
  requestContext: { http: { method } },
  ...(body !== undefined ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true } : {}),
});

describe('ack handler (Function URL)', () => {
  it('GET renders a confirmation form; POST approves and resumes the workflow', async () => {
    const store = await freshStore();
    // Nothing touchless: the clean bill waits for its approver.
    await store.importMaster(master({ 'policy.json': POLICY_JSON.replace('"500"', '"0"') }));
    const b = await processBill({ billId: newBillId(), canonical: bill(), readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: 'x', submitter: null } }, { store, now: () => NOW });
    const resumed: string[] = [];
    const handler = makeHandler({ store, secret: SECRET, now: () => NOW, onSettled: async (x) => void resumed.push(x.state) });
    const link = approvalLinks(b, NOW, SECRET)['buyer@example.com']!.approve;

    const get = await handler(event('GET', link));
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('<form method="post"');
    expect(get.headers['cache-control']).toBe('no-store');
    expect((await store.getBill(b.bill_id))!.state).toBe('awaiting_approval');

    const post = await handler(event('POST', link, ''));
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('ready for payment');
    expect(resumed).toEqual(['ready_for_payment']);

    // A second click after deciding shows the decision, not an error; nothing changes.
    const again = await handler(event('POST', link, ''));
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Already decided');
    expect(again.body).toMatch(/by \S+@\S+ on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC — the bill is ready for payment/);
    expect(resumed).toEqual(['ready_for_payment']);
  });

  it('says plainly why a forged link changes nothing', async () => {
    const store = await freshStore();
    const r = await makeHandler({ store, secret: SECRET, now: () => NOW })(event('POST', 'eyJiIjoiYiJ9.AAAA'));
    expect(r.statusCode).toBe(409);
    expect(r.body).toContain('signature does not match');
  });
});
