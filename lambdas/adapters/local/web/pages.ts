/** The local web page's views: bills, one bill, the outbox, one email, the upload form. */
import type { BillException, ExceptionCode } from '../../../core/exceptions.ts';
import type { LineMatch } from '../../../core/match.ts';
import type { AuditRecord, BillRecord } from '../../../core/ports/store.ts';
import { BILL_STATES, type BillState } from '../../../core/route.ts';
import { taxAndCharges } from '../../../core/tax-summary.ts';
import { EXCEPTION_WORDS, STATE_WORDS } from '../../../core/words.ts';
import type { OutboxEntry, OutboxMessage } from '../outbox.ts';
import { esc, facts, layout, orDash, table, time } from './html.ts';
import { codeWords, codesInWords, day, money as formatMoney, quantity, when } from './format.ts';
import { waitingOn } from '../../../core/worklist.ts';
import { documentPane, reviewForm, type ReviewFormState } from './review-form.ts';
import { inlineKind } from '../../../ack/people-pages.ts';

/** A review bill that is no bill at all (spam, a bounce, a junk upload): dismissed with a reason. */
function dismissForm(b: BillRecord): string {
  return `<details class="dismiss"><summary>Not a bill? Dismiss it</summary>
<form method="post" action="/bills/${encodeURIComponent(b.bill_id)}/dismiss" id="dismiss">
<input type="hidden" name="version" value="${esc(String(b.version))}">
<p><label for="dismiss-reason">Why it is not a bill (spam, bounce, junk upload…)</label><br><input id="dismiss-reason" name="reason" required></p>
<p><button type="submit" id="confirm-dismiss">Dismiss: not a bill</button></p>
<p class="muted">It leaves the worklist and claims nothing; it stays, with its audit trail, under Rejected.</p></form></details>`;
}

/** Where bills come in, for the hints on the pages. */
export interface IntakeInfo {
  readonly billsAddress: string;
  readonly smtp: string;
  readonly dropDir: string;
}

export const stateBadge = (s: BillState) => `<span class="state s-${esc(s)}" data-state="${esc(s)}">${esc(STATE_WORDS[s]?.label ?? s)}</span>`;

const money = formatMoney;

const plain = (code: string) => EXCEPTION_WORDS[code as ExceptionCode] ?? code;

function exceptionItem(e: BillException): string {
  // Messages usually name their line already ("line 2: …").
  const where = e.line && !e.message.startsWith(`line ${e.line}`) ? ` (line ${esc(e.line)})` : '';
  return `<li><strong>${esc(plain(e.code))}</strong>${where}: ${esc(e.message)} <span class="code muted">${esc(e.code)}</span></li>`;
}

// ---------------------------------------------------------------- bills

