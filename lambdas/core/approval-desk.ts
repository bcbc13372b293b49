/**
 * The approval desk: the email that asks a person to decide a bill. It shows what is being
 * decided — supplier, number, total, PO, the line match against PO and receipts, every
 * exception in plain words — and Approve / Query / Reject buttons, each a signed link for
 * that one approver. One email per required approver.
 */
import { approvalLinks, LINK_TTL_DAYS, withLinksIssued } from './approvals.ts';
import type { ExceptionCode } from './exceptions.ts';
import { button, esc, factsHtml, mailFrame, oneLine, whenInWords } from './mail-html.ts';
import { documentLink } from './notify.ts';
import type { Mailer, OutgoingEmail } from './ports/mailer.ts';
import { billText } from './safe-text.ts';
import { ConflictError, type BillRecord, type BillStore } from './ports/store.ts';
import { taxAndCharges } from './tax-summary.ts';
import { EXCEPTION_WORDS } from './words.ts';

export interface ApprovalRequest {
  readonly email: OutgoingEmail;
  readonly approver: string;
  readonly links: { readonly approve: string; readonly query: string; readonly reject: string };
}


/** What the email can say about why this approver (from the vendor master and the policy). */
export interface ApproverContext {
  readonly vendorApprover?: string | null;
  readonly category?: string | null;
  readonly categoryApprover?: string | null;
  readonly admin?: string | null;
  readonly secondApprover?: string | null;
  readonly dualThreshold?: string | null;
  readonly timezone?: string;
}

/** `baseUrl` is where the ack handler answers (the Function URL, or the local web page). */
export function approvalRequests(
  bill: BillRecord,
  opts: { baseUrl: string; nowMs: number; secret: Uint8Array; context?: ApproverContext },
): ApprovalRequest[] {
  const tokens = approvalLinks(bill, opts.nowMs, opts.secret);
  const url = (t: string) => `${opts.baseUrl.replace(/\/$/, '')}/approve?t=${encodeURIComponent(t)}`;
  const expires = whenInWords(opts.nowMs + LINK_TTL_DAYS * 86_400_000, opts.context?.timezone ?? 'UTC');
  const document = bill.source.stored_as ? documentLink(bill.bill_id, { secret: opts.secret, baseUrl: opts.baseUrl, now: () => opts.nowMs }, EMAIL_DOCUMENT_LINK_MINUTES) : null;
  return bill.approvers.map((approver) => {
    const t = tokens[approver]!;
    const links = { approve: url(t.approve), query: url(t.query), reject: url(t.reject) };
    return { approver, links, email: compose(bill, approver, links, { expires, document, why: whyThisApprover(bill, approver, opts.context ?? {}) }) };
  });
}

/** An emailed document link lasts as long as an approver may take to open the email the same week. */
export const EMAIL_DOCUMENT_LINK_MINUTES = 72 * 60;

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** Why this person is asked, in words. */
export function whyThisApprover(bill: BillRecord, approver: string, c: ApproverContext): string {
  const standIn = bill.standing_in?.[approver] ?? Object.entries(bill.standing_in ?? {}).find(([d]) => same(d, approver))?.[1];
  if (standIn) return `You are standing in for ${standIn}, who is away (policy delegates).`;
  if (bill.escalations?.some((e) => same(e.approver, approver))) return 'You were added because the approvers asked first have not decided in time (escalation).';
  if (bill.state === 'blocked') return 'Blocked bills go to the AP admin: only you can override or reject.';
  const index = bill.approvers.findIndex((a) => same(a, approver));
  if (index === 1) return `Bills above ${c.dualThreshold ?? 'the dual-approval threshold'} need a second approver: you.`;
  if (same(approver, c.vendorApprover)) return `You approve bills of ${bill.supplier_name ?? 'this supplier'} (vendor master).`;
  if (same(approver, c.categoryApprover)) return `You approve bills of the ${c.category ?? ''} category.`.replace(/\s+/g, ' ');
  if (same(approver, c.admin)) return 'You are the AP admin: the supplier has no approver of its own, or its approver submitted or corrected this bill.';
  return 'You are next in line for this bill (its submitter or reviewer may not approve it).';
}

interface ComposeExtras {
  readonly expires: string;
  readonly document: string | null;
  readonly why: string;
}

