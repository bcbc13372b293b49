/** Vendor and purchase-order resolution (spec/domain.md §3). */
import type { PoLine, PurchaseOrder, Vendor } from './master.ts';
import { normalizeId, normalizeName } from './normalize.ts';
import type { Bill, BillLine } from './validate.ts';
import { findPoLine } from './match.ts';

export type VendorMatch = { readonly vendor: Vendor; readonly by: 'tax_id' | 'name' | 'alias' } | null;

/**
 * Tax id equal to exactly one vendor's; otherwise the normalized name equal to the normalized
 * name or an alias of exactly one vendor. `byTaxId` / `byName` are the candidates the store found.
 */
export function resolveVendor(bill: Bill, byTaxId: readonly Vendor[], byName: readonly Vendor[]): VendorMatch {
  const taxId = normalizeId(bill.supplier.tax_id);
  if (taxId) {
    const hits = uniqueById(byTaxId.filter((v) => normalizeId(v.tax_id) === taxId));
    if (hits.length === 1) return { vendor: hits[0]!, by: 'tax_id' };
  }
  const name = normalizeName(bill.supplier.name);
  if (name) {
    const hits = uniqueById(byName.filter((v) => vendorNameKeys(v).includes(name)));
    if (hits.length === 1) {
      const v = hits[0]!;
      return { vendor: v, by: normalizeName(v.name) === name ? 'name' : 'alias' };
    }
  }
  return null;
}

/** The normalized names under which a vendor can be found: its name and each alias. */
export function vendorNameKeys(v: Vendor): string[] {
  return [...new Set([v.name, ...v.aliases].map(normalizeName).filter(Boolean))];
}

function uniqueById(vs: readonly Vendor[]): Vendor[] {
  const m = new Map<string, Vendor>();
  for (const v of vs) m.set(v.vendor_id, v);
  return [...m.values()];
}

/**
 * With no PO reference: the vendor's open POs on which every bill line finds a PO line by
 * item code or description (quantities, prices and line references ignored). Returns the
 * candidates; exactly one means the PO is inferred.
 */
export function inferPoCandidates(lines: readonly BillLine[], openPos: readonly PurchaseOrder[]): PurchaseOrder[] {
  return openPos.filter(
    (po) => po.status === 'open' && lines.length > 0 && lines.every((l) => findPoLine(l, po.lines, { useLineReference: false }) !== null),
  );
}

export type { PoLine };
