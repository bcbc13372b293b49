/**
 * The pages behind an approval link: a confirmation form on GET (mail scanners prefetch links,
 * so GET never changes anything), the result on POST, and a plain page saying why when a link
 * is refused. Plain, accessible HTML that works on a phone.
 */
import { actOnLink, viewLink, type ApprovalDeps, type LinkView } from '../core/approvals.ts';

export interface Page {
  readonly status: number;
  readonly html: string;
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#111}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}textarea{width:100%;min-height:6rem;font:inherit}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1a7f37;color:#fff;cursor:pointer}.reject button{background:#cf222e}.query button{background:#9a6700}
.note{color:#555}.refused{border-left:4px solid #cf222e;padding-left:.8rem}</style></head><body><main>${body}</main></body></html>`;
}

const ACTION_LABEL = { approve: 'Approve', query: 'Query the supplier', reject: 'Reject' } as const;

function summary(v: Extract<LinkView, { bill: unknown }>): string {
  const b = v.bill!;
  return `<dl><dt>Supplier</dt><dd>${esc(b.supplier_name ?? b.vendor_id ?? '—')}</dd><dt>Invoice</dt><dd>${esc(b.invoice_number ?? '—')}</dd>
<dt>Total</dt><dd>${esc(b.total ?? '—')} ${esc(b.currency ?? '')}</dd><dt>Purchase order</dt><dd>${esc(b.po_number ?? 'none')}</dd><dt>State</dt><dd id="state">${esc(b.state.replace(/_/g, ' '))}</dd></dl>
${b.exceptions.length ? `<h2>Exceptions</h2><ul>${b.exceptions.map((e) => `<li><strong>${esc(e.code)}</strong>: ${esc(e.message)}</li>`).join('')}</ul>` : ''}`;
}

export function renderLinkView(v: LinkView, token: string): Page {
  if (v.kind === 'refused' && v.decided) {
    return { status: 200, html: layout('Already decided', `<h1>Already decided</h1><p id="result">${esc(v.reason)}</p>${v.bill ? summary(v as never) : ''}`) };
  }
  if (v.kind === 'refused') {
    return { status: 409, html: layout('Nothing was changed', `<h1>Nothing was changed</h1><p class="refused" id="reason">${esc(v.reason)}</p>${v.bill ? summary(v as never) : ''}`) };
  }
  if (v.kind === 'done') {
    return { status: 200, html: layout('Done', `<h1>Done</h1><p id="result">${esc(v.message)}</p>${summary(v)}`) };
  }
  const field =
    v.needs === 'reason'
      ? `<p><label for="reason">Reason (required)</label><br><textarea id="reason" name="reason" required></textarea></p>`
      : v.needs === 'message'
        ? `<p><label for="message">Message to the supplier (required)</label><br><textarea id="message" name="message" required></textarea></p>`
        : v.action === 'reject'
          ? `<p><label for="reason">Reason (optional, sent to the supplier)</label><br><textarea id="reason" name="reason"></textarea></p>`
          : '';
  const body = `<h1>${esc(ACTION_LABEL[v.action])}?</h1><p class="note">You are signed in by this link as ${esc(v.approver)}.</p>${summary(v)}
<form method="post" class="${v.action}" action="?t=${encodeURIComponent(token)}">${field}<button type="submit" id="confirm">Confirm: ${esc(ACTION_LABEL[v.action].toLowerCase())}</button></form>`;
  return { status: 200, html: layout(ACTION_LABEL[v.action], body) };
}

/** One request to the ack endpoint: GET shows, POST acts. */
export async function handleAck(method: string, token: string | null, form: { reason?: string; message?: string }, deps: ApprovalDeps): Promise<Page> {
  if (!token) return { status: 400, html: layout('Not a valid link', '<h1>Not a valid link</h1><p class="refused" id="reason">This address carries no approval token.</p>') };
  if (method === 'GET' || method === 'HEAD') return renderLinkView(await viewLink(token, deps), token);
  if (method === 'POST') return renderLinkView(await actOnLink(token, form, deps), token);
  return { status: 405, html: layout('Not allowed', '<h1>Not allowed</h1>') };
}
