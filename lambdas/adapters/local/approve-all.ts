/**
 * `bm run --approve-all`: every required approver of each routed bill approves through the
 * signed-link path — the link taken from the approval email in the outbox, opened (GET: the
 * confirmation page), then confirmed (POST, with a reason where one is required). Blocked and
 * needs_review bills are never touched: no override happens here.
 */
import { approveLinkIn } from '../../core/approval-desk.ts';
import type { OutcomeRow } from '../../core/output.ts';
import type { MemoryOutbox } from './memory-outbox.ts';

const REASON = 'approved by bm run --approve-all';

export class ApproveAllError extends Error {
  override readonly name = 'ApproveAllError';
}

export async function approveAll(rows: readonly OutcomeRow[], outbox: MemoryOutbox): Promise<void> {
  for (const row of rows) {
    if (row.state !== 'awaiting_approval' && row.state !== 'flagged') continue;
    for (const approver of row.approvers) {
      const email = outbox.forBill(row.bill_id).find((e) => e.tag === 'approval-request' && e.to.includes(approver));
      const link = email ? approveLinkIn(email.text) : null;
      if (!link) throw new ApproveAllError(`no approval email with a link for ${approver} on bill ${row.bill_id}`);
      const view = await fetch(link);
      const page = await view.text();
      if (!view.ok) throw new ApproveAllError(`${approver} could not open the approval link of bill ${row.bill_id}: ${stripTags(page)}`);
      const form = new URLSearchParams();
      if (/name="reason"/.test(page)) form.set('reason', REASON);
      const done = await fetch(link, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      if (!done.ok) throw new ApproveAllError(`${approver} could not approve bill ${row.bill_id}: ${stripTags(await done.text())}`);
    }
  }
}

function stripTags(html: string): string {
  return (html.match(/id="reason">([^<]*)</)?.[1] ?? html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim().slice(0, 300);
}
