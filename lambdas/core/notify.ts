/**
 * Task NotifyPeople, after every bill of a submission is decided: nobody waits unseen.
 *
 * 1. The receipt: one email per inbound email, to its sender when the sender may be believed
 *    (§9, `sender.ts`): each bill read — supplier, number, total, its state in words, what
 *    happens next, its id and a link to it — and each attachment that could not be read, named,
 *    with the reason. Files from an operator get no receipt (the page shows the outcome).
 * 2. The review link: each bill that ends in `needs_review` emails the submitter (a believed
 *    sender), else the AP inbox, a signed, single-use link to its review form, bound to the
 *    bill's version (`review-link.ts`). The request is an audit row.
 */
import { newNonce, signKindLink } from './approval-links.ts';
import { EXCEPTION_WORDS, STATE_WORDS } from './words.ts';
import type { ExceptionCode } from './exceptions.ts';
import { button, esc, factsHtml, mailFrame, oneLine, whenInWords } from './mail-html.ts';
import type { Policy } from './master.ts';
import type { Mailer } from './ports/mailer.ts';
import { noteOnBill } from './bill-note.ts';
import type { BillRecord, BillStore } from './ports/store.ts';
import { receiptAddress } from './sender.ts';
import type { Submission } from './submission-schema.ts';

export interface NotifyDeps {
  readonly store: BillStore;
  readonly mailer: Mailer;
  readonly secret: Uint8Array;
  /** Where the ack handler answers (the Function URL, or the local web page). */
  readonly baseUrl: string;
  readonly now: () => number;
  /** The AP team's inbox: review links for bills whose sender is not believed. @default the policy's admin_approver */
  readonly apInbox?: string | null;
  /** A bill's page for people; @default a signed read-only page on the ack handler (`/bill?t=…`). */
  readonly billUrl?: (billId: string) => string;
}

/** How long a review link, a bill-page link in an email and a document link stay valid. */
export const REVIEW_LINK_DAYS = 7;
export const VIEW_LINK_DAYS = 30;
export const DOCUMENT_LINK_MINUTES = 60;

const base = (u: string) => u.replace(/\/$/, '');

/** A link to the bill for people: the local page, or a signed read-only page. */
export function billLink(billId: string, deps: Pick<NotifyDeps, 'billUrl' | 'secret' | 'baseUrl' | 'now'>): string {
  if (deps.billUrl) return deps.billUrl(billId);
  const t = signKindLink({ k: 'view', b: billId, e: Math.floor(deps.now() / 1000) + VIEW_LINK_DAYS * 86_400 }, deps.secret);
  return `${base(deps.baseUrl)}/bill?t=${encodeURIComponent(t)}`;
}

/** A short-lived link to the bill's original document (the attachment itself). */
export function documentLink(billId: string, deps: Pick<NotifyDeps, 'secret' | 'baseUrl' | 'now'>, minutes = DOCUMENT_LINK_MINUTES): string {
  const t = signKindLink({ k: 'doc', b: billId, e: Math.floor(deps.now() / 1000) + minutes * 60 }, deps.secret);
  return `${base(deps.baseUrl)}/document?t=${encodeURIComponent(t)}`;
}

/** What happens next to a bill in this state, in words. */
export function nextStep(bill: BillRecord, policy: Policy | null, nowMs: number): string {
  const who = bill.approvers.join(' and ');
  const held = bill.notify_at && Date.parse(bill.notify_at) > nowMs && policy ? ` after quiet hours, ${whenInWords(Date.parse(bill.notify_at), policy.timezone, nowMs)}` : '';
  switch (bill.state) {
    case 'ready_for_payment':
      return 'Nothing more is needed: it goes to payment.';
    case 'awaiting_approval':
      return `${who} ${bill.approvers.length > 1 ? 'are' : 'is'} asked to approve it${held || ' now'}.`;
    case 'flagged':
      return `It differs from the purchase order or master data; ${who} decide${bill.approvers.length > 1 ? '' : 's'} whether to pay it${held}.`;
    case 'blocked':
      return `It must not be paid as it stands; ${who || 'the AP admin'} decides${held}.`;
    case 'needs_review':
      return bill.dismissed ? `Dismissed as not a bill: ${bill.dismissed.reason}.` : 'A person checks what was read against the document and corrects it; then it is decided again.';
    case 'waiting_on_supplier':
      return 'A question went to the supplier; it waits for the answer.';
    case 'rejected':
      return bill.dismissed ? `Dismissed as not a bill: ${bill.dismissed.reason}.` : 'It was rejected and will not be paid.';
  }
}

