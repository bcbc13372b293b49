/**
 * What the AP workspace lists: one row per bill, who or what it waits on, and its due date.
 * Pure: the store keeps these rows beside each bill (lambdas/adapters/aws/dynamo-store.ts) so a
 * worklist page is read from an index without decompressing any bill.
 */
import type { BillRecord } from './ports/store.ts';
import type { BillState } from './route.ts';

/** What a bill waits on: a reviewer (any AP clerk), its approvers, the supplier, the payment run, or nothing. */
export type WaitKind = 'review' | 'approval' | 'supplier' | 'payment' | 'none';

export interface WaitingOn {
  readonly kind: WaitKind;
  /** Who, lower case: the approvers who have not approved yet and the delegates standing in for them; who queried the supplier. */
  readonly who: readonly string[];
}

/** The states in which a bill waits on its approvers. */
export const APPROVAL_STATES: readonly BillState[] = ['awaiting_approval', 'flagged', 'blocked'];

export function waitingOn(b: BillRecord): WaitingOn {
  switch (b.state) {
    case 'needs_review':
      return { kind: 'review', who: [] };
    case 'awaiting_approval':
    case 'flagged':
    case 'blocked': {
      const given = new Set((b.approvals ?? []).map((a) => a.approver.toLowerCase()));
      const pending = b.approvers.map((a) => a.toLowerCase()).filter((a) => !given.has(a));
      const delegates = Object.entries(b.standing_in ?? {})
        .filter(([, forWhom]) => pending.includes(forWhom.toLowerCase()))
        .map(([d]) => d.toLowerCase());
      return { kind: 'approval', who: [...new Set([...pending, ...delegates])] };
    }
    case 'waiting_on_supplier':
      return { kind: 'supplier', who: b.queried?.by ? [b.queried.by.toLowerCase()] : [] };
    case 'ready_for_payment':
      return { kind: 'payment', who: [] };
    default:
      return { kind: 'none', who: [] };
  }
}

/** One worklist row: what the list shows of a bill. */
export interface BillRow {
  readonly bill_id: string;
  readonly state: BillState;
  readonly created_at: string;
  readonly updated_at: string;
  readonly document_type: 'invoice' | 'credit_note';
  readonly invoice_number: string | null;
  readonly supplier_name: string | null;
  readonly vendor_id: string | null;
  readonly po_number: string | null;
  readonly total: string | null;
  readonly currency: string | null;
  /** Exception codes, each once, in the bill's order. */
  readonly codes: readonly string[];
  readonly waiting: WaitingOn;
  /** The bill's due date as read (YYYY-MM-DD), if any. */
  readonly due_date: string | null;
  /** The input it came from (shown where the bill has no invoice number). */
  readonly source: string;
}

export function billRow(b: BillRecord): BillRow {
  const due = b.canonical?.due_date;
  return {
    bill_id: b.bill_id,
    state: b.state,
    created_at: b.created_at,
    updated_at: b.updated_at,
    document_type: b.document_type,
    invoice_number: b.invoice_number,
    supplier_name: b.supplier_name,
    vendor_id: b.vendor_id,
    po_number: b.po_number,
    total: b.total,
    currency: b.currency,
    codes: [...new Set(b.exceptions.map((e) => e.code))],
    waiting: waitingOn(b),
    due_date: typeof due === 'string' && due ? due : null,
    source: b.source.input,
  };
}