export function billPage(input: {
  bill: BillRecord;
  audit: readonly AuditRecord[];
  notice?: string | null;
  review?: ReviewFormState | null;
  /** A short-lived signed link to the original document. */
  documentUrl?: string | null;
  /** `Mon 08:00`: the approval request is held for quiet hours until then. */
  heldUntil?: string | null;
  /** The policy's time zone: instants are shown in it. @default 'UTC' */
  timezone?: string;
  /** The signed-in user, for what they may do. */
  user?: string | null;
  /** Signed approve / query / reject links for the signed-in user, when the bill waits on them. */
  actions?: { readonly approve: string; readonly query: string; readonly reject: string } | null;
}): string {
  const { bill: b, audit } = input;
  const tz = input.timezone ?? 'UTC';
  const time = (iso: string | null | undefined) => when(iso, tz);
  const c = b.canonical;
  const title = `${b.document_type === 'credit_note' ? 'Credit note' : 'Bill'} ${b.invoice_number ?? b.source.input}`;
  const summary = facts([
    ['State', `${stateBadge(b.state)} <span class="muted">${esc(STATE_WORDS[b.state]?.meaning ?? '')}</span>`],
    ['Vendor', b.vendor_id ? `${esc(b.supplier_name ?? '')} <span class="code">${esc(b.vendor_id)}</span>` : `${orDash(b.supplier_name)} <span class="muted">(not resolved)</span>`],
    ['Invoice number', orDash(b.invoice_number)],
    ['Issue date', day(b.issue_date)],
    ['Due date', day(b.canonical?.due_date ?? null)],
    ['Waiting on', waitingWords(b, input.user ?? null)],
    ['Total', money(b.total, b.currency)],
    ['Purchase order', b.po_number ? `${esc(b.po_number)}${b.po_inferred ? ' <span class="muted">(inferred: the bill names none)</span>' : ''}` : orDash(null)],
    ['Approvers', b.approvers.length ? b.approvers.map(esc).join(', ') : orDash(null)],
    ...(input.heldUntil
      ? ([['Approval request', `<span class="held" id="held">held until ${esc(input.heldUntil)}</span> <span class="muted">(quiet hours; it goes out then)</span>`]] as [string, string][])
      : b.notify_at
        ? ([['Notify approvers at', time(b.notify_at)]] as [string, string][])
        : []),
    ...(b.dismissed ? ([['Dismissed', `not a bill, by ${esc(b.dismissed.by)}: ${esc(b.dismissed.reason)}`]] as [string, string][]) : []),
    ...((b.revision ?? 1) > 1 ? ([['Version', esc(String(b.revision))]] as [string, string][]) : []),
    ...((b.approvals ?? []).length ? ([['Approvals given', (b.approvals ?? []).map((a) => `${esc(a.approver)} at ${time(a.at)}${a.reason ? `: ${esc(a.reason)}` : ''}`).join('<br>')]] as [string, string][]) : []),
    ['Received', time(b.created_at)],
    ['Last change', time(b.updated_at)],
    ['Bill id', `<span class="code">${esc(b.bill_id)}</span>`],
  ], 'summary');

  const exceptions = b.exceptions.length
    ? `<ul class="exceptions" id="exceptions">${b.exceptions.map(exceptionItem).join('')}</ul>`
    : `<p id="exceptions">None: the bill matches its purchase order, receipts and the policy.</p>`;

  const body = `<p><a href="/">← All bills</a></p>
<h1>${esc(title)}</h1>
${input.notice ? `<p class="notice" role="status">${esc(input.notice)}</p>` : ''}
${summary}
<h2 id="actions-h">What you can do</h2>${actionsView(b, input.user ?? null, input.actions ?? null)}
<h2 id="exceptions-h">Exceptions</h2>${exceptions}
${b.state === 'needs_review' && input.review !== null ? reviewForm(b, input.review ?? {}, { documentUrl: input.documentUrl ?? null, documentInline: inlineKind(b) }) + dismissForm(b) : input.documentUrl ? documentView(input.documentUrl, b) : ''}
<h2 id="match-h">Lines against the purchase order and receipts</h2>${matchTable(b)}
<h2 id="read-h">The bill as read</h2>${c ? canonicalView(b) : '<p>Nothing could be read from the document.</p>'}
<h2 id="versions-h">Versions</h2>${versionsView(b, audit, tz)}
<h2 id="source-h">Where it came from</h2>${sourceView(b)}
<h2 id="audit-h">Audit trail</h2>${auditTable(audit, tz)}
<p class="muted"><a href="/api/bills/${encodeURIComponent(b.bill_id)}">This bill as JSON</a></p>`;
  return layout(title, body, 'bills', { wide: true });
}

/** The original document inline: a PDF or image as the browser shows it, other formats (XML, CSV, JSON, email) as text in a sandbox. */
function documentView(url: string, b: BillRecord): string {
  const kind = inlineKind(b);
  if (kind) return documentPane(url, kind);
  return `<section aria-labelledby="document-h"><h2 id="document-h">The original document</h2><iframe class="document text" id="document" title="The original document" sandbox src="${esc(url)}"></iframe><p><a href="${esc(url)}" id="document-link" target="_blank" rel="noopener">Open the original document</a> <span class="muted">(the link works for a short while)</span></p></section>`;
}