function compose(bill: BillRecord, approver: string, links: ApprovalRequest['links'], x: ComposeExtras): OutgoingEmail {
  // Every value below that came from the bill is one defanged line (core/safe-text.ts): a
  // supplier name cannot add a line, or a link, of its own.
  const t = (v: string | null | undefined) => billText(v ?? '', 120);
  const blocked = bill.state === 'blocked';
  const what = blocked ? 'is blocked and needs your decision (an override needs a reason)' : bill.state === 'flagged' ? 'has exceptions and needs your decision' : 'needs your approval';
  const supplier = oneLine(bill.supplier_name ?? bill.vendor_id ?? 'an unknown supplier');
  const subject = `${blocked ? 'Blocked' : bill.state === 'flagged' ? 'Flagged' : 'Approve'}: ${supplier} invoice ${oneLine(bill.invoice_number ?? '')} — ${bill.total ?? '?'} ${bill.currency ?? ''}`.replace(/\s+/g, ' ').trim();
  const required = bill.required_approvals ?? bill.approvers.length;
  const dual = required > 1 ? `Two approvals are needed: ${bill.approvers.join(' and ')}.` : bill.approvers.length > 1 ? `Any one of ${bill.approvers.join(', ')} may decide.` : '';
  const c = bill.canonical;
  const facts: [string, string][] = [
    ['Supplier', `${supplier}${bill.vendor_id ? ` (${t(bill.vendor_id)})` : ''}`],
    ['Invoice', `${oneLine(bill.invoice_number ?? '—')}${bill.issue_date ? `, issued ${t(bill.issue_date)}` : ''}`],
    ['Due', typeof c?.due_date === 'string' && c.due_date ? t(c.due_date) : 'no due date on the bill'],
    ['Total', `${t(bill.total ?? '—')} ${t(bill.currency)}`],
    ['Purchase order', bill.po_number ? `${t(bill.po_number)}${bill.po_inferred ? ' (inferred)' : ''}` : 'none'],
    ['Why you', x.why],
    ['Bill id', bill.bill_id],
  ];
  // Tax per rate and charges: what the tax and charge checks judged.
  const tc = taxAndCharges(bill.canonical);
  if (tc.tax.length) facts.splice(4, 0, ['Tax', tc.tax.map((v) => t(v)).join('; ')]);
  facts.splice(tc.tax.length ? 5 : 4, 0, ['Charges', tc.charges.length ? tc.charges.map((v) => t(v)).join('; ') : 'none']);
  const exceptions = bill.exceptions.map((e) => `${EXCEPTION_WORDS[e.code as ExceptionCode] ?? e.code}${e.line && !e.message.startsWith(`line ${e.line}`) ? ` (line ${t(e.line)})` : ''}: ${oneLine(e.message)} [${e.code}]`);
  const described = new Map((c?.lines ?? []).map((l) => [String(l.line_id), l]));
  const lines = bill.match.length
    ? bill.match.map((m) => {
        const l = described.get(m.line_id);
        const desc = oneLine(l?.description ?? l?.item_code ?? '');
        return {
          head: `Line ${t(m.line_id)}${desc ? `: ${desc}` : ''}`,
          body: `${t(m.quantity)} × ${t(m.unit_price)}${l?.net_amount ? ` = ${t(String(l.net_amount))}` : ''} · PO line ${t(m.po_line ?? 'none')}, PO price ${t(m.po_unit_price ?? '—')}, received ${t(m.received ?? m.ordered ?? '—')}, billed before ${t(m.already_billed ?? '—')}`,
        };
      })
    : (c?.lines ?? []).map((l) => ({ head: `Line ${t(String(l.line_id))}${l.description ? `: ${oneLine(l.description)}` : ''}`, body: `${t(String(l.quantity))} × ${t(String(l.unit_price))} = ${t(String(l.net_amount))}` }));
  // On a blocked bill the safe choice leads: Reject first, Override last.
  const order: [keyof ApprovalRequest['links'], string, string][] = blocked
    ? [['reject', 'Reject', '#cf222e'], ['query', 'Query supplier', '#9a6700'], ['approve', 'Override and approve', '#57606a']]
    : [['approve', 'Approve', '#1a7f37'], ['query', 'Query supplier', '#9a6700'], ['reject', 'Reject', '#cf222e']];
  const textLabel = { approve: blocked ? 'Override and approve (reason required)' : bill.state === 'flagged' ? 'Approve (reason required)' : 'Approve', query: 'Query the supplier', reject: 'Reject' };
  const note = `These links are for ${approver} only, work once, and expire ${x.expires}. Opening one shows a confirmation page; nothing changes until you confirm.`;
  const text = [
    `The bill below ${what}.`,
    dual,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    exceptions.length ? `Exceptions:\n${exceptions.map((e) => `- ${e}`).join('\n')}` : 'No exceptions.',
    '',
    lines.length ? `Lines:\n${lines.map((l) => `- ${l.head}\n  ${l.body}`).join('\n')}` : '',
    '',
    ...(x.document ? [`The original document: ${x.document}`, ''] : []),
    ...order.map(([k]) => `${textLabel[k]}: ${links[k]}`),
    '',
    note,
  ]
    .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
    .join('\n');

  const html = mailFrame(`<p>The bill below ${esc(what)}.</p>${dual ? `<p>${esc(dual)}</p>` : ''}
${factsHtml(facts)}
<h3 style="font-size:16px;margin:14px 0 6px">Exceptions</h3>${exceptions.length ? `<ul style="padding-left:18px;margin:0">${exceptions.map((e) => `<li style="margin:0 0 4px">${esc(e)}</li>`).join('')}</ul>` : '<p>None.</p>'}
${lines.length ? `<h3 style="font-size:16px;margin:14px 0 6px">Lines against the purchase order</h3>${lines.map((l) => `<div style="border-top:1px solid #d0d7de;padding:6px 0"><strong>${esc(l.head)}</strong><br><span style="color:#333">${esc(l.body)}</span></div>`).join('')}` : ''}
${x.document ? `<p><a href="${esc(x.document)}">The original document</a></p>` : ''}
<p>${order.map(([k, label, color]) => button(links[k], label, color)).join('')}</p>
<p style="color:#555;font-size:13px">${esc(note)}</p>`);
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
        bill: { ...withLinksIssued(bill, bill.approvers, nowMs), version: bill.version + 1, updated_at: at, task_token: input.task_token },
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
    const context = await approverContext(bill, deps.store);
    for (const r of approvalRequests(bill, { baseUrl: deps.baseUrl, nowMs, secret: deps.secret, context })) await deps.mailer.send(r.email);
    return true;
  }
  throw new ConflictError(`bill ${input.bill_id} kept changing while its approval was being requested`);
}

