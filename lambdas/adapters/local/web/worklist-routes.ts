/**
 * The AP workspace's routes beyond the bill page: the worklist (`/`: my work, then all bills,
 * with filters, search, sort and pages) and the read-only master data pages (`/master/…`).
 * Written as `Route`s (http.ts's contract), so that they run behind either web server.
 */
import * as z from 'zod';
import { EXCEPTION_CODES } from '../../../core/exceptions.ts';
import { localTime, zonedToEpoch } from '../../../core/dates.ts';
import type { Policy } from '../../../core/master.ts';
import { normalizePoRef } from '../../../core/normalize.ts';
import { BILL_SORTS, CursorError, type BillQuery, type BillStore, type MasterListReads, type StateCounts, type WorklistReads } from '../../../core/ports/store.ts';
import { BILL_STATES } from '../../../core/route.ts';
import type { ImportHistory, MasterAuditRow } from '../../../lanes/master-drop.ts';
import { LANE_KEYS, type LaneState } from '../../../lanes/state.ts';
import { HttpError, type Route, type WebResponse } from './http.ts';
import {
  masterOverviewPage,
  policyPage,
  purchaseOrderPage,
  purchaseOrdersPage,
  receiptsPage,
  vendorPage,
  vendorsPage,
  worklistPage,
  type WorklistParams,
} from './worklist-pages.ts';

export interface WorkspaceDeps {
  readonly store: Pick<BillStore, 'policy' | 'vendor' | 'purchaseOrder' | 'billedQuantities'> & WorklistReads & MasterListReads;
  /** The lanes' state: import history and the master records' changes. */
  readonly lanes?: LaneState;
  readonly now?: () => number;
  /** What the empty worklist says (where bills come in). */
  readonly emptyHint: string;
  readonly notices?: Readonly<Record<string, string>>;
}

/** Counts per state on the page stop here. */
export const COUNT_UP_TO = 1000;
/** How long the page reuses counts per state. */
export const COUNTS_FOR_MS = 15_000;

const html = (body: string, status = 200): WebResponse => ({ status, body });
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const opt = <T extends z.ZodType>(t: T) => z.preprocess(blank, t.optional());
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date (YYYY-MM-DD)');
const AMOUNT = z.string().regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'an amount such as 1500 or 1500.50');

const PARAMS = z
  .object({
    q: opt(z.string().max(200, 'at most 200 characters')),
    state: opt(z.enum(BILL_STATES)),
    code: opt(z.enum(EXCEPTION_CODES)),
    vendor: opt(z.string().regex(/^[\w.@-]{1,64}$/, 'a vendor id')),
    from: opt(DATE),
    to: opt(DATE),
    min: opt(AMOUNT),
    max: opt(AMOUNT),
    sort: opt(z.enum(BILL_SORTS)),
    mine: opt(z.literal('1')),
    after: opt(z.string().max(8192).regex(/^[A-Za-z0-9_-]+$/, 'a page cursor')),
    notice: opt(z.string().max(40)),
  })
  .strip();

const FIELD_WORDS: Record<string, string> = { q: 'Search', state: 'State', code: 'Exception', vendor: 'Vendor', from: 'Received from', to: 'Received until', min: 'Total from', max: 'Total up to', sort: 'Sort', mine: 'My work', after: 'Page' };

function parseParams(url: URL): z.infer<typeof PARAMS> {
  const r = PARAMS.safeParse(Object.fromEntries(url.searchParams));
  if (!r.success) {
    const i = r.error.issues[0]!;
    const field = String(i.path[0] ?? '');
    throw new HttpError(400, `${FIELD_WORDS[field] ?? field}: ${i.message}. Nothing was filtered; change the filter and try again.`);
  }
  return r.data;
}

/** The start of a calendar day in the zone, as an ISO instant. */
function dayStart(date: string, timeZone: string, plusDays = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const ms = zonedToEpoch(y, m, d + plusDays, 0, 0, timeZone);
  if (Number.isNaN(ms)) throw new HttpError(400, `${date} is not a date.`);
  return new Date(ms).toISOString();
}