const UNREADABLE = new Set(['UNREADABLE']);

/** Task NotifyPeople: the receipt and the review links of one decided submission. */
export async function notifyPeople(input: { submission: Submission; bills: readonly { bill_id: string }[] }, deps: NotifyDeps): Promise<{ receipt: string | null; reviews: number }> {
  const bills = (await Promise.all(input.bills.map((b) => deps.store.getBill(b.bill_id)))).filter((b): b is BillRecord => b !== null);
  // A corrected bill decided again sends nothing more: the clerk sees the result on the page.
  if (input.submission.review || bills.length === 0) return { receipt: null, reviews: 0 };
  let policy: Policy | null = null;
  try {
    policy = await deps.store.policy();
  } catch {
    policy = null;
  }
  const nowMs = deps.now();
  // A bill decided again as another's next version (a supplier's re-send) belongs to that bill; it is listed too.
  const to = bills.map((b) => receiptAddress(b.source)).find((a) => a !== null) ?? null;
  const receiptSent = to && bills.some((b) => b.source.email) ? await sendReceipt(to, input.submission, bills, policy, nowMs, deps) : null;
  for (const b of bills) await tellQuerier(b, input.submission, policy, nowMs, deps);
  let reviews = 0;
  for (const b of bills) {
    if (b.state !== 'needs_review' || b.dismissed) continue;
    if (await requestReview(b, policy, deps)) reviews++;
  }
  return { receipt: receiptSent, reviews };
}

