/**
 * UN/CEFACT Cross Industry Invoice → canonical bill: CII D16B (`rsm:CrossIndustryInvoice`:
 * EN 16931, XRechnung CII, Factur-X / ZUGFeRD 2 profiles) and ZUGFeRD 1.0
 * (`rsm:CrossIndustryDocument`, which predates EN 16931 and is mapped by analogy: the same
 * terms under their older element names). Each path step lists the D16B name first and the
 * ZUGFeRD 1.0 name second. The mapping per business term is in docs/formats-mapping.md.
 */
import { documentTypeOf, emptyBill, emptyLine, sumAmounts, ymdToIso, type DraftBill, type DraftLine, type DraftTaxRow } from './canonical.ts';
import { attrAt, childrenOf, find, findAll, textAt, xsBoolean, type XmlElement } from './xml.ts';

export const CII_FORMAT = 'cii';

export const CII_NS = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';
export const ZUGFERD1_NS = 'urn:ferd:CrossIndustryDocument:invoice:1p0';

/** True for a CII D16B CrossIndustryInvoice or a ZUGFeRD 1.0 CrossIndustryDocument root. */
export function isCiiRoot(root: XmlElement): boolean {
  return (root.name === 'CrossIndustryInvoice' && root.ns === CII_NS) || (root.name === 'CrossIndustryDocument' && root.ns === ZUGFERD1_NS);
}

// D16B name | ZUGFeRD 1.0 name
const DOC = 'ExchangedDocument|HeaderExchangedDocument';
const TX = 'SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction';
const AGREEMENT = 'ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement';
const SETTLEMENT = 'ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement';
const SUMMATION = 'SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation';
const LINE_AGREEMENT = 'SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement';
const LINE_DELIVERY = 'SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery';
const LINE_SETTLEMENT = 'SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement';
const LINE_SUMMATION = 'SpecifiedTradeSettlementLineMonetarySummation|SpecifiedTradeSettlementMonetarySummation';

/** Reads a CII (or ZUGFeRD 1.0) root element into a draft bill. */
export function readCii(root: XmlElement): DraftBill {
  const bill = emptyBill();
  const doc = find(root, DOC);
  const tx = find(root, TX);
  const agreement = find(tx, AGREEMENT);
  const settlement = find(tx, SETTLEMENT);
  const summation = find(settlement, SUMMATION);
  const currency = textAt(settlement, 'InvoiceCurrencyCode');
  bill.document_type = documentTypeOf(textAt(doc, 'TypeCode'));
  bill.invoice_number = textAt(doc, 'ID');
  bill.issue_date = ciiDate(find(doc, 'IssueDateTime'));
  bill.due_date = dueDate(settlement);
  bill.currency = currency;
  bill.supplier = readSupplier(agreement, settlement);
  bill.buyer = { name: textAt(agreement, 'BuyerTradeParty', 'Name') };
  bill.po_reference = textAt(agreement, 'BuyerOrderReferencedDocument', 'IssuerAssignedID') ?? textAt(agreement, 'BuyerOrderReferencedDocument', 'ID');
  // Top-level lines only: a Factur-X EXTENDED sub-line names its parent in ParentLineID.
  bill.lines = childrenOf(tx, 'IncludedSupplyChainTradeLineItem')
    .filter((item) => textAt(item, 'AssociatedDocumentLineDocument', 'ParentLineID') === null)
    .map(readLine);
  bill.allowance_total = textAt(summation, 'AllowanceTotalAmount');
  bill.charge_total = textAt(summation, 'ChargeTotalAmount');
  bill.net_total = textAt(summation, 'TaxBasisTotalAmount');
  bill.tax_total = taxTotal(summation, currency);
  bill.tax_breakdown = taxBreakdown(settlement);
  bill.total = textAt(summation, 'GrandTotalAmount');
  bill.prepaid = textAt(summation, 'TotalPrepaidAmount');
  bill.rounding = textAt(summation, 'RoundingAmount');
  bill.payable = textAt(summation, 'DuePayableAmount');
  bill.notes = notes(findAll(doc, 'IncludedNote', 'Content'));
  return bill;
}

function readSupplier(agreement: XmlElement | null, settlement: XmlElement | null): DraftBill['supplier'] {
  const seller = find(agreement, 'SellerTradeParty');
  const vat = childrenOf(seller, 'SpecifiedTaxRegistration').find((r) => attrAt(r, 'schemeID', 'ID')?.toUpperCase() === 'VA');
  const account = findAll(settlement, 'SpecifiedTradeSettlementPaymentMeans', 'PayeePartyCreditorFinancialAccount')
    .map((a) => textAt(a, 'IBANID') ?? textAt(a, 'ProprietaryID'))
    .find((id) => id !== null);
  return {
    // CII SellerTradeParty/Name is BT-27; the trading name BT-28 only where it is absent.
    name: textAt(seller, 'Name') ?? textAt(seller, 'SpecifiedLegalOrganization', 'TradingBusinessName'),
    tax_id: textAt(vat, 'ID'),
    iban: account ?? null,
    email: textAt(seller, 'DefinedTradeContact', 'EmailURIUniversalCommunication', 'URIID'),
  };
}