function waitingWords(b: BillRecord, user: string | null): string {
  const w = waitingOn(b);
  const me = user?.toLowerCase();
  const who = (xs: readonly string[]) => xs.map((x) => (x === me ? '<strong>you</strong>' : esc(x))).join(', ');
  switch (w.kind) {
    case 'review':
      return 'A reviewer (AP clerk): the document must be checked';
    case 'approval':
      return w.who.length ? who(w.who) : 'its approvers';
    case 'supplier':
      return `the supplier's answer${w.who.length ? ` <span class="muted">(asked by ${who(w.who)})</span>` : ''}`;
    case 'payment':
      return 'the payment run';
    default:
      return 'nothing: it is closed';
  }
}

/** What the signed-in user may do with this bill, here or by the links the pipeline sent. */
function actionsView(b: BillRecord, user: string | null, links: { approve: string; query: string; reject: string } | null): string {
  const w = waitingOn(b);
  const me = user?.toLowerCase() ?? null;
  const items: string[] = [];
  if (b.state === 'needs_review') {
    items.push('<li><a href="#review">Correct what was misread and confirm</a>: the bill is decided again.</li>');
    items.push('<li>Dismiss it as not a bill (spam, a bounce, a junk upload), with a reason.</li>');
  } else if (w.kind === 'approval' && me && w.who.includes(me)) {
    if (links) {
      items.push(`<li><a href="${esc(links.approve)}" id="action-approve">Approve</a>${b.state === 'awaiting_approval' ? '' : ' (with a reason: the bill has exceptions)'}</li>`);
      items.push(`<li><a href="${esc(links.query)}" id="action-query">Ask the supplier</a>: the bill waits on the answer.</li>`);
      items.push(`<li><a href="${esc(links.reject)}" id="action-reject">Reject</a></li>`);
    } else items.push('<li>Approve, query or reject with the links in the approval email sent to you.</li>');
  } else if (w.kind === 'approval') {
    const own = me && (b.source.submitter?.toLowerCase() === me || b.reviewer?.toLowerCase() === me) ? ' You submitted or corrected it, so you may not approve it (segregation of duties).' : '';
    items.push(`<li>Nothing: it waits on ${w.who.map(esc).join(', ') || 'its approvers'}.${own}</li>`);
  } else if (b.state === 'waiting_on_supplier') {
    items.push('<li>Nothing yet: when the supplier answers or re-sends the bill it is decided again.</li>');
  } else items.push(`<li>Nothing: the bill is ${esc(STATE_WORDS[b.state]?.label.toLowerCase() ?? b.state)}.</li>`);
  return `<ul class="actions-list" id="actions">${items.join('')}</ul>`;
}

const VERSION_ACTIONS = new Set(['decided', 'reviewed', 'resent', 'rematched']);
const VERSION_WHY: Record<string, string> = { decided: 'First decided', reviewed: 'Corrected in review', resent: 'Re-sent by the supplier', rematched: 'Re-matched after master data changed' };

/**
 * The bill's versions: it is decided once, then again after a review, a supplier's corrected
 * re-send or a re-match. The store keeps the latest bill and, per version, its audit rows: each
 * says what changed (a review lists `field: old → new`), and the exceptions it ended with.
 */
function versionsView(b: BillRecord, audit: readonly AuditRecord[], tz: string): string {
  const versions = audit.filter((a) => VERSION_ACTIONS.has(a.action));
  if (versions.length === 0) return `<p id="versions">Version ${esc(b.revision ?? 1)}; no earlier version.</p>`;
  let before: readonly string[] | null = null;
  const rows = versions.map((a, i) => {
    const codes = [...new Set(a.codes ?? [])];
    const added = before ? codes.filter((c) => !before!.includes(c)) : [];
    const gone = before ? before.filter((c) => !codes.includes(c)) : [];
    before = codes;
    const diff = i === 0 ? '' : `${added.length ? `<br>New exceptions: ${added.map((c) => esc(codeWords(c))).join('; ')}` : ''}${gone.length ? `<br>No longer: ${gone.map((c) => esc(codeWords(c))).join('; ')}` : ''}${!added.length && !gone.length ? '<br><span class="muted">Same exceptions as before.</span>' : ''}`;
    return `<tr><th scope="row" data-label="Version">${i + 1}</th><td data-label="When">${when(a.at, tz)}</td><td data-label="Why">${esc(VERSION_WHY[a.action] ?? a.action)}</td><td data-label="Who">${esc(a.actor)}</td><td data-label="State">${a.from_state ? esc(STATE_WORDS[a.from_state]?.label ?? a.from_state) : '—'} → ${a.to_state ? esc(STATE_WORDS[a.to_state]?.label ?? a.to_state) : '—'}</td><td data-label="What changed">${esc(a.message)}${diff}</td></tr>`;
  });
  return table('Versions', ['Version', 'When', 'Why', 'Who', 'State', 'What changed'], rows, { id: 'versions', className: 'cards' });
}

