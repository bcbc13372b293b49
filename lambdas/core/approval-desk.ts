/**
 * The approval desk: the email that asks a person to decide a bill. It shows what is being
 * decided — supplier, number, total, PO, the line match against PO and receipts, every
 * exception in plain words — and Approve / Query / Reject buttons, each a signed link for
 * that one approver. One email per required approver.
 */
import { approvalLinks } from './approvals.ts';
import type { Mailer, OutgoingEmail } from './ports/mailer.ts';
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';

export interface ApprovalRequest {
  readonly email: OutgoingEmail;
  readonly approver: string;
  readonly links: { readonly approve: string; readonly query: string; readonly reject: string };
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `baseUrl` is where the ack handler answers (the Function URL, or the local web page). */
export function approvalRequests(bill: BillRecord, opts: { baseUrl: string; nowMs: number; secret: Uint8Array }): ApprovalRequest[] {
  const tokens = approvalLinks(bill, opts.nowMs, opts.secret);
  const url = (t: string) => `${opts.baseUrl.replace(/\/$/, '')}/approve?t=${encodeURIComponent(t)}`;
  return bill.approvers.map((approver) => {
    const t = tokens[approver]!;
    const links = { approve: url(t.approve), query: url(t.query), reject: url(t.reject) };
    return { approver, links, email: compose(bill, approver, links) };
  });
}

function compose(bill: BillRecord, approver: string, links: ApprovalRequest['links']): OutgoingEmail {
  const what =
    bill.state === 'blocked' ? 'is blocked and needs your decision (an override needs a reason)' : bill.state === 'flagged' ? 'has exceptions and needs your decision' : 'needs your approval';
  const supplier = bill.supplier_name ?? bill.vendor_id ?? 'an unknown supplier';
  const subject = `${bill.state === 'blocked' ? 'Blocked' : bill.state === 'flagged' ? 'Flagged' : 'Approve'}: ${supplier} invoice ${bill.invoice_number ?? ''} — ${bill.total ?? '?'} ${bill.currency ?? ''}`.replace(/\s+/g, ' ').trim();
  const dual = bill.approvers.length > 1 ? `Two approvals are needed: ${bill.approvers.join(' and ')}.` : '';
  const facts: [string, string][] = [
    ['Supplier', `${supplier}${bill.vendor_id ? ` (${bill.vendor_id})` : ''}`],
    ['Invoice', `${bill.invoice_number ?? '—'}${bill.issue_date ? `, issued ${bill.issue_date}` : ''}`],
    ['Total', `${bill.total ?? '—'} ${bill.currency ?? ''}`],
    ['Purchase order', bill.po_number ? `${bill.po_number}${bill.po_inferred ? ' (inferred)' : ''}` : 'none'],
  ];
  const exceptions = bill.exceptions.map((e) => `${e.code}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`);
  const text = [
    `The bill below ${what}.`,
    dual,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    exceptions.length ? `Exceptions:\n${exceptions.map((e) => `- ${e}`).join('\n')}` : 'No exceptions.',
    '',
    bill.match.length
      ? `Lines:\n${bill.match.map((m) => `- line ${m.line_id}: ${m.quantity} × ${m.unit_price} → PO line ${m.po_line ?? 'none'} (PO price ${m.po_unit_price ?? '—'}, received ${m.received ?? m.ordered ?? '—'}, billed before ${m.already_billed ?? '—'})`).join('\n')}`
      : '',
    '',
    `Approve: ${links.approve}`,
    `Query the supplier: ${links.query}`,
    `Reject: ${links.reject}`,
    '',
    `These links are for ${approver} only, work once, and expire. Opening one shows a confirmation page; nothing changes until you confirm.`,
  ]
    .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
    .join('\n');

  const button = (href: string, label: string, color: string) =>
    `<a href="${esc(href)}" style="display:inline-block;padding:10px 18px;margin:4px 8px 4px 0;border-radius:6px;background:${color};color:#fff;text-decoration:none;font-weight:600">${esc(label)}</a>`;
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;line-height:1.4;color:#111;max-width:720px">
<p>The bill below ${esc(what)}.</p>${dual ? `<p>${esc(dual)}</p>` : ''}
<table role="presentation" style="border-collapse:collapse">${facts.map(([k, v]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<h3>Exceptions</h3>${exceptions.length ? `<ul>${exceptions.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '<p>None.</p>'}
${bill.match.length ? `<h3>Lines against the purchase order</h3><table style="border-collapse:collapse" border="1" cellpadding="4"><tr><th>Line</th><th>Qty</th><th>Unit price</th><th>PO line</th><th>PO price</th><th>Received</th><th>Billed before</th></tr>${bill.match.map((m) => `<tr><td>${esc(m.line_id)}</td><td>${esc(m.quantity)}</td><td>${esc(m.unit_price)}</td><td>${esc(m.po_line ?? '—')}</td><td>${esc(m.po_unit_price ?? '—')}</td><td>${esc(m.received ?? m.ordered ?? '—')}</td><td>${esc(m.already_billed ?? '—')}</td></tr>`).join('')}</table>` : ''}
<p>${button(links.approve, bill.state === 'blocked' ? 'Override and approve' : 'Approve', '#1a7f37')}${button(links.query, 'Query supplier', '#9a6700')}${button(links.reject, 'Reject', '#cf222e')}</p>
<p style="color:#555;font-size:90%">These links are for ${esc(approver)} only, work once, and expire. Opening one shows a confirmation page; nothing changes until you confirm.</p>
</body></html>`;
  return { to: [approver], subject, text, html, tag: 'approval-request', billId: bill.bill_id };
}

export interface DeskDeps {
  readonly store: BillStore;
  readonly mailer: Mailer;
  readonly secret: Uint8Array;
  /** Where the ack handler answers: the Function URL, or the local web page. */
  readonly baseUrl: string;
  readonly now: () => number;
}

/**
 * Task RequestApproval: emails every required approver (with its own links) and records, with
 * an audit row, the task token the ack handler resumes the workflow with.
 * Returns false when the bill no longer waits for anybody (decided meanwhile).
 */
export async function requestApproval(input: { bill_id: string; task_token: string }, deps: DeskDeps): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const bill = await deps.store.getBill(input.bill_id);
    if (!bill || bill.approvers.length === 0 || !['awaiting_approval', 'flagged', 'blocked'].includes(bill.state)) return false;
    const nowMs = deps.now();
    const at = new Date(nowMs).toISOString();
    try {
      await deps.store.commitTransition({
        bill: { ...bill, version: bill.version + 1, updated_at: at, task_token: input.task_token },
        expectedVersion: bill.version,
        audit: [{ at, actor: 'system', action: 'approval_requested', from_state: bill.state, to_state: bill.state, message: `approval requested from ${bill.approvers.join(' and ')}` }],
        nonce: null,
        spend: null,
        releases: [],
        duplicateClaim: null,
      });
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    for (const r of approvalRequests(bill, { baseUrl: deps.baseUrl, nowMs, secret: deps.secret })) await deps.mailer.send(r.email);
    return true;
  }
  throw new ConflictError(`bill ${input.bill_id} kept changing while its approval was being requested`);
}

/**
 * Emails a bill's approvers outside the workflow's wait (a bill resumed or re-matched after its
 * execution let go): the same email, fresh links. False when the bill waits for nobody.
 */
export async function emailApprovers(bill: BillRecord, deps: Pick<DeskDeps, 'mailer' | 'secret' | 'baseUrl' | 'now'>): Promise<boolean> {
  if (bill.approvers.length === 0 || !['awaiting_approval', 'flagged', 'blocked'].includes(bill.state)) return false;
  for (const r of approvalRequests(bill, { baseUrl: deps.baseUrl, nowMs: deps.now(), secret: deps.secret })) await deps.mailer.send(r.email);
  return true;
}
