/**
 * The canonical bill: one zod schema for what every reader produces and every `.bill.json`
 * holds (spec/formats.md). From it come the TypeScript types, input validation whose
 * messages name the field, and the JSON Schema of the Bedrock `extract_invoice` tool.
 *
 * The schema checks *shape* only. Meaning (dates that exist, ISO currencies, sums that add
 * up) is checked by `validateBill`, which turns problems into reading exceptions rather than
 * rejecting the document, so a bad bill still becomes a `needs_review` bill with its reason.
 */
import * as z from 'zod';
import { zodWords } from './issues.ts';

const text = z.string();
// `nullable()` rather than a union with `null`: the same values, types and JSON Schema, a quarter
// less allocation per bill. A wrong type is said in words by the error map (`issues.ts`).
const optText = z.string().nullable().optional();
/** Amounts and quantities: decimal strings; JSON numbers are accepted on input. */
const amount = z.union([z.string(), z.number()]);
const optAmount = amount.nullable().optional();
const idLike = z.union([z.string(), z.number()]).transform(String);

export const billLineSchema = z.object({
  line_id: idLike.describe('BT-126 invoice line identifier'),
  item_code: optText.describe("BT-155 seller's item identifier, else BT-156 buyer's"),
  po_line: idLike.nullable().optional().describe('BT-132 referenced purchase order line'),
  description: optText.describe('BT-153 item name'),
  quantity: amount.describe('BT-129 invoiced quantity'),
  unit_code: optText.describe('BT-130 unit of measure (UN/ECE Rec 20)'),
  unit_price: amount.describe('BT-146 item net price'),
  price_base_quantity: optAmount.describe('BT-149 item price base quantity; default 1'),
  net_amount: amount.describe('BT-131 invoice line net amount'),
  allowance_total: optAmount.describe('sum of line-level allowances (BT-136), if any'),
  charge_total: optAmount.describe('sum of line-level charges (BT-141), if any'),
});

export const partySchema = z.object({
  name: optText.describe('BT-27 legal registration name, else BT-28 trading name'),
  tax_id: optText.describe('BT-31 VAT identifier'),
  iban: optText.describe('BT-84 payment account identifier'),
  email: optText.describe('BT-43 seller contact email'),
});

/** One row of the VAT breakdown (EN 16931 BG-23). */
export const taxBreakdownSchema = z.object({
  category: optText.describe('BT-118 VAT category code (S, Z, E, AE, K, G, O, L, M)'),
  rate: optAmount.describe('BT-119 VAT rate in percent, e.g. "19"'),
  taxable_amount: amount.describe('BT-116 VAT category taxable amount'),
  tax_amount: amount.describe('BT-117 VAT category tax amount'),
});

export const billSchema = z.object({
  document_type: z.enum(['invoice', 'credit_note']).default('invoice'),
  invoice_number: optText.describe('BT-1 invoice number'),
  issue_date: optText.describe('BT-2 issue date, YYYY-MM-DD'),
  due_date: optText.describe('BT-9 payment due date, YYYY-MM-DD'),
  currency: optText.describe('BT-5 ISO 4217 code, or "unclear"'),
  supplier: partySchema.partial().nullable().optional(),
  buyer: z.object({ name: optText.describe('BT-44 buyer name') }).nullable().optional(),
  po_reference: optText.describe('BT-13 purchase order reference'),
  lines: z.array(billLineSchema).optional(),
  allowance_total: optAmount.describe('BT-107 sum of document-level allowances'),
  charge_total: optAmount.describe('BT-108 sum of document-level charges'),
  net_total: optAmount.describe('BT-109 invoice total without VAT'),
  tax_total: optAmount.describe('BT-110 invoice total VAT amount'),
  tax_breakdown: z.union([z.array(taxBreakdownSchema), z.null()]).optional().describe('BG-23 VAT breakdown, one row per category and rate; null when the document has none'),
  total: optAmount.describe('BT-112 invoice total with VAT'),
  prepaid: optAmount.describe('BT-113 paid amount'),
  rounding: optAmount.describe('BT-114 rounding amount'),
  payable: optAmount.describe('BT-115 amount due for payment'),
  notes: optText.describe('BT-22 invoice note'),
  confidence: z
    .record(z.string(), z.coerce.number().min(0).max(1))
    .optional()
    .describe('per-field confidence 0..1 of an extracted (PDF/image) read, keyed by field path'),
});

/** A canonical bill as JSON (amounts as strings or numbers). */
export type CanonicalBill = z.input<typeof billSchema>;
/** A canonical bill after the shape check (defaults applied, ids as strings). */
export type ShapedBill = z.output<typeof billSchema>;
export type ShapedLine = z.output<typeof billLineSchema>;
export type ShapedTaxRow = z.output<typeof taxBreakdownSchema>;

/** The JSON Schema of the canonical bill (draft 2020-12), for the `extract_invoice` tool. */
export function billJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(billSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Shape problems, each naming the field path (`lines[2].unit_price`). */
export interface ShapeProblem {
  readonly field: string;
  readonly message: string;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(document)';
}

/** Checks the shape; returns the shaped bill or every problem, each naming its field, in words ("is missing"). */
export function shapeBill(raw: unknown): { ok: true; bill: ShapedBill } | { ok: false; problems: ShapeProblem[] } {
  const r = billSchema.safeParse(raw, { error: zodWords });
  if (r.success) return { ok: true, bill: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message })),
  };
}

/**
 * Parses JSON text keeping the exact source text of every number (`1.10` stays `"1.10"`),
 * so that amounts given as JSON numbers never pass through a binary float.
 */
export function parseJsonExact(textIn: string): unknown {
  return JSON.parse(textIn, function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && context?.source !== undefined) return context.source;
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}