function matchTable(b: BillRecord): string {
  if (b.match.length === 0) return `<p id="match">${b.po_number ? 'No line was matched.' : 'No purchase order to match against.'}</p>`;
  const lines = new Map((b.canonical?.lines ?? []).map((l) => [String(l.line_id), l]));
  const lineCodes = (id: string) => b.exceptions.filter((e) => e.line === id).map((e) => e.code);
  const rows = b.match.map((m: LineMatch) => {
    const codes = lineCodes(m.line_id);
    const verdict = codes.length ? codesInWords(codes) : m.po_line ? 'OK' : '—';
    return `<tr${codes.length ? ' class="bad-line"' : ''}>
<th scope="row">${esc(m.line_id)}</th><td>${orDash(lines.get(m.line_id)?.description)}</td>
<td class="num">${quantity(m.quantity)}</td><td class="num">${quantity(m.unit_price)}</td>
<td>${m.po_line ? `${esc(m.po_line)}${m.matched_by ? ` <span class="muted">by ${esc(m.matched_by.replace('_', ' '))}</span>` : ''}` : orDash(null)}</td>
<td class="num">${quantity(m.po_unit_price)}</td><td class="num">${quantity(m.price_limit)}</td>
<td class="num">${quantity(m.ordered)}</td><td class="num">${quantity(m.received)}</td><td class="num">${quantity(m.already_billed)}</td><td class="num">${quantity(m.available)}</td>
<td>${verdict}</td></tr>`;
  });
  const note = `<p class="muted">Price limit: the PO price plus the tolerance. Available: received (or ordered, where no receipt is needed) less what earlier bills billed.</p>`;
  return note + table(
    'Line match',
    ['Line', 'Description', { text: 'Qty', num: true }, { text: 'Unit price', num: true }, 'PO line', { text: 'PO price', num: true }, { text: 'Price limit', num: true }, { text: 'Ordered', num: true }, { text: 'Received', num: true }, { text: 'Billed before', num: true }, { text: 'Available', num: true }, 'Result'],
    rows,
    { id: 'match', caption: `Bill lines against purchase order ${b.po_number ?? '—'}` },
  );
}

function canonicalView(b: BillRecord): string {
  const c = b.canonical!;
  const s = c.supplier ?? {};
  const header = facts([
    ['Document type', esc(c.document_type ?? 'invoice')],
    ['Invoice number', orDash(c.invoice_number)],
    ['Issue date', orDash(c.issue_date)],
    ['Due date', orDash(c.due_date)],
    ['Currency', orDash(c.currency)],
    ['Supplier', orDash(s.name)],
    ['Supplier tax id', orDash(s.tax_id)],
    ['Supplier IBAN', orDash(s.iban)],
    ['Supplier email', orDash(s.email)],
    ['Buyer', orDash(c.buyer?.name)],
    ['PO reference', orDash(c.po_reference)],
    ...(c.notes ? ([['Notes', esc(c.notes)]] as [string, string][]) : []),
  ], 'read');
  const rows = (c.lines ?? []).map(
    (l) => `<tr><th scope="row">${esc(l.line_id)}</th><td class="code">${orDash(l.item_code)}</td><td>${orDash(l.description)}</td><td class="num">${esc(l.quantity)}</td><td>${orDash(l.unit_code)}</td><td class="num">${esc(l.unit_price)}</td><td class="num">${orDash(l.price_base_quantity)}</td><td>${orDash(l.po_line)}</td><td class="num">${esc(l.net_amount)}</td></tr>`,
  );
  const totals = facts(
    (
      [
        ['Net total', c.net_total],
        ['Allowances', c.allowance_total],
        ['Charges', c.charge_total],
        ['Tax', c.tax_total],
        ['Total', c.total],
        ['Prepaid', c.prepaid],
        ['Rounding', c.rounding],
        ['Payable', c.payable],
      ] as [string, unknown][]
    )
      .filter(([k, v]) => (v !== null && v !== undefined) || k === 'Total' || k === 'Net total')
      .map(([k, v]) => [k, money(v === null || v === undefined ? null : String(v), c.currency)] as [string, string]),
    'totals',
  );
  const tc = taxAndCharges(c);
  const taxAndChargesView = `<h3>Tax and charges</h3><ul id="tax">${tc.tax.map((t) => `<li>Tax ${esc(t)}</li>`).join('')}</ul><ul id="charges">${tc.charges.length ? tc.charges.map((t) => `<li>${esc(t)}</li>`).join('') : '<li>No charges</li>'}</ul>`;
  return `${header}<h3>Lines</h3>${table('Lines as read', ['Line', 'Item code', 'Description', { text: 'Qty', num: true }, 'Unit', { text: 'Unit price', num: true }, { text: 'Per', num: true }, 'PO line', { text: 'Net amount', num: true }], rows, { id: 'lines' })}<h3>Totals</h3>${totals}${taxAndChargesView}`;
}