async function sendReceipt(to: string, submission: Submission, bills: readonly BillRecord[], policy: Policy | null, nowMs: number, deps: NotifyDeps): Promise<string> {
  const readable = bills.filter((b) => !b.exceptions.some((e) => UNREADABLE.has(e.code)) || b.canonical);
  const unreadable = bills.filter((b) => !readable.includes(b));
  const subject = `Received: ${oneLine(submission.name)} — ${readable.length} bill${readable.length === 1 ? '' : 's'} read${unreadable.length ? `, ${unreadable.length} not readable` : ''}`;
  const cards = readable.map((b) => {
    const link = billLink(b.bill_id, deps);
    const words = STATE_WORDS[b.state];
    const head = `${oneLine(b.supplier_name ?? 'Unknown supplier')}, invoice ${oneLine(b.invoice_number ?? '(no number)')}, ${b.total ?? '?'} ${b.currency ?? ''}`.trim();
    const why = b.exceptions.map((e) => `${EXCEPTION_WORDS[e.code as ExceptionCode] ?? e.code}: ${oneLine(e.message)}`);
    return {
      text: [`- ${head}`, `  State: ${words.label}. ${words.meaning}`, ...why.map((w) => `  · ${w}`), `  Next: ${nextStep(b, policy, nowMs)}`, `  Bill id: ${b.bill_id}`, `  ${link}`].join('\n'),
      html: `<div style="border:1px solid #d0d7de;border-radius:6px;padding:10px;margin:0 0 10px"><strong>${esc(head)}</strong>
<p style="margin:6px 0"><strong>${esc(words.label)}</strong>: ${esc(words.meaning)}</p>${why.length ? `<ul style="margin:4px 0;padding-left:18px">${why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<p style="margin:6px 0">Next: ${esc(nextStep(b, policy, nowMs))}</p><p style="margin:6px 0;color:#555;font-size:13px">Bill id: <code>${esc(b.bill_id)}</code></p>${button(link, 'Open the bill', '#0a58ca')}</div>`,
    };
  });
  const broken = unreadable.map((b) => {
    const what = oneLine(b.source.origin ?? b.source.input);
    const reason = b.exceptions.filter((e) => UNREADABLE.has(e.code)).map((e) => oneLine(e.message)).join('; ');
    return { text: `- ${what}: ${reason} (bill id ${b.bill_id})`, html: `<li><strong>${esc(what)}</strong>: ${esc(reason)} <span style="color:#555">(bill id <code>${esc(b.bill_id)}</code>)</span></li>` };
  });
  const intro = `Your email "${oneLine(submission.name)}" reached accounts payable. ${readable.length ? `We read ${readable.length} bill${readable.length === 1 ? '' : 's'} from it:` : 'We could not read a bill from it.'}`;
  const text = [
    intro,
    '',
    ...cards.map((c) => c.text + '\n'),
    ...(broken.length ? ['Not readable (send it again as a PDF or e-invoice, or tell us what it is):', ...broken.map((b) => b.text), ''] : []),
    'This receipt is sent once per email. Reply to this address with questions; quote the bill id.',
  ].join('\n');
  const html = mailFrame(`<p>${esc(intro)}</p>${cards.map((c) => c.html).join('')}
${broken.length ? `<h3 style="font-size:16px">Not readable</h3><ul style="padding-left:18px">${broken.map((b) => b.html).join('')}</ul><p>Send it again as a PDF or e-invoice, or tell us what it is.</p>` : ''}
<p style="color:#555;font-size:13px">This receipt is sent once per email. Reply with questions; quote the bill id.</p>`);
  await deps.mailer.send({ to: [to], subject, text, html, tag: 'receipt', billId: bills[0]!.bill_id });
  return to;
}

/** Emails the review link of a `needs_review` bill, with an audit row; false when the bill moved on. */
export async function requestReview(bill: BillRecord, policy: Policy | null, deps: NotifyDeps): Promise<boolean> {
  const to = receiptAddress(bill.source) ?? deps.apInbox ?? policy?.admin_approver ?? null;
  if (!to) return false;
  const nowMs = deps.now();
  const at = new Date(nowMs).toISOString();
  const next: BillRecord = { ...bill, version: bill.version + 1, updated_at: at };
  if (!(await noteOnBill(deps.store, next, bill.version, { at, action: 'review_requested', message: `review link sent to ${to}` }))) return false;
  const expires = Math.floor(nowMs / 1000) + REVIEW_LINK_DAYS * 86_400;
  const t = signKindLink({ k: 'review', b: bill.bill_id, v: next.version, n: newNonce(), p: to, e: expires }, deps.secret);
  const link = `${base(deps.baseUrl)}/review?t=${encodeURIComponent(t)}`;
  const doc = documentLink(bill.bill_id, deps, 24 * 60);
  const what = `${oneLine(bill.supplier_name ?? 'unknown supplier')}, invoice ${oneLine(bill.invoice_number ?? bill.source.input)}`;
  const problems = bill.exceptions.map((e) => `${EXCEPTION_WORDS[e.code as ExceptionCode] ?? e.code}: ${oneLine(e.message)}`);
  const until = whenInWords(expires * 1000, policy?.timezone ?? 'UTC');
  const subject = `Review: ${what}`;
  const text = [
    `A bill needs a person to check what was read: ${what}.`,
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    `Review and correct it: ${link}`,
    `The document as it came: ${doc}`,
    '',
    `The review link works once, until ${until}, and only while the bill is as it is now. Bill id: ${bill.bill_id}.`,
  ].join('\n');
  const html = mailFrame(`<p>A bill needs a person to check what was read: <strong>${esc(what)}</strong>.</p>
${problems.length ? `<ul style="padding-left:18px">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}
${factsHtml([['Total as read', `${bill.total ?? '—'} ${bill.currency ?? ''}`], ['Received', oneLine(bill.source.input)], ['Bill id', bill.bill_id]])}
<p>${button(link, 'Review and correct', '#1a7f37')}${button(doc, 'The original document', '#57606a')}</p>
<p style="color:#555;font-size:13px">The review link works once, until ${esc(until)}, and only while the bill is as it is now.</p>`);
  await deps.mailer.send({ to: [to], subject, text, html, tag: 'review-request', billId: bill.bill_id });
  return true;
}

/** A supplier's re-send answered a query: whoever queried hears what became of the bill. */
async function tellQuerier(bill: BillRecord, submission: Submission, policy: Policy | null, nowMs: number, deps: NotifyDeps): Promise<void> {
  // A re-send makes the waiting bill's next revision: a bill at its first was never re-sent (no trail to read).
  if ((bill.revision ?? 1) < 2) return;
  const audit = await deps.store.audit(bill.bill_id);
  if (!audit.some((a) => a.action === 'resent' && a.message.includes(`(${submission.id},`))) return;
  const querier = [...audit].reverse().find((a) => a.action === 'queried')?.actor;
  if (!querier || querier === 'system') return;
  const what = `invoice ${oneLine(bill.invoice_number ?? '')} of ${oneLine(bill.supplier_name ?? 'an unknown supplier')}`;
  const words = STATE_WORDS[bill.state];
  const link = billLink(bill.bill_id, deps);
  const text = `The supplier answered your query about ${what} with a new version (version ${bill.revision ?? 2}). It was decided again: ${words.label}. ${nextStep(bill, policy, nowMs)}\n\n${link}`;
  await deps.mailer.send({ to: [querier], subject: `Answered: ${what} — ${words.label}`, text, html: mailFrame(`<p>${esc(text.split('\n\n')[0]!)}</p><p>${button(link, 'Open the bill', '#0a58ca')}</p>`), tag: 'query-answered', billId: bill.bill_id });
}
