/** The `bm run --json` row of a bill (spec/formats.md). */
import type { BillException } from './exceptions.ts';
import type { BillRecord } from './ports/store.ts';
import type { BillState } from './route.ts';

export interface OutcomeRow {
  input: string;
  part: number;
  bill_id: string;
  vendor_id: string | null;
  invoice_number: string | null;
  po_number: string | null;
  po_inferred: boolean;
  currency: string | null;
  total: string | null;
  exceptions: BillException[];
  state: BillState;
  approvers: string[];
  notify_at: string | null;
  trace?: string[];
}

export function outcomeRow(b: BillRecord): OutcomeRow {
  return {
    input: b.source.input,
    part: b.source.part,
    bill_id: b.bill_id,
    vendor_id: b.vendor_id,
    invoice_number: b.invoice_number,
    po_number: b.po_number,
    po_inferred: b.po_inferred,
    currency: b.currency,
    total: b.total,
    exceptions: [...b.exceptions],
    state: b.state,
    approvers: [...b.approvers],
    notify_at: b.notify_at,
  };
}
