/**
 * A generated world for benchmarks: vendors, POs with receipts, and a stream of bills with
 * a realistic mix of outcomes (mostly clean, some variances, duplicates and blocks).
 */
import type { CanonicalBill } from '../lambdas/core/bill.ts';
import type { MasterFiles } from '../lambdas/core/master.ts';

export interface World {
  readonly files: MasterFiles;
  readonly bills: CanonicalBill[];
}

/** A small deterministic PRNG (mulberry32), so every run measures the same world. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITEMS = ['Copy paper A4 ream', 'Hex bolt M8', 'USB-C dock', 'LED panel 40W', 'Cable ties pack', 'Nitrile gloves box', 'Floor cleaner 10l', 'Safety helmet'];

export function generateWorld(nBills: number, nVendors = Math.max(10, Math.round(nBills / 20)), seed = 42): World {
  const r = rng(seed);
  const vendors = ['vendor_id,name,aliases,tax_id,iban,email,currency,authorization_cap,ytd_spend,blocked,approver,category'];
  const pos = ['po_number,vendor_id,po_date,currency,status,line_no,item_code,description,quantity,unit_price,receipt_required'];
  const grns = ['grn_number,po_number,line_no,received_quantity,received_date'];
  const poLines: { po: string; vendor: number; lines: { code: string; desc: string; price: number }[] }[] = [];
  for (let v = 0; v < nVendors; v++) {
    const blocked = v % 97 === 13;
    const cap = v % 31 === 7 ? '20000' : '';
    vendors.push(`V${v},Vendor ${v} GmbH,,DE${String(100000000 + v)},DE00${String(v).padStart(18, '0')},,EUR,${cap},0,${blocked},buyer${v}@example.com,`);
    for (let p = 0; p < 2; p++) {
      const po = `PO-${v}-${p}`;
      const lines = [0, 1, 2].map((l) => ({ code: `SKU-${v}-${p}-${l}`, desc: ITEMS[(v + p + l) % ITEMS.length]!, price: 10 + Math.floor(r() * 90) }));
      lines.forEach((l, i) => {
        pos.push(`${po},V${v},2026-01-15,EUR,open,${i + 1},${l.code},${l.desc},100000,${l.price}.00,true`);
        grns.push(`GRN-${v}-${p}-${i},${po},${i + 1},100000,2026-01-20`);
      });
      poLines.push({ po, vendor: v, lines });
    }
  }
  const policy = JSON.stringify({ timezone: 'Europe/Berlin', auto_approve_max: '1000', dual_approval_threshold: '10000', admin_approver: 'ap-admin@example.com', second_approver: 'controller@example.com', backup_approvers: ['backup-approver@example.com'] });

  const bills: CanonicalBill[] = [];
  for (let i = 0; i < nBills; i++) {
    const roll = r();
    if (roll < 0.04 && bills.length > 0) {
      bills.push({ ...bills[Math.floor(r() * bills.length)]! }); // a resubmitted bill: duplicate
      continue;
    }
    const pl = poLines[Math.floor(r() * poLines.length)]!;
    const lines = pl.lines.slice(0, 1 + Math.floor(r() * 3)).map((l, k) => {
      const qty = 1 + Math.floor(r() * 5);
      const price = roll < 0.12 ? (l.price * 1.05).toFixed(2) : `${l.price}.00`; // ~8% price variance
      const net = ((qty * Math.round(Number(price) * 100)) / 100).toFixed(2);
      return { line_id: String(k + 1), item_code: l.code, description: l.desc, quantity: String(qty), unit_code: 'C62', unit_price: price, price_base_quantity: '1', net_amount: net };
    });
    const netCents = lines.reduce((s, l) => s + Math.round(Number(l.net_amount) * 100), 0);
    const taxCents = Math.round(netCents * 0.19);
    const cents = (c: number) => (c / 100).toFixed(2);
    bills.push({
      document_type: 'invoice',
      invoice_number: `INV-${i}`,
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'EUR',
      supplier: { name: `Vendor ${pl.vendor} GmbH`, tax_id: `DE${String(100000000 + pl.vendor)}`, iban: null, email: null },
      buyer: { name: 'Example Ltd' },
      po_reference: roll > 0.97 ? null : pl.po,
      lines,
      net_total: cents(netCents),
      tax_total: cents(taxCents),
      total: cents(netCents + taxCents),
    });
  }
  return { files: { 'vendors.csv': vendors.join('\n'), 'purchase_orders.csv': pos.join('\n'), 'goods_receipts.csv': grns.join('\n'), 'policy.json': policy }, bills };
}
