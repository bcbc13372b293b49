/**
 * Writes the bundled demo (`bin/demo/`): master data of a small buyer, Northwind Manufacturing,
 * and sample bills as UBL and CII e-invoices, one of each main outcome, plus the manifest
 * `bm demo` follows. Amounts are computed here, so every bill adds up unless it is meant not to.
 *
 *   npx tsx scripts/make-demo.ts
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OUT = join(import.meta.dirname, '../bin/demo');

const BUYER = 'Northwind Manufacturing Ltd';

interface Party {
  readonly name: string;
  readonly taxId: string;
  readonly iban?: string;
  readonly email?: string;
}

const ACME: Party = { name: 'Acme Office Supplies GmbH', taxId: 'DE129273398', iban: 'DE89370400440532013000', email: 'billing@acme-office.example' };
const BRIGHTLINE: Party = { name: 'Brightline IT Services B.V.', taxId: 'NL859934412B01', iban: 'NL91ABNA0417164300', email: 'invoices@brightline.example' };
const CASTOR: Party = { name: 'Castor Tools AG', taxId: 'DE811907980', iban: 'DE02120300000000202051', email: 'accounts@castor-tools.example' };
const DELTA: Party = { name: 'Delta Freight Ltd', taxId: 'GB123456789', iban: 'GB29NWBK60161331926819', email: 'ar@delta-freight.example' };
const EVERGREEN: Party = { name: 'Evergreen Facilities GmbH', taxId: 'DE267405117', iban: 'DE75512108001245126199', email: 'rechnung@evergreen.example' };
const FJORD: Party = { name: 'Fjord Packaging AS', taxId: 'NO923609016MVA', iban: 'NO9386011117947', email: 'faktura@fjord-packaging.example' };
const GAMMA: Party = { name: 'Gamma Electrical Supplies Ltd', taxId: 'GB987654321' };

const VENDORS = `vendor_id,name,aliases,tax_id,iban,email,currency,authorization_cap,ytd_spend,blocked,approver,category
V100,${ACME.name},Acme Office,${ACME.taxId},${ACME.iban},${ACME.email},EUR,,0,false,purchasing@northwind.example,
V200,${BRIGHTLINE.name},Brightline,${BRIGHTLINE.taxId},${BRIGHTLINE.iban},${BRIGHTLINE.email},EUR,,0,false,,it
V300,${CASTOR.name},,${CASTOR.taxId},${CASTOR.iban},${CASTOR.email},EUR,,0,false,workshop@northwind.example,
V400,${DELTA.name},,${DELTA.taxId},${DELTA.iban},${DELTA.email},EUR,,0,true,logistics@northwind.example,
V500,${EVERGREEN.name},,${EVERGREEN.taxId},${EVERGREEN.iban},${EVERGREEN.email},EUR,50000,48500,false,facilities@northwind.example,
V600,${FJORD.name},,${FJORD.taxId},${FJORD.iban},${FJORD.email},EUR,,0,false,purchasing@northwind.example,
`;

const POS = `po_number,vendor_id,po_date,currency,status,line_no,item_code,description,quantity,unit_price,receipt_required
PO-1001,V100,2026-02-10,EUR,open,1,PAP-A4-80,Copy paper A4 80gsm box of 5 reams,20,21.50,true
PO-1001,V100,2026-02-10,EUR,open,2,TON-59A,Toner cartridge black 59A,4,64.00,true
PO-1002,V100,2026-02-12,EUR,open,1,PEN-BL-50,Ballpoint pens blue box of 50,10,9.80,true
PO-2001,V200,2026-02-05,EUR,open,1,LAP-14-32,Laptop 14 inch 32 GB,5,1180.00,true
PO-2001,V200,2026-02-05,EUR,open,2,DOCK-USBC,USB-C docking station,5,149.00,true
PO-3001,V300,2026-02-08,EUR,open,1,DRL-18V,Cordless drill 18V with two batteries,6,189.00,true
PO-3001,V300,2026-02-08,EUR,open,2,BIT-SET-32,Drill bit set 32 pieces,6,32.00,true
PO-3002,V300,2026-02-15,EUR,open,1,SAW-BL-190,Circular saw blade 190 mm,10,24.00,true
PO-3002,V300,2026-02-15,EUR,open,2,GLV-NIT-L,Work gloves nitrile size L pair,50,3.20,true
PO-3003,V300,2026-02-15,EUR,open,1,WB-STEEL-2M,Steel workbench 2 m,2,640.00,true
PO-4001,V400,2026-02-01,EUR,open,1,FRT-HAM-LBA,Freight Hamburg to Leeds full truck,1,850.00,false
PO-5001,V500,2026-02-01,EUR,open,1,CLN-2603,Office cleaning March,1,2400.00,false
PO-6001,V600,2026-02-03,EUR,open,1,BOX-403030,Cardboard box 40x30x30 cm,500,0.95,true
`;

const GRNS = `grn_number,po_number,line_no,received_quantity,received_date
GRN-5101,PO-1001,1,20,2026-02-20
GRN-5102,PO-1001,2,4,2026-02-20
GRN-5103,PO-1002,1,10,2026-02-21
GRN-5201,PO-2001,1,5,2026-02-24
GRN-5202,PO-2001,2,5,2026-02-24
GRN-5301,PO-3001,1,6,2026-02-18
GRN-5302,PO-3001,2,6,2026-02-18
GRN-5303,PO-3002,1,10,2026-02-25
GRN-5304,PO-3002,2,50,2026-02-25
GRN-5305,PO-3003,1,2,2026-02-26
GRN-5601,PO-6001,1,400,2026-02-19
`;

const POLICY = {
  timezone: 'Europe/Berlin',
  price_tolerance_pct: '2',
  quantity_tolerance_pct: '0',
  duplicate_window_days: 90,
  auto_approve_max: '1000',
  dual_approval_threshold: '10000',
  quiet_hours: { start: '19:00', end: '08:00', weekends: true },
  admin_approver: 'ap-admin@northwind.example',
  second_approver: 'controller@northwind.example',
  backup_approvers: ['backup-approver@northwind.example'],
  category_approvers: { it: 'it-lead@northwind.example' },
  supplier_reminder_days: 5,
  confidence_threshold: '0.8',
  suppliers: {},
};

interface Line {
  readonly code: string;
  readonly description: string;
  readonly quantity: number;
  /** Unit price in cents. */
  readonly price: number;
}

