/** Small builders for bills and master data used across tests. */
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { parseMasterData, type MasterData } from '../../lambdas/core/master.ts';

export function bill(overrides: Partial<CanonicalBill> = {}): CanonicalBill {
  return {
    document_type: 'invoice',
    invoice_number: 'INV-1001',
    issue_date: '2026-03-02',
    due_date: '2026-04-01',
    currency: 'EUR',
    supplier: { name: 'Acme GmbH', tax_id: 'DE123456789', iban: null, email: null },
    buyer: { name: 'Example Ltd' },
    po_reference: 'PO-7001',
    lines: [
      { line_id: '1', item_code: 'A-100', po_line: null, description: 'Widget', quantity: '10', unit_code: 'C62', unit_price: '12.50', price_base_quantity: '1', net_amount: '125.00' },
    ],
    allowance_total: null,
    charge_total: null,
    net_total: '125.00',
    tax_total: '23.75',
    total: '148.75',
    notes: null,
    ...overrides,
  };
}

/** Other Corp.'s (V002) bill for one consulting day on PO-7002: another vendor, another PO than `bill()`. */
export function consultingDay(invoiceNumber: string): CanonicalBill {
  return bill({
    invoice_number: invoiceNumber,
    supplier: { name: 'Other Corp.', tax_id: 'DE999999999', iban: null, email: null },
    po_reference: 'PO-7002',
    lines: [{ line_id: '1', item_code: 'C-1', po_line: null, description: 'Consulting day', quantity: '1', unit_code: 'C62', unit_price: '800', price_base_quantity: '1', net_amount: '800.00' }],
    net_total: '800.00',
    tax_total: '0',
    total: '800.00',
  });
}

export const VENDORS_CSV = `vendor_id,name,aliases,tax_id,iban,email,currency,authorization_cap,ytd_spend,blocked,approver,category
V001,Acme GmbH,Acme Widgets|ACW,DE123456789,DE89370400440532013000,billing@acme.example,EUR,10000,0,false,buyer@example.com,
V002,Other Corp.,,DE999999999,,,EUR,,0,false,,it
`;

export const POS_CSV = `po_number,vendor_id,po_date,currency,status,line_no,item_code,description,quantity,unit_price,receipt_required
PO-7001,V001,2026-02-01,EUR,open,1,A-100,Widget,10,12.50,true
PO-7001,V001,2026-02-01,EUR,open,2,B-200,Gadget large blue,5,20.00,true
PO-7002,V002,2026-02-01,EUR,open,1,C-1,Consulting day,10,800,false
`;

export const GRN_CSV = `grn_number,po_number,line_no,received_quantity,received_date
GRN-1,PO-7001,1,10,2026-02-20
GRN-2,PO-7001,2,5,2026-02-20
`;

export const POLICY_JSON = JSON.stringify({
  timezone: 'Europe/Berlin',
  auto_approve_max: '500',
  dual_approval_threshold: '10000',
  quiet_hours: { start: '19:00', end: '08:00', weekends: true },
  admin_approver: 'ap-admin@example.com',
  second_approver: 'controller@example.com',
  backup_approvers: ['backup-approver@example.com'],
  category_approvers: { it: 'it-lead@example.com' },
});

/**
 * Master data as imported at the start of 2026 (before the tests' fixed clocks), so that an
 * empty `ytd_as_of` covers nothing the tests then spend.
 */
export function master(overrides: Partial<Record<'vendors.csv' | 'purchase_orders.csv' | 'goods_receipts.csv' | 'policy.json', string>> = {}): MasterData {
  return { ...parseMaster(overrides), imported_at: '2026-01-01T00:00:00.000Z' };
}

function parseMaster(overrides: Partial<Record<'vendors.csv' | 'purchase_orders.csv' | 'goods_receipts.csv' | 'policy.json', string>>): MasterData {
  return parseMasterData({
    'vendors.csv': VENDORS_CSV,
    'purchase_orders.csv': POS_CSV,
    'goods_receipts.csv': GRN_CSV,
    'policy.json': POLICY_JSON,
    ...overrides,
  });
}
