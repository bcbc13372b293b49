/**
 * The daily sweep (spec/domain.md §8): pending approvals are re-surfaced, and suppliers of bills
 * waiting on them for more than `supplier_reminder_days` are pinged again.
 *
 * 1. For each bill awaiting a decision whose last request is more than a day old, email the
 *    approvers who have not decided yet, with fresh links.
 * 2. For each bill waiting on its supplier for longer than the policy allows, email the supplier.
 * 3. Each reminder is an audit row, written with the bill's version check.
 */
import { approvalRequests } from './approval-desk.ts';
import { supplierAddress, withLinksIssued } from './approvals.ts';
import type { Mailer } from './ports/mailer.ts';
import { billText } from './safe-text.ts';
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';

export interface SweepDeps {
  readonly store: BillStore;
  readonly mailer: Mailer;
  readonly secret: Uint8Array;
  readonly baseUrl: string;
  readonly now: () => number;
}

export interface SweepResult {
  readonly approvalReminders: number;
  readonly supplierReminders: number;
}

const DAY = 86_400_000;

export async function dailySweep(deps: SweepDeps): Promise<SweepResult> {
  const nowMs = deps.now();
  const policy = await deps.store.policy();
  let approvalReminders = 0;
  let supplierReminders = 0;
  for (const state of ['awaiting_approval', 'flagged', 'blocked'] as const) {
    for (const bill of await deps.store.listBills({ state })) {
      if (nowMs - Date.parse(bill.updated_at) < DAY) continue;
      const pending = bill.approvers.filter((a) => !(bill.approvals ?? []).some((g) => g.approver.toLowerCase() === a.toLowerCase()));
      if (pending.length === 0) continue;
      // The fresh links revoke the earlier ones of the same approvers (recorded with the reminder).
      if (!(await remind(withLinksIssued(bill, pending, nowMs), `approval reminder sent to ${pending.join(', ')}; their earlier links are revoked`, deps, bill.version))) continue;
      for (const r of approvalRequests(bill, { baseUrl: deps.baseUrl, nowMs, secret: deps.secret })) {
        if (pending.includes(r.approver)) await deps.mailer.send({ ...r.email, subject: `Reminder — ${r.email.subject}`, tag: 'approval-reminder' });
      }
      approvalReminders++;
    }
  }
  for (const bill of await deps.store.listBills({ state: 'waiting_on_supplier' })) {
    if (nowMs - Date.parse(bill.updated_at) <= policy.supplier_reminder_days * DAY) continue;
    const vendor = bill.vendor_id ? await deps.store.vendor(bill.vendor_id) : null;
    const to = supplierAddress(vendor, policy);
    if (!(await remind(bill, `supplier ${to} reminded after ${policy.supplier_reminder_days} days`, deps))) continue;
    await deps.mailer.send({
      to: [to],
      subject: `Reminder: our query about invoice ${billText(bill.invoice_number ?? '', 60)}`.trim(),
      text: `We are still waiting for your answer about invoice ${billText(bill.invoice_number ?? '', 60)} (${billText(bill.total ?? '')} ${billText(bill.currency ?? '')}). Please reply to this email.`,
      tag: 'supplier-reminder',
      billId: bill.bill_id,
    });
    supplierReminders++;
  }
  return { approvalReminders, supplierReminders };
}

/** Records the reminder (and so resets the bill's clock); false when the bill changed meanwhile. */
async function remind(bill: BillRecord, message: string, deps: SweepDeps, expectedVersion = bill.version): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  try {
    await deps.store.commitTransition({
      bill: { ...bill, version: expectedVersion + 1, updated_at: at },
      expectedVersion,
      audit: [{ at, actor: 'system', action: 'reminded', from_state: bill.state, to_state: bill.state, message }],
      nonce: null,
      spend: null,
      releases: [],
      duplicateClaim: null,
    });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}
