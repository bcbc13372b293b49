/**
 * Held, and saying so: an approval request that falls in quiet hours is held, and the bill page
 * and the outbox say until when — through the local stack waiting out quiet hours for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, signedInFetch, testStack, type TestStack } from '../support/local.ts';

describe('held for quiet hours', () => {
  let stack: TestStack;
  // A Saturday noon (the demo policy's quiet hours include weekends): the request waits for Monday
  // 08:00 Berlin. The next Saturday from today, so that the wait is a real one of two days.
  const SATURDAY = (() => {
    const d = new Date(Date.now() + 86_400_000);
    while (d.getUTCDay() !== 6) d.setUTCDate(d.getUTCDate() + 1);
    d.setUTCHours(11, 0, 0, 0);
    return d.getTime();
  })();

  beforeAll(async () => {
    stack = await testStack({ honourWaits: true, now: () => SATURDAY });
  }, 60_000);
  afterAll(async () => stack?.dispose());

  it('shows "held until Mon 08:00" on the bill page and in the outbox, and sends nothing yet', async () => {
    const result = await stack.submit({ bytes: readFileSync(join(DEMO, 'bills', '02-brightline-laptops.cii.xml')), name: '02-brightline-laptops.cii.xml' });
    if (result.kind !== 'processed') throw new Error(result.kind);
    const bill = result.execution.bills[0]!;
    expect(bill.state).toBe('awaiting_approval');
    expect(bill.notify_at).toMatch(/T08:00:00\+0[12]:00$/);
    expect(new Date(bill.notify_at!).getUTCDay()).toBe(1);
    // The local page and its outbox need a session.
    const local = await signedInFetch(stack);
    const page = await (await local(`/bills/${bill.bill_id}`)).text();
    expect(page).toMatch(/<span class="held" id="held">held until Mon 08:00<\/span>/);
    const outbox = await (await local('/outbox')).text();
    expect(outbox).toContain('held until Mon 08:00');
    expect(outbox).toContain(bill.bill_id);
    expect((await stack.outbox.list()).filter((m) => m.tag === 'approval-request')).toHaveLength(0);
  });
});