interface Spec {
  readonly file: string;
  readonly format: 'ubl' | 'cii';
  readonly number: string;
  readonly issue: string;
  readonly due: string;
  readonly supplier: Party;
  readonly po: string | null;
  readonly lines: readonly Line[];
  /** A stated total that differs from the computed one (the totals-inconsistent case). */
  readonly statedTotal?: number;
  readonly note?: string;
}

const cents = (c: number) => `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function amounts(s: Spec) {
  const lines = s.lines.map((l) => l.quantity * l.price);
  const net = lines.reduce((a, b) => a + b, 0);
  const tax = Math.round((net * 19) / 100);
  return { lines, net, tax, total: s.statedTotal ?? net + tax };
}

function ubl(s: Spec): string {
  const a = amounts(s);
  const p = s.supplier;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>${x(s.number)}</cbc:ID>
  <cbc:IssueDate>${s.issue}</cbc:IssueDate>
  <cbc:DueDate>${s.due}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>${s.note ? `\n  <cbc:Note>${x(s.note)}</cbc:Note>` : ''}
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>AP</cbc:BuyerReference>${s.po ? `\n  <cac:OrderReference><cbc:ID>${x(s.po)}</cbc:ID></cac:OrderReference>` : ''}
  <cac:AccountingSupplierParty><cac:Party>${p.email ? `\n    <cbc:EndpointID schemeID="EM">${x(p.email)}</cbc:EndpointID>` : ''}
    <cac:PartyName><cbc:Name>${x(p.name)}</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>${p.taxId.slice(0, 2)}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>${x(p.taxId)}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>${x(p.name)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>${BUYER}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>${p.iban ? `\n  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>${p.iban}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>` : ''}
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">${cents(a.tax)}</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">${cents(a.net)}</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">${cents(a.tax)}</cbc:TaxAmount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">${cents(a.net)}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">${cents(a.net)}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">${cents(a.total)}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">${cents(a.total)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
${s.lines
  .map(
    (l, i) => `  <cac:InvoiceLine>
    <cbc:ID>${i + 1}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">${l.quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">${cents(a.lines[i]!)}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>${x(l.description)}</cbc:Name><cac:SellersItemIdentification><cbc:ID>${x(l.code)}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">${cents(l.price)}</cbc:PriceAmount><cbc:BaseQuantity unitCode="C62">1</cbc:BaseQuantity></cac:Price>
  </cac:InvoiceLine>`,
  )
  .join('\n')}
</Invoice>
`;
}

