/**
 * UBL 2.1 Invoice and CreditNote (Peppol BIS 3, XRechnung UBL, EN 16931 UBL syntax) →
 * canonical bill. Amounts are the element text exactly as written. The mapping per
 * business term is in docs/formats-mapping.md.
 */
import { documentTypeOf, emptyBill, emptyLine, sumAmounts, type DraftBill, type DraftLine, type DraftTaxRow } from './canonical.ts';
import { attrAt, childrenOf, find, findAll, textAt, xsBoolean, type XmlElement } from './xml.ts';

export const UBL_FORMAT = 'ubl';

export const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

/** True for a UBL 2.x Invoice or CreditNote root element. */
export function isUblRoot(root: XmlElement): boolean {
  return (root.name === 'Invoice' && root.ns === UBL_INVOICE_NS) || (root.name === 'CreditNote' && root.ns === UBL_CREDIT_NOTE_NS);
}

/** Reads a UBL Invoice or CreditNote root element into a draft bill. */
export function readUbl(root: XmlElement): DraftBill {
  const creditNoteRoot = root.name === 'CreditNote';
  const bill = emptyBill();
  const currency = textAt(root, 'DocumentCurrencyCode');
  bill.document_type = documentTypeOf(textAt(root, creditNoteRoot ? 'CreditNoteTypeCode' : 'InvoiceTypeCode'), creditNoteRoot);
  bill.invoice_number = textAt(root, 'ID');
  bill.issue_date = textAt(root, 'IssueDate');
  // BT-9 (EN 16931 UBL binding): cbc:DueDate in an Invoice; a CreditNote has no DueDate
  // element and carries BT-9 as PaymentMeans/PaymentDueDate.
  bill.due_date = creditNoteRoot ? textAt(root, 'PaymentMeans', 'PaymentDueDate') : textAt(root, 'DueDate');
  bill.currency = currency;
  bill.supplier = readSupplier(root);
  bill.buyer = { name: textAt(root, 'AccountingCustomerParty', 'Party', 'PartyLegalEntity', 'RegistrationName') };
  bill.po_reference = textAt(root, 'OrderReference', 'ID');
  bill.lines = childrenOf(root, creditNoteRoot ? 'CreditNoteLine' : 'InvoiceLine').map(readLine);
  const totals = find(root, 'LegalMonetaryTotal');
  bill.allowance_total = textAt(totals, 'AllowanceTotalAmount');
  bill.charge_total = textAt(totals, 'ChargeTotalAmount');
  bill.net_total = textAt(totals, 'TaxExclusiveAmount');
  bill.tax_total = taxTotal(root, currency);
  bill.tax_breakdown = taxBreakdown(root, currency);
  bill.total = textAt(totals, 'TaxInclusiveAmount');
  bill.prepaid = textAt(totals, 'PrepaidAmount');
  bill.rounding = textAt(totals, 'PayableRoundingAmount');
  bill.payable = textAt(totals, 'PayableAmount');
  bill.notes = notes(childrenOf(root, 'Note'));
  return bill;
}

function readSupplier(root: XmlElement): DraftBill['supplier'] {
  const party = find(root, 'AccountingSupplierParty', 'Party');
  const vat = childrenOf(party, 'PartyTaxScheme').find((s) => textAt(s, 'TaxScheme', 'ID')?.toUpperCase() === 'VAT');
  return {
    // BT-27 legal registration name; the trading name BT-28 only where BT-27 is absent.
    name: textAt(party, 'PartyLegalEntity', 'RegistrationName') ?? textAt(party, 'PartyName', 'Name'),
    tax_id: textAt(vat, 'CompanyID'),
    iban: findAll(root, 'PaymentMeans', 'PayeeFinancialAccount').map((a) => textAt(a, 'ID')).find((id) => id !== null) ?? null,
    email: textAt(party, 'Contact', 'ElectronicMail'),
  };
}

/** BT-110: the TaxTotal whose TaxAmount is in the document currency (BT-111, in the tax currency, is the other one). */
function taxTotal(root: XmlElement, currency: string | null): string | null {
  const totals = childrenOf(root, 'TaxTotal');
  const inCurrency = totals.find((t) => currency !== null && attrAt(t, 'currencyID', 'TaxAmount') === currency);
  return textAt(inCurrency ?? totals[0], 'TaxAmount');
}

/**
 * BG-23: the TaxSubtotals of the TaxTotal in the document currency, one row each: BT-116
 * TaxableAmount, BT-117 TaxAmount, BT-118 TaxCategory/ID, BT-119 TaxCategory/Percent (UBL
 * 2.0 senders also write Percent on the TaxSubtotal itself). Null when there is none.
 */
function taxBreakdown(root: XmlElement, currency: string | null): DraftTaxRow[] | null {
  const totals = childrenOf(root, 'TaxTotal');
  const withRows = totals.filter((t) => childrenOf(t, 'TaxSubtotal').length > 0);
  const chosen = withRows.find((t) => currency !== null && attrAt(t, 'currencyID', 'TaxAmount') === currency) ?? withRows[0];
  if (!chosen) return null;
  return childrenOf(chosen, 'TaxSubtotal').map((sub) => ({
    category: textAt(sub, 'TaxCategory', 'ID'),
    rate: textAt(sub, 'TaxCategory', 'Percent') ?? textAt(sub, 'Percent'),
    taxable_amount: textAt(sub, 'TaxableAmount'),
    tax_amount: textAt(sub, 'TaxAmount'),
  }));
}

function readLine(el: XmlElement): DraftLine {
  const line = emptyLine();
  const quantity = find(el, 'InvoicedQuantity|CreditedQuantity');
  line.line_id = textAt(el, 'ID');
  line.item_code = textAt(el, 'Item', 'SellersItemIdentification', 'ID') ?? textAt(el, 'Item', 'BuyersItemIdentification', 'ID');
  line.po_line = textAt(el, 'OrderLineReference', 'LineID');
  line.description = textAt(el, 'Item', 'Name');
  line.quantity = quantity && quantity.text !== '' ? quantity.text : null;
  line.unit_code = attrAt(el, 'unitCode', 'InvoicedQuantity|CreditedQuantity');
  line.unit_price = textAt(el, 'Price', 'PriceAmount');
  line.price_base_quantity = textAt(el, 'Price', 'BaseQuantity');
  line.net_amount = textAt(el, 'LineExtensionAmount');
  const charges = childrenOf(el, 'AllowanceCharge');
  line.allowance_total = sumAmounts(amountsOf(charges, false));
  line.charge_total = sumAmounts(amountsOf(charges, true));
  return line;
}

/** The Amount of each AllowanceCharge whose ChargeIndicator is `charge`. */
function amountsOf(list: readonly XmlElement[], charge: boolean): string[] {
  return list
    .filter((ac) => xsBoolean(textAt(ac, 'ChargeIndicator')) === charge)
    .map((ac) => textAt(ac, 'Amount'))
    .filter((a): a is string => a !== null);
}

function notes(list: readonly XmlElement[]): string | null {
  const texts = list.map((n) => n.text).filter((t) => t !== '');
  return texts.length > 0 ? texts.join('\n') : null;
}