/**
 * Emails a bill's approvers outside the workflow's wait (a bill resumed or re-matched after its
 * execution let go): the same email, fresh links. False when the bill waits for nobody.
 */
/**
 * The Approve link in an approval email's plain text ("Approve: …", or "Approve (reason
 * required): …" on a flagged bill). Never the "Override and approve" link of a blocked bill:
 * tools that approve for people (`bm run --approve-all`, `bm demo`) do not override.
 */
export function approveLinkIn(text: string): string | null {
  return /^Approve(?: \(reason required\))?: (\S+)$/m.exec(text)?.[1] ?? null;
}

export async function emailApprovers(bill: BillRecord, deps: Pick<DeskDeps, 'mailer' | 'secret' | 'baseUrl' | 'now'> & { store?: BillStore }): Promise<boolean> {
  if (bill.approvers.length === 0 || !['awaiting_approval', 'flagged', 'blocked'].includes(bill.state)) return false;
  const context = deps.store ? await approverContext(bill, deps.store) : undefined;
  for (const r of approvalRequests(bill, { baseUrl: deps.baseUrl, nowMs: deps.now(), secret: deps.secret, ...(context ? { context } : {}) })) await deps.mailer.send(r.email);
  return true;
}

/** The vendor master's and the policy's word on who approves this bill, for the email's "why you". */
export async function approverContext(bill: BillRecord, store: Pick<BillStore, 'vendor' | 'policy'>): Promise<ApproverContext> {
  const vendor = bill.vendor_id ? await store.vendor(bill.vendor_id) : null;
  const policy = await store.policy().catch(() => null);
  return {
    vendorApprover: vendor?.approver ?? null,
    category: vendor?.category ?? null,
    categoryApprover: vendor?.category ? (policy?.category_approvers[vendor.category] ?? null) : null,
    admin: policy?.admin_approver ?? null,
    secondApprover: policy?.second_approver ?? null,
    dualThreshold: policy?.dual_approval_threshold ? `${policy.dual_approval_threshold.toString()} ${bill.currency ?? ''}`.trim() : null,
    timezone: policy?.timezone ?? 'UTC',
  };
}