export function workspaceRoutes(deps: WorkspaceDeps): Route[] {
  const now = deps.now ?? Date.now;
  const policy = async (): Promise<Policy | null> => deps.store.policy().catch(() => null);
  const zoneOf = (p: Policy | null) => p?.timezone ?? 'UTC';
  const today = (tz: string) => {
    const t = localTime(now(), tz);
    return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
  };
  // Exact up to 1,000 a state ("1,000+" beyond), and kept for a few seconds: a page view never
  // counts the whole history, and paging through a list does not count again.
  let counted: { at: number; value: Promise<StateCounts> } | null = null;
  const stateCounts = (): Promise<StateCounts> => {
    if (!counted || now() - counted.at > COUNTS_FOR_MS) {
      const value = deps.store.countBills({ upTo: COUNT_UP_TO });
      counted = { at: now(), value };
      value.catch(() => (counted = null));
    }
    return counted.value;
  };
  const imports = async (): Promise<ImportHistory[]> => (deps.lanes ? (await deps.lanes.list<ImportHistory>(LANE_KEYS.imports)).map((x) => x.value).reverse() : []);
  const changes = async (kind: MasterAuditRow['kind'], id: string): Promise<MasterAuditRow[]> => (deps.lanes ? (await deps.lanes.list<MasterAuditRow>(LANE_KEYS.masterAudit(kind, id), 'AUDIT#')).map((x) => x.value) : []);

  return [
    {
      method: 'GET',
      path: '/',
      async handler(req) {
        const p = parseParams(req.url);
        const pol = await policy();
        const tz = zoneOf(pol);
        if (p.from && p.to && p.from > p.to) throw new HttpError(400, 'Received from is after Received until: nothing can match.');
        const user = req.user?.toLowerCase() ?? null;
        const query: BillQuery = {
          state: p.state ?? null,
          code: p.code ?? null,
          vendorId: p.vendor ?? null,
          receivedFrom: p.from ? dayStart(p.from, tz) : null,
          receivedBefore: p.to ? dayStart(p.to, tz, 1) : null,
          amountMin: p.min ?? null,
          amountMax: p.max ?? null,
          search: p.q ?? null,
          sort: p.sort ?? 'newest',
          mine: p.mine && user ? { user, reviews: true } : null,
          cursor: p.after ?? null,
          limit: 50,
        };
        try {
          const [page, mine, counts, vendors] = await Promise.all([
            deps.store.findBills(query),
            // "My work" heads the page, oldest first, unless the page is my work already.
            user && !p.mine ? deps.store.findBills({ mine: { user, reviews: true }, sort: 'oldest', limit: 10 }) : Promise.resolve(null),
            stateCounts(),
            deps.store.listVendors().catch(() => []),
          ]);
          const params: WorklistParams = { ...p, after: undefined, notice: undefined } as WorklistParams;
          return html(
            worklistPage({ params, user, timezone: tz, today: today(tz), mine, page, counts, vendors, notice: deps.notices?.[p.notice ?? ''] ?? null, emptyHint: deps.emptyHint }),
          );
        } catch (err) {
          if (err instanceof CursorError) throw new HttpError(400, `${err.message}.`);
          throw err;
        }
      },
    },
    {
      method: 'GET',
      path: '/master',
      async handler() {
        const [pol, vendors, pos, receipts, history] = await Promise.all([policy(), deps.store.listVendors(), deps.store.listPurchaseOrders(), deps.store.listReceipts(), imports()]);
        return html(masterOverviewPage({ timezone: zoneOf(pol), imports: history, vendors: vendors.length, purchaseOrders: pos.length, receipts: receipts.length }));
      },
    },
    {
      method: 'GET',
      path: '/master/vendors',
      async handler() {
        const [pol, vendors, history] = await Promise.all([policy(), deps.store.listVendors(), imports()]);
        return html(vendorsPage({ timezone: zoneOf(pol), imports: history, vendors }));
      },
    },
    {
      method: 'GET',
      path: '/master/vendors/:id',
      async handler(req) {
        const vendor = await deps.store.vendor(req.params.id!);
        if (!vendor) throw new HttpError(404, `There is no vendor ${req.params.id} in the current master data.`);
        const [pol, history, rows] = await Promise.all([policy(), imports(), changes('vendor', vendor.vendor_id)]);
        return html(vendorPage({ timezone: zoneOf(pol), imports: history, vendor, changes: rows }));
      },
    },
    {
      method: 'GET',
      path: '/master/purchase-orders',
      async handler() {
        const [pol, pos, history] = await Promise.all([policy(), deps.store.listPurchaseOrders(), imports()]);
        return html(purchaseOrdersPage({ timezone: zoneOf(pol), imports: history, pos }));
      },
    },
    {
      method: 'GET',
      path: '/master/purchase-orders/:po',
      async handler(req) {
        const po = await deps.store.purchaseOrder(normalizePoRef(req.params.po));
        if (!po) throw new HttpError(404, `There is no purchase order ${req.params.po} in the current master data.`);
        const [pol, history, billed, receipts, rows] = await Promise.all([
          policy(),
          imports(),
          deps.store.billedQuantities(po.po_number),
          deps.store.listReceipts(po.po_number),
          changes('purchase_order', po.po_number),
        ]);
        return html(purchaseOrderPage({ timezone: zoneOf(pol), imports: history, po, billed: billed.value, receipts, changes: rows }));
      },
    },
    {
      method: 'GET',
      path: '/master/receipts',
      async handler() {
        const [pol, receipts, history] = await Promise.all([policy(), deps.store.listReceipts(), imports()]);
        return html(receiptsPage({ timezone: zoneOf(pol), imports: history, receipts }));
      },
    },
    {
      method: 'GET',
      path: '/master/policy',
      async handler() {
        const pol = await policy();
        if (!pol) throw new HttpError(404, 'No policy imported yet: run `bm import DIR` with a policy.json.');
        const [history, rows] = await Promise.all([imports(), changes('policy', 'policy')]);
        return html(policyPage({ timezone: pol.timezone, imports: history, policy: pol, changes: rows }));
      },
    },
  ];
}
