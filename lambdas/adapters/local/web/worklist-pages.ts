/** The AP workspace's lists: the worklist (my work, then all bills) and the master data pages. */
import type { BillPage, BillQuery, StateCounts } from '../../../core/ports/store.ts';
import { EXCEPTION_CODES } from '../../../core/exceptions.ts';
import type { GoodsReceipt, Policy, PurchaseOrder, Vendor } from '../../../core/master.ts';
import { Decimal } from '../../../core/money.ts';
import { BILL_STATES, type BillState } from '../../../core/route.ts';
import { STATE_WORDS } from '../../../core/words.ts';
import type { BillRow } from '../../../core/worklist.ts';
import type { ImportHistory, MasterAuditRow } from '../../../lanes/master-drop.ts';
import { esc, facts, layout, orDash, table } from './html.ts';
import { codeWords, codesInWords, day, money, quantity, when } from './format.ts';

export const stateBadge = (s: BillState) => `<span class="state s-${esc(s)}" data-state="${esc(s)}">${esc(STATE_WORDS[s]?.label ?? s)}</span>`;

/** The worklist's filters as they appear in the page's URL. */
export interface WorklistParams {
  readonly q?: string;
  readonly state?: BillState;
  readonly code?: string;
  readonly vendor?: string;
  /** YYYY-MM-DD, policy time zone, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly min?: string;
  readonly max?: string;
  readonly sort?: NonNullable<BillQuery['sort']>;
  readonly mine?: '1';
}

export function paramsHref(p: WorklistParams, extra: Record<string, string> = {}): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...p, ...extra })) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `/?${s}` : '/';
}

/** Who or what a bill waits on, in words; "you" where it is the signed-in user. */
export function waitingText(r: BillRow, user: string | null): string {
  const me = user?.toLowerCase();
  switch (r.waiting.kind) {
    case 'review':
      return 'A reviewer (AP clerk)';
    case 'approval':
      return r.waiting.who.length ? r.waiting.who.map((w) => (w === me ? '<strong>you</strong>' : esc(w))).join(', ') : 'Its approvers';
    case 'supplier':
      return `The supplier${r.waiting.who[0] ? ` <span class="muted">(asked by ${r.waiting.who[0] === me ? 'you' : esc(r.waiting.who[0])})</span>` : ''}`;
    case 'payment':
      return 'The payment run';
    default:
      return orDash(null);
  }
}

function dueCell(r: BillRow, today: string): string {
  if (!r.due_date) return orDash(null);
  const open = r.state !== 'ready_for_payment' && r.state !== 'rejected';
  const overdue = open && r.due_date < today;
  return `${day(r.due_date)}${overdue ? ' <span class="overdue">overdue</span>' : ''}`;
}

function vendorCell(r: BillRow): string {
  if (r.vendor_id) return `<a href="/master/vendors/${encodeURIComponent(r.vendor_id)}">${esc(r.supplier_name ?? r.vendor_id)}</a>`;
  return `${orDash(r.supplier_name)}${r.supplier_name ? ' <span class="muted">(not in the vendor list)</span>' : ''}`;
}

export function billRows(rows: readonly BillRow[], ctx: { timezone: string; user: string | null; today: string }): string[] {
  return rows.map(
    (r) => `<tr data-bill="${esc(r.bill_id)}">
<td data-label="Received">${when(r.created_at, ctx.timezone)}</td>
<td data-label="State">${stateBadge(r.state)}</td>
<td data-label="Vendor">${vendorCell(r)}</td>
<td data-label="Invoice"><a href="/bills/${encodeURIComponent(r.bill_id)}">${r.invoice_number ? esc(r.invoice_number) : `<span class="muted">${esc(r.source)}</span>`}</a>${r.document_type === 'credit_note' ? ' <span class="muted">(credit note)</span>' : ''}</td>
<td data-label="Total" class="num">${money(r.total, r.currency)}</td>
<td data-label="Waiting on" class="waiting">${waitingText(r, ctx.user)}</td>
<td data-label="Due">${dueCell(r, ctx.today)}</td>
<td data-label="Exceptions">${codesInWords(r.codes)}</td>
</tr>`,
  );
}

const HEAD = ['Received', 'State', 'Vendor', 'Invoice', { text: 'Total', num: true } as const, 'Waiting on', 'Due', 'Exceptions'];

export interface WorklistView {
  readonly params: WorklistParams;
  readonly user: string | null;
  readonly timezone: string;
  /** Today in the policy time zone (YYYY-MM-DD): what is overdue. */
  readonly today: string;
  readonly mine: BillPage | null;
  readonly page: BillPage;
  readonly counts: StateCounts;
  readonly vendors: readonly Vendor[];
  readonly notice?: string | null;
  /** Shown where the list is empty because nothing came in yet. */
  readonly emptyHint: string;
}

export function worklistPage(v: WorklistView): string {
  const p = v.params;
  const ctx = { timezone: v.timezone, user: v.user, today: v.today };
  const total = BILL_STATES.reduce((n, s) => n + (v.counts.counts[s] ?? 0), 0);
  const more = v.counts.capped.length > 0;
  const chip = (href: string, label: string, n: number, plus: boolean, current: boolean) =>
    `<li><a href="${esc(href)}"${current ? ' aria-current="true"' : ''}>${esc(label)} <span class="count" data-count="${esc(n)}${plus ? '+' : ''}">${esc(n.toLocaleString('en-GB'))}${plus ? '+' : ''}</span></a></li>`;
  const chips = `<nav aria-label="Bills by state"><ul class="filters" id="counts">${chip(paramsHref({ ...p, state: undefined }), 'All', total, more, !p.state)}${BILL_STATES.map((s) =>
    chip(paramsHref({ ...p, state: s }), STATE_WORDS[s].label, v.counts.counts[s] ?? 0, v.counts.capped.includes(s), p.state === s),
  ).join('')}</ul></nav>`;

  const opt = (value: string, label: string, current: string | undefined) => `<option value="${esc(value)}"${current === value ? ' selected' : ''}>${esc(label)}</option>`;
  const form = `<form class="worklist-filters" method="get" action="/" role="search" aria-label="Search and filter bills">
${p.mine ? '<input type="hidden" name="mine" value="1">' : ''}
<div class="field wide"><label for="q">Search</label><input id="q" name="q" type="search" value="${esc(p.q ?? '')}" placeholder="Invoice number, PO or vendor name" autocomplete="off"></div>
<div class="field"><label for="f-state">State</label><select id="f-state" name="state">${opt('', 'Any state', p.state ?? '')}${BILL_STATES.map((s) => opt(s, STATE_WORDS[s].label, p.state)).join('')}</select></div>
<div class="field"><label for="f-code">Exception</label><select id="f-code" name="code">${opt('', 'Any', p.code ?? '')}${EXCEPTION_CODES.map((c) => opt(c, codeWords(c), p.code)).join('')}</select></div>
<div class="field"><label for="f-vendor">Vendor</label><select id="f-vendor" name="vendor">${opt('', 'Any vendor', p.vendor ?? '')}${v.vendors.map((x) => opt(x.vendor_id, `${x.name} (${x.vendor_id})`, p.vendor)).join('')}</select></div>
<div class="field"><label for="f-from">Received from</label><input id="f-from" name="from" type="date" value="${esc(p.from ?? '')}"></div>
<div class="field"><label for="f-to">Received until</label><input id="f-to" name="to" type="date" value="${esc(p.to ?? '')}"></div>
<div class="field"><label for="f-min">Total from</label><input id="f-min" name="min" inputmode="decimal" value="${esc(p.min ?? '')}" pattern="-?[0-9]+([.][0-9]+)?"></div>
<div class="field"><label for="f-max">Total up to</label><input id="f-max" name="max" inputmode="decimal" value="${esc(p.max ?? '')}" pattern="-?[0-9]+([.][0-9]+)?"></div>
<div class="field"><label for="f-sort">Sort</label><select id="f-sort" name="sort">${opt('newest', 'Newest first', p.sort ?? 'newest')}${opt('oldest', 'Oldest first', p.sort)}${opt('amount_desc', 'Largest total first', p.sort)}${opt('amount_asc', 'Smallest total first', p.sort)}</select></div>
<div class="field actions"><button type="submit" id="apply">Apply</button> <a href="${p.mine ? '/?mine=1' : '/'}">Clear</a></div>
</form>`;

  const pager = (page: BillPage, id: string) => {
    if (!page.next && !page.prev) return '';
    const link = (cursor: string | null, label: string, rel: string) => (cursor ? `<a href="${esc(paramsHref(p, { after: cursor }))}" rel="${rel}">${label}</a>` : `<span class="muted">${label}</span>`);
    return `<nav class="pager" aria-label="Pages of ${esc(id)}">${link(page.prev, '← Previous', 'prev')}${link(page.next, 'Next →', 'next')}</nav>`;
  };

  const myWork = v.mine
    ? `<section aria-labelledby="mywork-h" id="mywork"><h2 id="mywork-h">My work <span class="muted">(${esc(v.user ?? '')})</span></h2>
${v.mine.rows.length ? table('My work', HEAD, billRows(v.mine.rows, ctx), { id: 'mywork-table', className: 'cards' }) + (v.mine.next ? `<p><a href="/?mine=1&amp;sort=oldest">All my work →</a></p>` : '') : '<p>Nothing waits on you: no bill to approve and none to review.</p>'}
<p class="muted">Bills whose approval waits on you (or on someone you stand in for), and bills to review, oldest first.</p></section>`
    : '';

  const heading = p.mine ? 'My work' : 'All bills';
  const sortNote = p.sort && v.page.sortUsed !== p.sort ? `<p class="notice" role="status">A search lists bills newest or oldest first only: sorted ${v.page.sortUsed === 'oldest' ? 'oldest' : 'newest'} first.</p>` : '';
  const list = v.page.rows.length
    ? table(heading, HEAD, billRows(v.page.rows, ctx), { id: 'bills', className: 'cards' })
    : total === 0
      ? `<p id="bills-empty">${v.emptyHint}</p>`
      : '<p id="bills-empty">No bill matches these filters.</p>';
  const body = `<h1>Bills</h1>
${v.notice ? `<p class="notice" role="status">${esc(v.notice)}</p>` : ''}
${myWork}
<section aria-labelledby="all-h"><h2 id="all-h">${esc(heading)}</h2>
${chips}
${form}
${sortNote}
${list}
${pager(v.page, heading.toLowerCase())}</section>`;
  return layout(p.state ? `Bills: ${STATE_WORDS[p.state].label}` : 'Bills', body, 'bills');
}

// ---------------------------------------------------------------- master data

export interface MasterContext {
  readonly timezone: string;
  readonly imports: readonly ImportHistory[];
}

const masterNav = (current: string) =>
  `<nav aria-label="Master data"><ul class="filters">${[
    ['/master', 'Overview'],
    ['/master/vendors', 'Vendors'],
    ['/master/purchase-orders', 'Purchase orders'],
    ['/master/receipts', 'Goods receipts'],
    ['/master/policy', 'Policy'],
  ]
    .map(([href, label]) => `<li><a href="${href}"${href === current ? ' aria-current="true"' : ''}>${label}</a></li>`)
    .join('')}</ul></nav>`;

function importHistory(imports: readonly ImportHistory[], tz: string, limit = 20): string {
  if (imports.length === 0) return '<p id="imports">No import recorded yet.</p>';
  const rows = imports.slice(0, limit).map(
    (h) => `<tr><td data-label="When">${when(h.at, tz)}</td><td data-label="By">${esc(h.by ?? h.source)}</td><td data-label="Outcome">${h.status === 'imported' ? 'Imported' : `<strong>Refused</strong>: ${esc(h.problem_count)} problem${h.problem_count === 1 ? '' : 's'}`}</td><td data-label="Files">${esc(h.files.join(', '))}</td><td data-label="Changes">${h.changes ? `${esc(h.changes.created)} created, ${esc(h.changes.changed)} changed` : orDash(null)}</td><td data-label="Source" class="code">${esc(h.source)}</td></tr>`,
  );
  return table('Import history', ['When', 'By', 'Outcome', 'Files', 'Changes', 'Source'], rows, { id: 'imports', className: 'cards' });
}

/** Fields whose change matters most (bank details, caps, the blocklist, approvers, policy values): marked. */
const SENSITIVE = /^(iban|authorization_cap|blocked|approver|admin_approver|second_approver|backup_approvers|category_approvers|auto_approve_max|dual_approval_threshold|price_tolerance_pct|quantity_tolerance_pct|delegates)/;

export function auditRows(rows: readonly MasterAuditRow[], tz: string): string {
  if (rows.length === 0) return '<p id="changes">No change recorded since the first import.</p>';
  const out: string[] = [];
  for (const r of [...rows].reverse()) {
    const who = esc(r.by ?? r.source);
    if (r.action === 'created' && r.changes.length > 8) {
      out.push(`<tr><td data-label="When">${when(r.at, tz)}</td><td data-label="By">${who}</td><td data-label="Field">created</td><td data-label="Old → new">${esc(r.changes.length)} fields</td></tr>`);
      continue;
    }
    for (const c of r.changes) {
      out.push(
        `<tr${SENSITIVE.test(c.field) ? ' class="sensitive"' : ''}><td data-label="When">${when(r.at, tz)}</td><td data-label="By">${who}</td><td data-label="Field" class="code">${esc(c.field)}</td><td data-label="Old → new">${c.old === null ? '<span class="muted">(none)</span>' : esc(c.old)} → ${c.new === null ? '<span class="muted">(none)</span>' : esc(c.new)}</td></tr>`,
      );
    }
  }
  return table('Changes', ['When', 'Imported by', 'Field', 'Old → new'], out, { id: 'changes', className: 'cards' });
}

export function masterOverviewPage(c: MasterContext & { vendors: number; purchaseOrders: number; receipts: number }): string {
  const body = `<h1>Master data</h1>${masterNav('/master')}
<p>Vendors, purchase orders, goods receipts and the policy as last imported (<code>bm import</code>, the master-data drop folder or the synced sheet). Read-only: change them at the source and import again.</p>
${facts([
  ['Vendors', `<a href="/master/vendors">${esc(c.vendors)}</a>`],
  ['Purchase orders', `<a href="/master/purchase-orders">${esc(c.purchaseOrders)}</a>`],
  ['Goods receipts', `<a href="/master/receipts">${esc(c.receipts)}</a>`],
  ['Policy', '<a href="/master/policy">approval limits, tolerances, approvers</a>'],
])}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone, 100)}`;
  return layout('Master data', body, 'master');
}

export function vendorsPage(c: MasterContext & { vendors: readonly Vendor[] }): string {
  const rows = c.vendors.map(
    (v) => `<tr${v.blocked ? ' class="bad-line"' : ''}><td data-label="Vendor"><a href="/master/vendors/${encodeURIComponent(v.vendor_id)}">${esc(v.name)}</a> <span class="code muted">${esc(v.vendor_id)}</span></td><td data-label="Tax id" class="code">${orDash(v.tax_id)}</td><td data-label="IBAN" class="code">${orDash(v.iban)}</td><td data-label="Cap" class="num">${v.authorization_cap ? money(v.authorization_cap.toString(), v.currency) : orDash(null)}</td><td data-label="Approver">${orDash(v.approver)}</td><td data-label="Blocked">${v.blocked ? '<strong>blocked</strong>' : 'no'}</td></tr>`,
  );
  const body = `<h1>Vendors</h1>${masterNav('/master/vendors')}
${c.vendors.length ? table('Vendors', ['Vendor', 'Tax id', 'IBAN', { text: 'Cap', num: true }, 'Approver', 'Blocked'], rows, { id: 'vendors', className: 'cards' }) : '<p id="vendors">No vendors imported.</p>'}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone)}`;
  return layout('Vendors', body, 'master');
}

export function vendorPage(c: MasterContext & { vendor: Vendor; changes: readonly MasterAuditRow[] }): string {
  const v = c.vendor;
  const body = `<p><a href="/master/vendors">← Vendors</a></p><h1>${esc(v.name)}</h1>
${facts([
  ['Vendor id', `<span class="code">${esc(v.vendor_id)}</span>`],
  ['Aliases', v.aliases.length ? esc(v.aliases.join(', ')) : orDash(null)],
  ['Tax id', orDash(v.tax_id)],
  ['IBAN', v.iban ? `<span class="code">${esc(v.iban)}</span>` : orDash(null)],
  ['Email', orDash(v.email)],
  ['Currency', orDash(v.currency)],
  ['Authorization cap', v.authorization_cap ? money(v.authorization_cap.toString(), v.currency) : 'none'],
  ['Year-to-date spend (master)', `${money(v.ytd_spend.toString(), v.currency)}${v.ytd_as_of ? ` <span class="muted">as of ${day(v.ytd_as_of)}</span>` : ''}`],
  ['Blocked', v.blocked ? '<strong>yes</strong>: its bills are blocked' : 'no'],
  ['Approver', orDash(v.approver)],
  ['Category', orDash(v.category)],
], 'vendor')}
<p><a href="/?vendor=${encodeURIComponent(v.vendor_id)}">Bills of this vendor →</a></p>
<h2 id="changes-h">Changes</h2>${auditRows(c.changes, c.timezone)}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone, 10)}`;
  return layout(v.name, body, 'master');
}

function poValue(po: PurchaseOrder): string {
  let sum = Decimal.ZERO;
  for (const l of po.lines) sum = sum.add(l.quantity.mul(l.unit_price));
  return money(sum.toString(), po.currency);
}

export function purchaseOrdersPage(c: MasterContext & { pos: readonly PurchaseOrder[] }): string {
  const rows = c.pos.map(
    (po) => `<tr><td data-label="PO"><a href="/master/purchase-orders/${encodeURIComponent(po.po_number)}">${esc(po.po_number)}</a></td><td data-label="Vendor"><a href="/master/vendors/${encodeURIComponent(po.vendor_id)}">${esc(po.vendor_id)}</a></td><td data-label="Date">${day(po.po_date)}</td><td data-label="Status">${esc(po.status)}</td><td data-label="Lines" class="num">${esc(po.lines.length)}</td><td data-label="Ordered value" class="num">${poValue(po)}</td></tr>`,
  );
  const body = `<h1>Purchase orders</h1>${masterNav('/master/purchase-orders')}
${c.pos.length ? table('Purchase orders', ['PO', 'Vendor', 'Date', 'Status', { text: 'Lines', num: true }, { text: 'Ordered value', num: true }], rows, { id: 'pos', className: 'cards' }) : '<p id="pos">No purchase orders imported.</p>'}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone)}`;
  return layout('Purchase orders', body, 'master');
}

export function purchaseOrderPage(c: MasterContext & { po: PurchaseOrder; billed: ReadonlyMap<string, Decimal>; receipts: readonly GoodsReceipt[]; changes: readonly MasterAuditRow[] }): string {
  const po = c.po;
  const rows = po.lines.map((l) => {
    const billed = c.billed.get(l.line_no) ?? Decimal.ZERO;
    const base = l.receipt_required ? l.received : l.quantity;
    const available = base.sub(billed);
    return `<tr><th scope="row" data-label="Line">${esc(l.line_no)}</th><td data-label="Item" class="code">${orDash(l.item_code)}</td><td data-label="Description">${orDash(l.description)}</td><td data-label="Unit price" class="num">${money(l.unit_price.toString(), po.currency)}</td><td data-label="Ordered" class="num">${quantity(l.quantity.toString())}</td><td data-label="Received" class="num">${quantity(l.received.toString())}${l.receipt_required ? '' : ' <span class="muted">(no receipt needed)</span>'}</td><td data-label="Billed" class="num">${quantity(billed.toString())}</td><td data-label="Available" class="num${available.isNegative() ? ' bad' : ''}">${quantity(available.toString())}</td></tr>`;
  });
  const grn = c.receipts.map((g) => `<tr><td data-label="Receipt" class="code">${esc(g.grn_number)}</td><td data-label="Line">${esc(g.line_no)}</td><td data-label="Quantity" class="num">${quantity(g.received_quantity.toString())}</td><td data-label="Date">${day(g.received_date)}</td></tr>`);
  const body = `<p><a href="/master/purchase-orders">← Purchase orders</a></p><h1>Purchase order ${esc(po.po_number)}</h1>
${facts([
  ['Vendor', `<a href="/master/vendors/${encodeURIComponent(po.vendor_id)}">${esc(po.vendor_id)}</a>`],
  ['Date', day(po.po_date)],
  ['Currency', esc(po.currency)],
  ['Status', esc(po.status)],
  ['Ordered value', poValue(po)],
], 'po')}
<p><a href="/?q=${encodeURIComponent(po.po_number)}">Bills on this PO →</a></p>
<h2 id="lines-h">Lines</h2>
<p class="muted">Available: received (or ordered, where no receipt is needed) less what bills that count have billed.</p>
${table('PO lines', ['Line', 'Item', 'Description', { text: 'Unit price', num: true }, { text: 'Ordered', num: true }, { text: 'Received', num: true }, { text: 'Billed', num: true }, { text: 'Available', num: true }], rows, { id: 'po-lines', className: 'cards' })}
<h2 id="grn-h">Goods receipts</h2>${grn.length ? table('Goods receipts of this PO', ['Receipt', 'Line', { text: 'Quantity', num: true }, 'Date'], grn, { id: 'po-receipts', className: 'cards' }) : '<p id="po-receipts">No goods receipt.</p>'}
<h2 id="changes-h">Changes</h2>${auditRows(c.changes, c.timezone)}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone, 10)}`;
  return layout(`PO ${po.po_number}`, body, 'master');
}

export function receiptsPage(c: MasterContext & { receipts: readonly GoodsReceipt[] }): string {
  const rows = c.receipts.map(
    (g) => `<tr><td data-label="Receipt" class="code">${esc(g.grn_number)}</td><td data-label="PO"><a href="/master/purchase-orders/${encodeURIComponent(g.po_number)}">${esc(g.po_number)}</a></td><td data-label="Line">${esc(g.line_no)}</td><td data-label="Quantity" class="num">${quantity(g.received_quantity.toString())}</td><td data-label="Date">${day(g.received_date)}</td></tr>`,
  );
  const body = `<h1>Goods receipts</h1>${masterNav('/master/receipts')}
${c.receipts.length ? table('Goods receipts', ['Receipt', 'PO', 'Line', { text: 'Quantity', num: true }, 'Date'], rows, { id: 'receipts', className: 'cards' }) : '<p id="receipts">No goods receipts imported (or imported before receipts were listed: import again).</p>'}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone)}`;
  return layout('Goods receipts', body, 'master');
}

export function policyPage(c: MasterContext & { policy: Policy; changes: readonly MasterAuditRow[] }): string {
  const p = c.policy;
  const pct = (d: Decimal) => `${esc(d.toString())} %`;
  const body = `<h1>Policy</h1>${masterNav('/master/policy')}
${facts([
  ['Time zone', esc(p.timezone)],
  ['Touchless up to', `${quantity(p.auto_approve_max.toString())} <span class="muted">(in the bill's currency)</span>`],
  ['Two approvers from', p.dual_approval_threshold ? quantity(p.dual_approval_threshold.toString()) : 'never'],
  ['Price tolerance', pct(p.price_tolerance_pct)],
  ['Quantity tolerance', pct(p.quantity_tolerance_pct)],
  ['Admin approver', esc(p.admin_approver)],
  ['Second approver', orDash(p.second_approver)],
  ['Backup approvers', p.backup_approvers.length ? esc(p.backup_approvers.join(', ')) : orDash(null)],
  ['Category approvers', Object.keys(p.category_approvers).length ? Object.entries(p.category_approvers).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('<br>') : orDash(null)],
  ['Quiet hours', p.quiet_hours ? `${esc(p.quiet_hours.start)}–${esc(p.quiet_hours.end)}${p.quiet_hours.weekends ? ', and weekends' : ''}` : 'none'],
  ['Duplicate window', `${esc(p.duplicate_window_days)} days`],
  ['Confidence threshold', esc(p.confidence_threshold.toString())],
  ['Accepted tax rates', esc(p.tax_rates.map((r) => `${r.toString()} %`).join(', '))],
  ['Largest charge', esc(p.max_charge.toString())],
  ['Fiscal year starts', esc(p.fiscal_year_start)],
  ['Escalate after', `${esc(p.escalate_after_days ?? 3)} days`],
  ['Delegates', (p.delegates ?? []).length ? (p.delegates ?? []).map((d) => `${esc(d.delegate)} for ${esc(d.approver)}, ${day(d.from)} – ${day(d.to)}`).join('<br>') : orDash(null)],
  ['Sender check', orDash(p.sender_check)],
  ['Internal domains', p.internal_domains.length ? esc(p.internal_domains.join(', ')) : orDash(null)],
], 'policy')}
<h2 id="changes-h">Changes</h2>${auditRows(c.changes, c.timezone)}
<h2 id="imports-h">Import history</h2>${importHistory(c.imports, c.timezone)}`;
  return layout('Policy', body, 'master');
}
