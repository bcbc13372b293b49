/**
 * The review form of a `needs_review` bill on the local web page: the header fields, the totals
 * and the lines, prefilled with the bill as read; fields the reader was unsure of (or that an
 * exception names) are marked. Confirming posts the whole form; `correctedBill` turns it back into
 * a canonical bill (fields the form does not show are kept as read).
 */
import type { CanonicalBill } from '../../../core/bill.ts';
import type { BillRecord } from '../../../core/ports/store.ts';
import { esc } from './html.ts';

const HEADER: readonly (readonly [path: string, label: string, hint?: string])[] = [
  ['invoice_number', 'Invoice number'],
  ['issue_date', 'Issue date', 'YYYY-MM-DD'],
  ['due_date', 'Due date', 'YYYY-MM-DD'],
  ['currency', 'Currency', 'ISO 4217, e.g. EUR'],
  ['supplier.name', 'Supplier name'],
  ['supplier.tax_id', 'Supplier VAT id'],
  ['supplier.iban', 'Supplier IBAN'],
  ['po_reference', 'PO reference'],
  ['net_total', 'Net total'],
  ['tax_total', 'Tax total'],
  ['total', 'Total'],
];

const LINE: readonly (readonly [key: string, label: string])[] = [
  ['line_id', 'Line'],
  ['item_code', 'Item code'],
  ['description', 'Description'],
  ['quantity', 'Qty'],
  ['unit_code', 'Unit'],
  ['unit_price', 'Unit price'],
  ['po_line', 'PO line'],
  ['net_amount', 'Net amount'],
];

/** Blank line rows offered after the lines as read (a line the reader missed). */
const EXTRA_LINES = 2;

export interface ReviewFormState {
  /** What was posted, to show again with the problems. */
  readonly values?: Readonly<Record<string, string>>;
  readonly problems?: readonly { readonly field: string; readonly message: string }[];
  readonly message?: string;
}

function get(obj: unknown, path: string): string {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v === null || v === undefined ? '' : String(v);
}

/** Field paths the reader was unsure of: under the confidence threshold or named by an exception. */
function doubtful(bill: BillRecord): Set<string> {
  const out = new Set<string>();
  for (const e of bill.exceptions) {
    const m = /\bfield (\S+?):/.exec(e.message);
    if (m) out.add(m[1]!);
  }
  return out;
}

export interface ReviewFormOptions {
  /** Where the form posts. @default the local page's `/bills/ID/review` */
  readonly action?: string;
  /** The reviewer is known (the person a review link was sent to): shown, not asked. */
  readonly reviewer?: string | null;
  /** A short-lived link to the original document, shown beside the fields. */
  readonly documentUrl?: string | null;
  /** The document's type, when known: PDFs and images show inline. */
  readonly documentInline?: 'pdf' | 'image' | null;
}

/** The original document beside the form: a PDF in a frame, an image, or a link. */
export function documentPane(url: string, inline: 'pdf' | 'image' | null | undefined): string {
  const view =
    inline === 'image'
      ? `<img class="document" id="document" src="${esc(url)}" alt="The original document">`
      : inline === 'pdf'
        ? `<iframe class="document" id="document" title="The original document" src="${esc(url)}"></iframe>`
        : '';
  return `<section aria-labelledby="document-h"><h2 id="document-h">The original document</h2>${view}<p><a href="${esc(url)}" id="document-link" target="_blank" rel="noopener">Open the original document</a> <span class="muted">(the link works for a short while)</span></p></section>`;
}