function sourceView(b: BillRecord): string {
  const s = b.source;
  const e = (s.email ?? null) as { messageId?: unknown; from?: unknown; subject?: unknown; date?: unknown; verdicts?: Record<string, unknown> } | null;
  const pairs: [string, string][] = [
    ['Input', esc(s.input)],
    ['Format', `<span class="code">${esc(s.format)}</span>`],
    ['Part', `${esc(s.part)}${s.origin ? ` <span class="muted">(${esc(s.origin)})</span>` : ''}`],
    ['Submitted by', orDash(s.submitter)],
    ['Document SHA-256', `<span class="code">${esc(s.document_hash)}</span>`],
  ];
  if (e) {
    pairs.push(['Email from', orDash(e.from)], ['Email subject', orDash(e.subject)], ['Email date', orDash(e.date)], ['Message-ID', `<span class="code">${orDash(e.messageId)}</span>`]);
    const v = Object.entries(e.verdicts ?? {});
    if (v.length) pairs.push(['Verdicts', v.map(([k, x]) => `${esc(k)}: ${esc(x)}`).join(', ')]);
  }
  return facts(pairs, 'source');
}

function auditTable(audit: readonly AuditRecord[], tz = 'UTC'): string {
  const time = (iso: string) => when(iso, tz);
  if (audit.length === 0) return '<p id="audit">No audit rows.</p>';
  const rows = audit.map(
    (a) => `<tr><td class="num">${esc(a.seq)}</td><td>${time(a.at)}</td><td>${esc(a.actor)}</td><td class="code">${esc(a.action)}</td><td>${a.from_state ? esc(STATE_WORDS[a.from_state]?.label ?? a.from_state) : '—'} → ${a.to_state ? esc(STATE_WORDS[a.to_state]?.label ?? a.to_state) : '—'}</td><td>${esc(a.message)}${a.codes?.length ? ` <span class="muted">(${[...new Set(a.codes)].map((c) => esc(codeWords(c))).join('; ')})</span>` : ''}</td></tr>`,
  );
  return table('Audit trail', [{ text: '#', num: true }, 'When', 'Who', 'What', 'State', 'Details'], rows, { id: 'audit' });
}

// ---------------------------------------------------------------- outbox

/** An approval request not sent yet: held for quiet hours. */
export interface HeldRequest {
  readonly billId: string;
  readonly to: string;
  readonly subject: string;
  /** `Mon 08:00` */
  readonly until: string;
}

