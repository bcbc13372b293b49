/**
 * The daily sweep (spec/domain.md §8; docs/approvals.md): nobody waits unseen.
 *
 * 1. Pending approvals whose last request is more than a day old: the approvers who have not
 *    decided are emailed again, with fresh links.
 * 2. Escalation: a bill still undecided `escalate_after_days` (policy, default 3) after its
 *    request (or its last escalation) gets the next approver in line added — vendor approver,
 *    category approver, admin, second approver, backup approvers; never its submitter or
 *    reviewer, never one already asked — who may decide in place of a silent one. Both are told.
 * 3. Bills waiting on their supplier longer than `supplier_reminder_days`: the supplier is
 *    reminded, and whoever queried gets a link to resume the bill with a note (or reject it);
 *    after `supplier_reminder_days` × 3 without an answer the admin is asked to resume or reject.
 * 4. Every reminder, escalation and question is an audit row, written with the bill's version check.
 */
import { approvalRequests } from './approval-desk.ts';
import { newNonce, signKindLink } from './approval-links.ts';
import { supplierAddress, withLinksIssued } from './approvals.ts';
import { applyDelegates } from './delegates.ts';
import { button, esc, mailFrame, oneLine } from './mail-html.ts';
import type { Policy } from './master.ts';
import type { Mailer } from './ports/mailer.ts';
import { billText } from './safe-text.ts';
import { noteOnBill } from './bill-note.ts';
import type { BillRecord, BillStore } from './ports/store.ts';

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
  readonly escalations?: number;
  readonly adminQuestions?: number;
}