function cii(s: Spec): string {
  const a = amounts(s);
  const p = s.supplier;
  const d = (iso: string) => iso.replace(/-/g, '');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>${x(s.number)}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">${d(s.issue)}</udt:DateTimeString></ram:IssueDateTime>${s.note ? `\n    <ram:IncludedNote><ram:Content>${x(s.note)}</ram:Content></ram:IncludedNote>` : ''}
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
${s.lines
  .map(
    (l, i) => `    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>${i + 1}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:SellerAssignedID>${x(l.code)}</ram:SellerAssignedID><ram:Name>${x(l.description)}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>${cents(l.price)}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">${l.quantity}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>${cents(a.lines[i]!)}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>`,
  )
  .join('\n')}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>AP</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>${x(p.name)}</ram:Name>${p.email ? `\n        <ram:DefinedTradeContact><ram:EmailURIUniversalCommunication><ram:URIID>${x(p.email)}</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>` : ''}
        <ram:PostalTradeAddress><ram:CountryID>${p.taxId.slice(0, 2)}</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">${x(p.taxId)}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>${BUYER}</ram:Name></ram:BuyerTradeParty>${s.po ? `\n      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>${x(s.po)}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>` : ''}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>${p.iban ? `\n      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>${p.iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>` : ''}
      <ram:ApplicableTradeTax><ram:CalculatedAmount>${cents(a.tax)}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>${cents(a.net)}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">${d(s.due)}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>${cents(a.net)}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>${cents(a.net)}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">${cents(a.tax)}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>${cents(a.total)}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>${cents(a.total)}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
`;
}

const ACME_MARCH: Omit<Spec, 'file' | 'format'> = {
  number: 'INV-A-2026-0311',
  issue: '2026-03-02',
  due: '2026-04-01',
  supplier: ACME,
  po: 'PO-1001',
  lines: [
    { code: 'PAP-A4-80', description: 'Copy paper A4 80gsm box of 5 reams', quantity: 20, price: 2150 },
    { code: 'TON-59A', description: 'Toner cartridge black 59A', quantity: 4, price: 6400 },
  ],
};

const CASTOR_EMAIL_UBL: Spec = {
  file: 'bills/email/CT-88502.xml',
  format: 'ubl',
  number: 'CT-88502',
  issue: '2026-03-02',
  due: '2026-04-01',
  supplier: CASTOR,
  po: 'PO-3002',
  lines: [
    { code: 'SAW-BL-190', description: 'Circular saw blade 190 mm', quantity: 10, price: 2400 },
    { code: 'GLV-NIT-L', description: 'Work gloves nitrile size L pair', quantity: 50, price: 320 },
  ],
};

const CASTOR_EMAIL_CII: Spec = {
  file: 'bills/email/CT-88503.cii.xml',
  format: 'cii',
  number: 'CT-88503',
  issue: '2026-03-02',
  due: '2026-04-01',
  supplier: CASTOR,
  po: 'PO-3003',
  lines: [{ code: 'WB-STEEL-2M', description: 'Steel workbench 2 m', quantity: 2, price: 64000 }],
};

interface Step {
  readonly spec?: Spec;
  readonly email?: { readonly from: string; readonly subject: string; readonly text: string; readonly attachments: readonly Spec[] };
  readonly shows: readonly string[];
  readonly expect: readonly { readonly state: string; readonly codes: readonly string[] }[];
}

const STEPS: Step[] = [
  {
    spec: { ...ACME_MARCH, file: 'bills/01-acme-office.xml', format: 'ubl' },
    shows: ['clean and under the touchless limit: ready for payment with no one involved'],
    expect: [{ state: 'ready_for_payment', codes: [] }],
  },
  {
    spec: {
      file: 'bills/02-brightline-laptops.cii.xml',
      format: 'cii',
      number: 'BL-26-0142',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: BRIGHTLINE,
      po: 'PO-2001',
      lines: [
        { code: 'LAP-14-32', description: 'Laptop 14 inch 32 GB', quantity: 5, price: 118000 },
        { code: 'DOCK-USBC', description: 'USB-C docking station', quantity: 5, price: 14900 },
      ],
    },
    shows: ['clean but above the touchless limit: waits for the IT category approver'],
    expect: [{ state: 'awaiting_approval', codes: [] }],
  },
  {
    spec: {
      file: 'bills/03-castor-drills.xml',
      format: 'ubl',
      number: 'CT-88410',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: CASTOR,
      po: 'PO-3001',
      lines: [
        { code: 'DRL-18V', description: 'Cordless drill 18V with two batteries', quantity: 6, price: 19900 },
        { code: 'BIT-SET-32', description: 'Drill bit set 32 pieces', quantity: 6, price: 3200 },
      ],
    },
    shows: ['drills billed at 199.00 against a PO price of 189.00 (+5.3 %, tolerance 2 %)'],
    expect: [{ state: 'flagged', codes: ['PRICE_VARIANCE'] }],
  },
  {
    spec: {
      file: 'bills/04-fjord-boxes.cii.xml',
      format: 'cii',
      number: 'FP-2026-077',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: FJORD,
      po: 'PO-6001',
      lines: [{ code: 'BOX-403030', description: 'Cardboard box 40x30x30 cm', quantity: 500, price: 95 }],
    },
    shows: ['500 boxes billed, 400 received'],
    expect: [{ state: 'flagged', codes: ['QUANTITY_VARIANCE'] }],
  },
  {
    spec: { ...ACME_MARCH, file: 'bills/05-acme-office-resent.cii.xml', format: 'cii', note: 'Reminder: copy of our invoice INV-A-2026-0311' },
    shows: ['bill 01 sent again, now as CII: same supplier and number'],
    expect: [{ state: 'blocked', codes: ['DUPLICATE'] }],
  },
  {
    spec: {
      file: 'bills/06-delta-freight.xml',
      format: 'ubl',
      number: 'DF-10077',
      issue: '2026-03-02',
      due: '2026-03-16',
      supplier: DELTA,
      po: 'PO-4001',
      lines: [{ code: 'FRT-HAM-LBA', description: 'Freight Hamburg to Leeds full truck', quantity: 1, price: 85000 }],
    },
    shows: ['the vendor is blocked in the master data'],
    expect: [{ state: 'blocked', codes: ['VENDOR_BLOCKED'] }],
  },
  {
    spec: {
      file: 'bills/07-evergreen-cleaning.cii.xml',
      format: 'cii',
      number: 'EV-2603-11',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: EVERGREEN,
      po: 'PO-5001',
      lines: [{ code: 'CLN-2603', description: 'Office cleaning March', quantity: 1, price: 240000 }],
    },
    shows: ['48,500 spent this year + 2,856.00 > the 50,000 authorization cap'],
    expect: [{ state: 'blocked', codes: ['CAP_EXCEEDED'] }],
  },
  {
    spec: {
      file: 'bills/08-gamma-electrical.xml',
      format: 'ubl',
      number: 'GE-5521',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: GAMMA,
      po: null,
      lines: [{ code: 'LED-T8-120', description: 'LED tube T8 120 cm', quantity: 40, price: 790 }],
    },
    shows: ['a supplier that is not in the vendor list, and no PO'],
    expect: [{ state: 'flagged', codes: ['VENDOR_UNKNOWN', 'NO_PO'] }],
  },
  {
    spec: {
      file: 'bills/09-acme-pens.cii.xml',
      format: 'cii',
      number: 'INV-A-2026-0355',
      issue: '2026-03-02',
      due: '2026-04-01',
      supplier: ACME,
      po: 'PO-1002',
      lines: [{ code: 'PEN-BL-50', description: 'Ballpoint pens blue box of 50', quantity: 10, price: 980 }],
      statedTotal: 16162,
    },
    shows: ['98.00 net + 18.62 tax stated as 161.62'],
    expect: [{ state: 'needs_review', codes: ['TOTALS_INCONSISTENT'] }],
  },
  {
    email: {
      from: 'Castor Tools Accounts <accounts@castor-tools.example>',
      subject: 'Castor Tools invoices CT-88502 and CT-88503',
      text: 'Dear Northwind team,\n\nplease find attached our invoices CT-88502 (UBL) and CT-88503 (CII) for your orders PO-3002 and PO-3003.\n\nKind regards,\nCastor Tools AG, Accounts\n',
      attachments: [CASTOR_EMAIL_UBL, CASTOR_EMAIL_CII],
    },
    shows: ['an email with two e-invoices attached: the small one is paid touchless', 'the larger one waits for the workshop approver'],
    expect: [
      { state: 'ready_for_payment', codes: [] },
      { state: 'awaiting_approval', codes: [] },
    ],
  },
];

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(join(OUT, 'master'), { recursive: true });
  await mkdir(join(OUT, 'bills/email'), { recursive: true });
  await writeFile(join(OUT, 'master/vendors.csv'), VENDORS);
  await writeFile(join(OUT, 'master/purchase_orders.csv'), POS);
  await writeFile(join(OUT, 'master/goods_receipts.csv'), GRNS);
  await writeFile(join(OUT, 'master/policy.json'), JSON.stringify(POLICY, null, 2) + '\n');
  const write = (s: Spec) => writeFile(join(OUT, s.file), s.format === 'ubl' ? ubl(s) : cii(s));
  for (const step of STEPS) {
    if (step.spec) await write(step.spec);
    for (const a of step.email?.attachments ?? []) await write(a);
  }
  const manifest = {
    about: 'The bundled demo of `bm demo`: Northwind Manufacturing’s master data and one bill per main outcome. Generated by scripts/make-demo.ts.',
    master: 'master',
    steps: STEPS.map((s) =>
      s.spec
        ? { file: s.spec.file, shows: s.shows, expect: s.expect }
        : { email: { ...s.email!, attachments: s.email!.attachments.map((a) => a.file) }, shows: s.shows, expect: s.expect },
    ),
  };
  await writeFile(join(OUT, 'demo.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`demo written to ${OUT}`);
}

await main();
