/**
 * The closed set of exception codes (spec/domain.md §2) and their classes.
 * The order here is the order in which exceptions are reported.
 */
export const EXCEPTION_CODES = [
  'UNREADABLE',
  'TOTALS_INCONSISTENT',
  'DATE_INVALID',
  'CURRENCY_UNCLEAR',
  'LOW_CONFIDENCE',
  'VENDOR_UNKNOWN',
  'NO_PO',
  'PO_VENDOR_MISMATCH',
  'PO_CLOSED',
  'CURRENCY_MISMATCH',
  'BILL_PREDATES_PO',
  'UNMATCHED_LINE',
  'SENDER_UNVERIFIED',
  'PRICE_VARIANCE',
  'NEGATIVE_LINE',
  'TAX_INVALID',
  'UNEXPECTED_CHARGE',
  'POSSIBLE_DUPLICATE',
  'QUANTITY_VARIANCE',
  'DUPLICATE',
  'VENDOR_BLOCKED',
  'CAP_EXCEEDED',
  'BANK_DETAILS_CHANGED',
] as const;

export type ExceptionCode = (typeof EXCEPTION_CODES)[number];

/** `review`: routed like a reading exception (to `needs_review`), but the bill itself was read fine. */
export type ExceptionClass = 'reading' | 'review' | 'variance' | 'deny';

const CLASS: Record<ExceptionCode, ExceptionClass> = {
  UNREADABLE: 'reading',
  TOTALS_INCONSISTENT: 'reading',
  DATE_INVALID: 'reading',
  CURRENCY_UNCLEAR: 'reading',
  LOW_CONFIDENCE: 'reading',
  VENDOR_UNKNOWN: 'variance',
  NO_PO: 'variance',
  PO_VENDOR_MISMATCH: 'variance',
  PO_CLOSED: 'variance',
  CURRENCY_MISMATCH: 'variance',
  BILL_PREDATES_PO: 'variance',
  UNMATCHED_LINE: 'variance',
  SENDER_UNVERIFIED: 'review',
  PRICE_VARIANCE: 'variance',
  NEGATIVE_LINE: 'variance',
  TAX_INVALID: 'variance',
  UNEXPECTED_CHARGE: 'variance',
  POSSIBLE_DUPLICATE: 'variance',
  QUANTITY_VARIANCE: 'variance',
  DUPLICATE: 'deny',
  VENDOR_BLOCKED: 'deny',
  CAP_EXCEEDED: 'deny',
  BANK_DETAILS_CHANGED: 'deny',
};

export function exceptionClass(code: ExceptionCode): ExceptionClass {
  return CLASS[code];
}

/** One finding on a bill: the code, the bill line it concerns (or null), and a sentence with the numbers. */
export interface BillException {
  readonly code: ExceptionCode;
  readonly line: string | null;
  readonly message: string;
}

export function exception(code: ExceptionCode, message: string, line: string | null = null): BillException {
  return { code, line, message };
}

/** Sorts by the closed set's order, then by line, so that output is stable. */
const RANK = new Map<ExceptionCode, number>(EXCEPTION_CODES.map((c, i) => [c, i]));
const LINE_ORDER = new Intl.Collator('en', { numeric: true });

export function sortExceptions(list: readonly BillException[]): BillException[] {
  if (list.length < 2) return [...list];
  return [...list].sort((a, b) => RANK.get(a.code)! - RANK.get(b.code)! || LINE_ORDER.compare(a.line ?? '', b.line ?? ''));
}