/** BT-9: the first payment terms that carry a due date. */
function dueDate(settlement: XmlElement | null): string | null {
  for (const terms of childrenOf(settlement, 'SpecifiedTradePaymentTerms')) {
    const date = ciiDate(find(terms, 'DueDateDateTime'));
    if (date !== null) return date;
  }
  return null;
}

/**
 * A udt:DateTimeString: format 102 (CCYYMMDD), or no format and eight digits, becomes ISO;
 * any other format is kept as written, so validation reports it rather than guessing.
 */
function ciiDate(dateTime: XmlElement | null): string | null {
  const raw = textAt(dateTime, 'DateTimeString');
  if (raw === null) return null;
  const format = attrAt(dateTime, 'format', 'DateTimeString');
  return format === '102' || (format === null && /^\d{8}$/.test(raw)) ? ymdToIso(raw) : raw;
}

/** BT-110: the TaxTotalAmount in the invoice currency (a second one, in the tax currency, is BT-111). */
function taxTotal(summation: XmlElement | null, currency: string | null): string | null {
  const amounts = childrenOf(summation, 'TaxTotalAmount');
  const inCurrency = amounts.find((a) => currency !== null && a.attrs['currencyID']?.trim() === currency);
  const chosen = inCurrency ?? amounts.find((a) => a.attrs['currencyID'] === undefined) ?? amounts[0];
  return chosen && chosen.text !== '' ? chosen.text : null;
}

/**
 * BG-23: each header-level ApplicableTradeTax is one row: BT-116 BasisAmount, BT-117
 * CalculatedAmount, BT-118 CategoryCode, BT-119 RateApplicablePercent (ZUGFeRD 1.0:
 * ApplicablePercent). Null when the settlement has none.
 */
function taxBreakdown(settlement: XmlElement | null): DraftTaxRow[] | null {
  const taxes = childrenOf(settlement, 'ApplicableTradeTax');
  if (taxes.length === 0) return null;
  return taxes.map((tax) => ({
    category: textAt(tax, 'CategoryCode'),
    rate: textAt(tax, 'RateApplicablePercent|ApplicablePercent'),
    taxable_amount: textAt(tax, 'BasisAmount'),
    tax_amount: textAt(tax, 'CalculatedAmount'),
  }));
}

function readLine(item: XmlElement): DraftLine {
  const line = emptyLine();
  const agreement = find(item, LINE_AGREEMENT);
  const settlement = find(item, LINE_SETTLEMENT);
  const price = find(agreement, 'NetPriceProductTradePrice');
  line.line_id = textAt(item, 'AssociatedDocumentLineDocument', 'LineID');
  line.item_code = textAt(item, 'SpecifiedTradeProduct', 'SellerAssignedID') ?? textAt(item, 'SpecifiedTradeProduct', 'BuyerAssignedID');
  line.po_line = textAt(agreement, 'BuyerOrderReferencedDocument', 'LineID');
  line.description = textAt(item, 'SpecifiedTradeProduct', 'Name');
  line.quantity = textAt(item, LINE_DELIVERY, 'BilledQuantity');
  line.unit_code = attrAt(item, 'unitCode', LINE_DELIVERY, 'BilledQuantity');
  line.unit_price = textAt(price, 'ChargeAmount');
  line.price_base_quantity = textAt(price, 'BasisQuantity');
  line.net_amount = textAt(settlement, LINE_SUMMATION, 'LineTotalAmount');
  const charges = childrenOf(settlement, 'SpecifiedTradeAllowanceCharge');
  line.allowance_total = sumAmounts(amountsOf(charges, false));
  line.charge_total = sumAmounts(amountsOf(charges, true));
  return line;
}

function amountsOf(list: readonly XmlElement[], charge: boolean): string[] {
  return list
    .filter((ac) => xsBoolean(textAt(ac, 'ChargeIndicator', 'Indicator')) === charge)
    .map((ac) => textAt(ac, 'ActualAmount'))
    .filter((a): a is string => a !== null);
}

function notes(contents: readonly XmlElement[]): string | null {
  const texts = contents.map((c) => c.text).filter((t) => t !== '');
  return texts.length > 0 ? texts.join('\n') : null;
}