export function outboxListPage(entries: readonly OutboxEntry[], dir: string, held: readonly HeldRequest[] = []): string {
  const rows = entries.map(
    (m) => `<tr><td>${time(m.date)}</td><td>${esc(m.to)}</td><td><a href="/outbox/${encodeURIComponent(m.file)}">${esc(m.subject || '(no subject)')}</a></td><td class="code">${orDash(m.tag)}</td><td>${m.billId ? `<a href="/bills/${encodeURIComponent(m.billId)}">bill</a>` : orDash(null)}</td></tr>`,
  );
  const heldRows = held.map(
    (h) => `<tr class="held-row"><td><span class="held">held until ${esc(h.until)}</span></td><td>${esc(h.to)}</td><td>${esc(h.subject)}</td><td class="code">approval-request</td><td><a href="/bills/${encodeURIComponent(h.billId)}">bill</a></td></tr>`,
  );
  const heldTable = held.length
    ? `<h2 id="held-h">Held for quiet hours</h2><p class="muted">Approval requests are never sent inside the policy's quiet hours; these go out then.</p>${table('Held', ['When', 'To', 'About', 'Kind', 'Bill'], heldRows, { id: 'held' })}`
    : '';
  const body = `<h1>Outbox</h1><p class="muted">Every email the pipeline sends is written here instead: <code>${esc(dir)}</code>. Each is a standard <code>.eml</code> file that any mail program opens.</p>
${heldTable}
${entries.length ? table('Outbox', ['Sent', 'To', 'Subject', 'Kind', 'About'], rows, { id: 'outbox' }) : '<p>No emails sent yet.</p>'}`;
  return layout('Outbox', body, 'outbox');
}

export function outboxMessagePage(m: OutboxMessage): string {
  const head = facts([
    ['From', esc(m.from)],
    ['To', esc(m.to)],
    ['Subject', esc(m.subject)],
    ['Date', time(m.date)],
    ['Kind', orDash(m.tag)],
    ...(m.billId ? ([['About', `<a href="/bills/${encodeURIComponent(m.billId)}">bill ${esc(m.billId)}</a>`]] as [string, string][]) : []),
    ['Message-ID', `<span class="code">${orDash(m.messageId)}</span>`],
    ...(m.attachments.length ? ([['Attachments', m.attachments.map((a) => `${esc(a.filename)} <span class="muted">(${esc(a.contentType)}, ${esc(a.size)} bytes)</span>`).join('<br>')]] as [string, string][]) : []),
  ], 'headers');
  // The HTML part runs in a sandbox: no scripts, no same-origin access; links open in a new tab.
  const html = m.html
    ? `<h2>As the recipient sees it</h2><iframe class="mail" id="mail-html" title="The email's HTML part" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" srcdoc="${esc(`<base target="_blank">${m.html}`)}"></iframe>`
    : '';
  const text = m.text ? `<h2>Text part</h2><pre class="mail" id="mail-text">${esc(m.text)}</pre>` : '';
  const body = `<p><a href="/outbox">← Outbox</a></p><h1>${esc(m.subject || '(no subject)')}</h1>${head}${html}${text}
<p class="muted"><a href="/outbox/${encodeURIComponent(m.file)}/raw">Download the .eml file</a></p>`;
  return layout(m.subject || 'Email', body, 'outbox');
}

// ---------------------------------------------------------------- upload

export function uploadPage(intake: IntakeInfo, problem?: string): string {
  const body = `<h1>Upload a bill</h1>
${problem ? `<p class="notice bad" role="alert">${esc(problem)}</p>` : ''}
<form class="upload" method="post" action="/upload" enctype="multipart/form-data">
<div><label for="file"><strong>Bill file</strong></label><br>
<span class="muted" id="file-hint">E-invoice XML (UBL, CII, XRechnung), Factur-X or other PDF, X12 810 (.edi, .x12), CSV, <code>.bill.json</code>, or an email (.eml).</span><br>
<input type="file" id="file" name="file" required aria-describedby="file-hint" accept=".xml,.pdf,.edi,.x12,.csv,.json,.eml,.txt,.zip"></div>
<div><button type="submit" id="submit">Upload and decide</button></div>
</form>
<p class="muted">The file goes through the same workflow as a bill that arrives by email; the page then shows the bill and its outcome. Other ways in: mail it to <strong>${esc(intake.billsAddress)}</strong> (SMTP ${esc(intake.smtp)}) or copy it into <code>${esc(intake.dropDir)}</code>.</p>`;
  return layout('Upload a bill', body, 'upload');
}

export function errorPage(status: number, message: string): string {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'Not possible';
  return layout(title, `<h1>${esc(title)}</h1><p role="alert">${esc(message)}</p><p><a href="/">All bills</a></p>`);
}
