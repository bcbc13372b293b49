/**
 * `/wait?t=…`: the answer about a bill that waits on its supplier, from the reminder email —
 * resume it with a note (decided again as it stands, its approvers asked) or reject it. GET shows
 * the choice and changes nothing; POST decides; a second click shows what was decided.
 */
import { actOnWaitLink, viewWaitLink, type WaitDeps, type WaitView } from '../core/supplier-wait.ts';
import { STATE_WORDS } from '../core/words.ts';
import { esc, facts, orDash, publicLayout } from '../adapters/local/web/html.ts';

export interface Page {
  readonly status: number;
  readonly html: string;
}

function render(v: WaitView, token: string): Page {
  if (v.kind === 'refused') {
    return { status: 409, html: publicLayout('Nothing was changed', `<h1>Nothing was changed</h1><p class="notice bad" id="reason" role="alert">${esc(v.reason)}</p>`) };
  }
  const b = v.bill;
  const summary = facts([
    ['Supplier', orDash(b.supplier_name ?? b.vendor_id)],
    ['Invoice', orDash(b.invoice_number)],
    ['Total', `${orDash(b.total)} ${esc(b.currency ?? '')}`],
    ['State', `<span id="state">${esc(STATE_WORDS[b.state].label)}</span>`],
    ...(b.queried ? ([['Question to the supplier', `${esc(b.queried.message)} <span class="muted">(${esc(b.queried.by)})</span>`]] as [string, string][]) : []),
  ]);
  if (v.kind === 'done') return { status: 200, html: publicLayout('Done', `<h1>Done</h1><p class="notice" id="result" role="status">${esc(v.message)}</p>${summary}`) };
  const form = `<form method="post" action="?t=${encodeURIComponent(token)}" class="review">
<p><label for="note">Note for the audit trail (what the supplier said, or why)</label><br><textarea id="note" name="note" required style="width:100%;min-height:5rem;font:inherit"></textarea></p>
<p><button type="submit" name="decision" value="resume" id="resume">Resume: decide it again as it stands</button></p>
<p><button type="submit" name="decision" value="reject" id="reject" style="background:#cf222e;border-color:#cf222e">Reject the bill</button></p></form>`;
  return { status: 200, html: publicLayout('Waiting on the supplier', `<h1>This bill waits on its supplier</h1><p class="muted">You answer as ${esc(v.person)}.</p>${summary}${form}`) };
}

export async function handleWait(method: string, token: string | null, form: Record<string, string>, deps: WaitDeps): Promise<Page> {
  if (!token) return render({ kind: 'refused', reason: 'This address carries no token.' }, '');
  if (method === 'GET' || method === 'HEAD') return render(await viewWaitLink(token, deps), token);
  if (method === 'POST') return render(await actOnWaitLink(token, { decision: form.decision, note: form.note }, deps), token);
  return { status: 405, html: publicLayout('Not allowed', '<h1>Not allowed</h1>') };
}
