/**
 * JSON round-trips for the master-data types held in DynamoDB items. Decimals travel as
 * strings (never as DynamoDB numbers, which the SDK would turn into binary floats).
 */
import type { Policy, PoLine, PurchaseOrder, SupplierOverrides, Vendor } from '../../core/master.ts';
import { DEFAULT_TAX_RATES } from '../../core/tax.ts';
import { Decimal } from '../../core/money.ts';

type Json = Record<string, unknown>;

const dec = (v: unknown): Decimal => Decimal.from(v as string);
const decOrNull = (v: unknown): Decimal | null => (v === null || v === undefined ? null : dec(v));

export function vendorFromJson(j: Json): Vendor {
  return {
    ...(j as unknown as Vendor),
    authorization_cap: decOrNull(j.authorization_cap),
    ytd_spend: dec(j.ytd_spend ?? '0'),
  };
}

export function poFromJson(j: Json): PurchaseOrder {
  const po = j as unknown as PurchaseOrder;
  return {
    ...po,
    lines: (j.lines as Json[]).map(
      (l): PoLine => ({
        ...(l as unknown as PoLine),
        quantity: dec(l.quantity),
        unit_price: dec(l.unit_price),
        received: dec(l.received),
      }),
    ),
  };
}

export function policyFromJson(j: Json): Policy {
  const p = j as unknown as Policy;
  const suppliers: Record<string, SupplierOverrides> = {};
  for (const [id, t] of Object.entries((j.suppliers ?? {}) as Record<string, Json>)) {
    suppliers[id] = {
      ...(t.price_tolerance_pct !== undefined ? { price_tolerance_pct: dec(t.price_tolerance_pct) } : {}),
      ...(t.quantity_tolerance_pct !== undefined ? { quantity_tolerance_pct: dec(t.quantity_tolerance_pct) } : {}),
      ...(t.tax_rates !== undefined ? { tax_rates: (t.tax_rates as unknown[]).map(dec) } : {}),
      ...(t.max_charge !== undefined ? { max_charge: dec(t.max_charge) } : {}),
    };
  }
  return {
    ...p,
    price_tolerance_pct: dec(j.price_tolerance_pct),
    quantity_tolerance_pct: dec(j.quantity_tolerance_pct),
    auto_approve_max: dec(j.auto_approve_max),
    dual_approval_threshold: decOrNull(j.dual_approval_threshold),
    confidence_threshold: dec(j.confidence_threshold),
    suppliers,
    // Policies stored before these keys existed get the defaults.
    fiscal_year_start: typeof j.fiscal_year_start === 'string' ? j.fiscal_year_start : '01-01',
    tax_rates: ((j.tax_rates as unknown[] | undefined) ?? DEFAULT_TAX_RATES).map(dec),
    max_charge: j.max_charge === undefined ? dec('0') : dec(j.max_charge),
    // Policies imported before these keys existed read as their defaults.
    backup_approvers: (j.backup_approvers as string[] | undefined) ?? [],
    internal_domains: (j.internal_domains as string[] | undefined) ?? [],
    sender_check: (j.sender_check as Policy['sender_check'] | undefined) ?? null,
    max_bills_per_document: (j.max_bills_per_document as number | undefined) ?? 100,
  };
}

/** Decimal map ⇄ JSON object of strings. */
export function decimalMapToJson(m: ReadonlyMap<string, Decimal>): Record<string, string> {
  return Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));
}

export function decimalMapFromJson(j: Record<string, string> | undefined): Map<string, Decimal> {
  return new Map(Object.entries(j ?? {}).map(([k, v]) => [k, Decimal.parse(v)]));
}
