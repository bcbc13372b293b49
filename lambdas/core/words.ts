/** Bill states and exception codes in plain words, for pages and emails read by people. */
import type { ExceptionCode } from './exceptions.ts';
import type { BillState } from './route.ts';

export const STATE_WORDS: Readonly<Record<BillState, { readonly label: string; readonly meaning: string }>> = {
  needs_review: { label: 'Needs review', meaning: 'The bill could not be read reliably; a person must look at the document.' },
  awaiting_approval: { label: 'Awaiting approval', meaning: 'The bill is clean and waits for its approver.' },
  flagged: { label: 'Flagged', meaning: 'The bill differs from the purchase order or master data; an approver must decide.' },
  blocked: { label: 'Blocked', meaning: 'The bill must not be paid as it stands (duplicate, blocked vendor, cap, bank details).' },
  waiting_on_supplier: { label: 'Waiting on supplier', meaning: 'A question went to the supplier; the bill waits for the answer.' },
  ready_for_payment: { label: 'Ready for payment', meaning: 'The bill may be paid.' },
  rejected: { label: 'Rejected', meaning: 'The bill was rejected and will not be paid.' },
};

export const EXCEPTION_WORDS: Readonly<Record<ExceptionCode, string>> = {
  UNREADABLE: 'The document could not be read',
  TOTALS_INCONSISTENT: 'The amounts do not add up',
  DATE_INVALID: 'A date is missing or impossible',
  CURRENCY_UNCLEAR: 'The currency is unclear',
  LOW_CONFIDENCE: 'Part of the reading is uncertain',
  VENDOR_UNKNOWN: 'The supplier is not in the vendor list',
  NO_PO: 'No purchase order was found',
  PO_VENDOR_MISMATCH: 'The purchase order belongs to another supplier',
  PO_CLOSED: 'The purchase order is closed',
  CURRENCY_MISMATCH: 'The currency differs from the purchase order’s',
  BILL_PREDATES_PO: 'The bill is dated before its purchase order',
  UNMATCHED_LINE: 'A line matches no purchase order line',
  SENDER_UNVERIFIED: 'The sender is not proven to be the supplier or a colleague; confirm the bill before it counts',
  PRICE_VARIANCE: 'A price is above the purchase order price and its tolerance',
  NEGATIVE_LINE: 'An invoice line has a negative quantity or amount (a discount belongs in the allowances)',
  TAX_INVALID: 'The tax does not follow from the amounts at an accepted rate',
  UNEXPECTED_CHARGE: 'The bill adds charges above what the policy allows',
  POSSIBLE_DUPLICATE: 'Another bill has the same supplier, total and date under another number',
  QUANTITY_VARIANCE: 'More is billed than was received (or ordered)',
  DUPLICATE: 'This bill was received before',
  VENDOR_BLOCKED: 'The supplier is blocked',
  CAP_EXCEEDED: 'The supplier’s authorization cap would be exceeded',
  BANK_DETAILS_CHANGED: 'The bank details differ from the vendor record',
};