export function reviewForm(bill: BillRecord, state: ReviewFormState = {}, options: ReviewFormOptions = {}): string {
  const c: CanonicalBill = bill.canonical ?? {};
  const posted = state.values;
  const value = (name: string, fallback: string) => (posted ? (posted[name] ?? '') : fallback);
  const unsure = doubtful(bill);
  const bad = new Map<string, string>();
  for (const p of state.problems ?? []) bad.set(p.field, `${bad.has(p.field) ? `${bad.get(p.field)}; ` : ''}${p.message}`);
  const input = (name: string, label: string, current: string, hint?: string) => {
    const id = `f-${name.replace(/[^a-z0-9]+/gi, '-')}`;
    const problem = bad.get(name);
    const low = unsure.has(name) || [...unsure].some((u) => u.startsWith(`${name}.`));
    const desc = [hint ? `${id}-hint` : '', problem ? `${id}-err` : ''].filter(Boolean).join(' ');
    return `<div class="field${low ? ' low' : ''}${problem ? ' err' : ''}"><label for="${id}">${esc(label)}${low ? ' <span class="muted">(check: the reader was unsure)</span>' : ''}</label>
<input id="${id}" name="${esc(name)}" value="${esc(current)}"${desc ? ` aria-describedby="${desc}"` : ''}${problem ? ' aria-invalid="true"' : ''}>
${hint ? `<span class="muted" id="${id}-hint">${esc(hint)}</span>` : ''}${problem ? `<span class="problem" id="${id}-err">${esc(problem)}</span>` : ''}</div>`;
  };

  const header = HEADER.map(([path, label, hint]) => input(path, label, value(path, get(c, path)), hint)).join('\n');
  const lines = c.lines ?? [];
  const rowCount = Math.max(lines.length + EXTRA_LINES, posted ? lineCount(posted) : 0);
  const rows: string[] = [];
  for (let i = 0; i < rowCount; i++) {
    const cells = LINE.map(([key, label]) => {
      const name = `lines[${i}].${key}`;
      const problem = bad.get(name);
      const low = unsure.has(name);
      return `<td${low ? ' class="low"' : ''}><input name="${esc(name)}" aria-label="${esc(`${label}, row ${i + 1}`)}" value="${esc(value(name, get(lines[i], key)))}"${problem ? ` aria-invalid="true" title="${esc(problem)}"` : ''}></td>`;
    });
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  const problems = state.problems?.length || state.message
    ? `<div class="notice bad" role="alert" id="review-problems"><p>${esc(state.message ?? 'The corrected bill has problems; nothing was changed.')}</p>${state.problems?.length ? `<ul>${state.problems.map((p) => `<li><span class="code">${esc(p.field)}</span>: ${esc(p.message)}</li>`).join('')}</ul>` : ''}</div>`
    : '';
  // Never a name typed into the form: the person a review link was sent to, or the signed-in user.
  const reviewerField = options.reviewer
    ? `<p class="muted">Reviewing as <strong>${esc(options.reviewer)}</strong> (the person this link was sent to).</p>`
    : '<p class="hint">Confirmed in your name, the signed-in user: you will not be asked to approve this bill.</p>';
  const form = `<h2 id="review-h">Review and correct</h2>
<p>Correct what the reader got wrong, then confirm: the bill is decided again by the same rules, as a new version, and the audit trail records who changed which field. A row left empty is ignored.</p>
${problems}
<form class="review" method="post" action="${esc(options.action ?? `/bills/${encodeURIComponent(bill.bill_id)}/review`)}" id="review">
<input type="hidden" name="version" value="${esc(String(bill.version))}">
<div class="fields">${header}</div>
<div class="scroll"><table id="review-lines"><caption>Lines</caption><thead><tr>${LINE.map(([, l]) => `<th scope="col">${esc(l)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>
<div class="fields">${input('note', 'Note for the audit trail (optional)', posted?.note ?? '')}</div>
${reviewerField}
<div><button type="submit" id="confirm-review">Confirm and decide again</button></div>
</form>`;
  if (!options.documentUrl) return form;
  return `<div class="review-with-doc"><div>${form}</div>${documentPane(options.documentUrl, options.documentInline)}</div>`;
}

function lineCount(values: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const k of Object.keys(values)) {
    const m = /^lines\[(\d+)\]\./.exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/** The posted form as a canonical bill: the bill as read, with every shown field as posted. */
export function correctedBill(read: CanonicalBill | null, form: Readonly<Record<string, string>>): CanonicalBill {
  const out = structuredClone(read ?? {}) as Record<string, unknown>;
  const val = (name: string) => {
    const v = (form[name] ?? '').trim();
    return v === '' ? null : v;
  };
  for (const [path] of HEADER) {
    const [a, b] = path.split('.');
    if (b) {
      const party = { ...((out[a!] as Record<string, unknown> | null | undefined) ?? {}) };
      party[b] = val(path);
      out[a!] = party;
    } else out[a!] = val(path);
  }
  const readLines = (read?.lines ?? []) as Record<string, unknown>[];
  const lines: Record<string, unknown>[] = [];
  for (let i = 0; i < lineCount(form); i++) {
    const cells = Object.fromEntries(LINE.map(([key]) => [key, val(`lines[${i}].${key}`)]));
    if (Object.values(cells).every((v) => v === null)) continue;
    lines.push({ ...(readLines[i] ?? {}), ...cells });
  }
  out.lines = lines;
  return out as CanonicalBill;
}