const DAY = 86_400_000;
/** The default of the policy's `escalate_after_days`. */
export const ESCALATE_AFTER_DAYS = 3;
/** How long the resume / reject links of a reminder stay valid. */
const WAIT_LINK_DAYS = 14;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export async function dailySweep(deps: SweepDeps): Promise<SweepResult> {
  const nowMs = deps.now();
  const policy = await deps.store.policy();
  let approvalReminders = 0;
  let supplierReminders = 0;
  let escalations = 0;
  let adminQuestions = 0;
  for (const state of ['awaiting_approval', 'flagged', 'blocked'] as const) {
    for (const bill of await deps.store.listBills({ state })) {
      if (await escalate(bill, policy, deps)) {
        escalations++;
        continue;
      }
      if (nowMs - Date.parse(bill.updated_at) < DAY) continue;
      const pending = bill.approvers.filter((a) => !(bill.approvals ?? []).some((g) => same(g.approver, a)));
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
    const queriedAt = Date.parse(bill.queried?.at ?? bill.updated_at);
    if (nowMs - queriedAt > policy.supplier_reminder_days * 3 * DAY && !bill.queried?.admin_asked_at) {
      if (await askAdmin(bill, policy, deps)) adminQuestions++;
      continue;
    }
    if (nowMs - Date.parse(bill.updated_at) <= policy.supplier_reminder_days * DAY) continue;
    const vendor = bill.vendor_id ? await deps.store.vendor(bill.vendor_id) : null;
    const to = supplierAddress(vendor, policy);
    if (!(await remind(bill, `supplier ${to} reminded after ${policy.supplier_reminder_days} days`, deps))) continue;
    await deps.mailer.send({
      to: [to],
      subject: `Reminder: our query about invoice ${billText(bill.invoice_number ?? '', 60)}`.trim(),
      text: `We are still waiting for your answer about invoice ${billText(bill.invoice_number ?? '', 60)} (${billText(bill.total ?? '')} ${billText(bill.currency ?? '')}). Please reply to this email, or send the corrected invoice with the same number.`,
      tag: 'supplier-reminder',
      billId: bill.bill_id,
    });
    if (bill.queried?.by) await sendWaitLink(bill, bill.queried.by, policy, 'reminder', deps);
    supplierReminders++;
  }
  return { approvalReminders, supplierReminders, escalations, adminQuestions };
}

/** The next approver in line for a bill, or null: never one already asked, never its submitter. */
export function nextInLine(bill: BillRecord, policy: Policy, vendorApprover: string | null, category: string | null, nowMs: number): string | null {
  const backups = ((policy as { backup_approvers?: readonly string[] }).backup_approvers ?? []) as readonly string[];
  const chain = [vendorApprover, category ? policy.category_approvers[category] : null, policy.admin_approver, policy.second_approver, ...backups].filter((a): a is string => !!a);
  const excluded = [bill.source.submitter, ...bill.approvers, ...Object.values(bill.standing_in ?? {})].filter((a): a is string => !!a);
  for (const candidate of chain) {
    if (excluded.some((e) => same(e, candidate))) continue;
    // An absent candidate's delegate stands in, unless that one is excluded too.
    const d = applyDelegates([candidate], policy, nowMs, excluded).approvers[0]!;
    if (excluded.some((e) => same(e, d))) continue;
    return d;
  }
  return null;
}

async function escalate(bill: BillRecord, policy: Policy, deps: SweepDeps): Promise<boolean> {
  const nowMs = deps.now();
  const days = policy.escalate_after_days ?? ESCALATE_AFTER_DAYS;
  const last = bill.escalations?.at(-1)?.at ?? bill.notify_at ?? bill.created_at;
  if (nowMs - Date.parse(last) < days * DAY) return false;
  const pending = bill.approvers.filter((a) => !(bill.approvals ?? []).some((g) => same(g.approver, a)));
  if (pending.length === 0) return false;
  const vendor = bill.vendor_id ? await deps.store.vendor(bill.vendor_id) : null;
  const added = nextInLine(bill, policy, vendor?.approver ?? null, vendor?.category ?? null, nowMs);
  if (!added) return false;
  const at = new Date(nowMs).toISOString();
  const next: BillRecord = {
    ...bill,
    version: bill.version + 1,
    updated_at: at,
    approvers: [...bill.approvers, added],
    required_approvals: bill.required_approvals ?? bill.approvers.length,
    escalations: [...(bill.escalations ?? []), { approver: added, at }],
  };
  const waited = Math.floor((nowMs - Date.parse(last)) / DAY);
  const message = `undecided for ${waited} days (escalate_after_days ${days}): ${added} added as approver; ${pending.join(' and ')} told`;
  if (!(await noteOnBill(deps.store, next, bill.version, { at, action: 'escalated', message }))) return false;
  const why = `${pending.join(' and ')} ${pending.length > 1 ? 'have' : 'has'} not decided for ${waited} days`;
  for (const r of approvalRequests(next, { baseUrl: deps.baseUrl, nowMs, secret: deps.secret })) {
    if (same(r.approver, added)) await deps.mailer.send({ ...r.email, subject: `Escalated — ${r.email.subject}`, text: `You are added as an approver because ${why}.\n\n${r.email.text}`, tag: 'approval-escalated' });
  }
  const what = `invoice ${oneLine(bill.invoice_number ?? '')} of ${oneLine(bill.supplier_name ?? 'an unknown supplier')} (${bill.total ?? '?'} ${bill.currency ?? ''})`;
  const text = `You have not decided ${what} for ${waited} days, so ${added} was added as an approver and may decide in your place. Your links still work until one of you decides.`;
  await deps.mailer.send({ to: pending, subject: `Escalated to ${added}: ${what}`, text, html: mailFrame(`<p>${esc(text)}</p>`), tag: 'escalation-notice', billId: bill.bill_id });
  return true;
}

/** Emails `to` a link to resume (with a note) or reject a bill that waits on its supplier. */
async function sendWaitLink(bill: BillRecord, to: string, policy: Policy, why: 'reminder' | 'admin', deps: SweepDeps): Promise<void> {
  const nowMs = deps.now();
  const t = signKindLink({ k: 'wait', b: bill.bill_id, p: to, n: newNonce(), e: Math.floor(nowMs / 1000) + WAIT_LINK_DAYS * 86_400 }, deps.secret);
  const link = `${deps.baseUrl.replace(/\/$/, '')}/wait?t=${encodeURIComponent(t)}`;
  const days = Math.floor((nowMs - Date.parse(bill.queried?.at ?? bill.updated_at)) / DAY);
  const what = `invoice ${oneLine(bill.invoice_number ?? '')} of ${oneLine(bill.supplier_name ?? 'an unknown supplier')} (${bill.total ?? '?'} ${bill.currency ?? ''})`;
  const head =
    why === 'admin'
      ? `The supplier has not answered about ${what} for ${days} days (supplier_reminder_days ${policy.supplier_reminder_days} × 3). Please decide: resume it as it stands, or reject it.`
      : `The supplier has not answered your query about ${what} for ${days} days; they were reminded. If you have the answer another way, resume the bill with a note.`;
  const question = bill.queried?.message ? `Your question: ${oneLine(bill.queried.message)}` : '';
  const text = [head, question, '', `Resume or reject: ${link}`, '', `The link works once, for ${WAIT_LINK_DAYS} days.`].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
  await deps.mailer.send({
    to: [to],
    subject: `${why === 'admin' ? 'Decide' : 'Still waiting'}: ${what}`,
    text,
    html: mailFrame(`<p>${esc(head)}</p>${question ? `<p>${esc(question)}</p>` : ''}<p>${button(link, 'Resume or reject', '#0a58ca')}</p><p style="color:#555;font-size:13px">The link works once, for ${WAIT_LINK_DAYS} days.</p>`),
    tag: why === 'admin' ? 'supplier-wait-admin' : 'supplier-wait-reminder',
    billId: bill.bill_id,
  });
}

async function askAdmin(bill: BillRecord, policy: Policy, deps: SweepDeps): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  const next: BillRecord = { ...bill, version: bill.version + 1, updated_at: at, queried: { ...(bill.queried ?? { by: 'unknown', at: bill.updated_at, message: '' }), admin_asked_at: at } };
  const message = `no answer from the supplier after ${policy.supplier_reminder_days * 3} days: ${policy.admin_approver} asked to resume or reject`;
  if (!(await noteOnBill(deps.store, next, bill.version, { at, action: 'admin_asked', message }))) return false;
  await sendWaitLink(bill, policy.admin_approver, policy, 'admin', deps);
  return true;
}

/** Records the reminder (and so resets the bill's clock); false when the bill changed meanwhile. */
async function remind(bill: BillRecord, message: string, deps: SweepDeps, expectedVersion = bill.version): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  return noteOnBill(deps.store, { ...bill, version: expectedVersion + 1, updated_at: at }, expectedVersion, { at, action: 'reminded', message });
}
