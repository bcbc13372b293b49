/**
 * Positive evidence on the page lifts a value over the threshold, and only that: each rule here
 * raises a confidence where the page states or cross-checks the value, with a test beside it
 * showing the look-alike page that must stay doubtful. Synthetic pages, real text layers (pdf-lib).
 */
import { describe, expect, it } from 'vitest';
import { confidenceOf, readPage, rowsToItems } from './support.ts';

type Rows = [number, [number, string][]][];
type Item = ReturnType<typeof rowsToItems>[number];

const read = readPage;
const conf = confidenceOf;

/** A hosting bill with no tax printed (a service abroad): the line amounts' header decides what they are. */
function hosting(amountHeader: [number, string][], extra: Rows = []): Item[] {
  const rows: Rows = [
    [60, [[50, 'Webhost Dienste GmbH - Hafenweg 3 - 20457 Hamburg']]],
    [120, [[50, 'Beispiel Ltd.']]],
    [132, [[50, '1 Harbour Road, Hong Kong']]],
    [200, [[50, 'Rechnungsnr.'], [150, '70011234']]],
    [212, [[50, 'Rechnungsdatum'], [150, '7. Mai 2024']]],
    [250, [[50, 'Pos.'], [90, 'Menge'], [140, 'Beschreibung'], [420, 'Einzelpreis'], ...amountHeader.filter(([, t]) => t !== '')]],
    [275, [[55, '1'], [95, '2'], [140, 'Mailbox Standard'], [430, '3,50'], [500, '7,00']]],
    [290, [[55, '2'], [95, '1'], [140, 'Mailbox Premium'], [430, '5,40'], [500, '5,40']]],
    [330, [[400, 'Total EUR'], [500, '12,40']]],
    ...extra,
    [790, [[50, 'Webhost Dienste GmbH'], [250, 'USt-IdNr. DE123456789']]],
  ];
  return rowsToItems(rows).concat([{ x: 50, y: 180, text: 'Rechnung', size: 16 }]);
}

describe('pdf-text evidence: line amounts stated net that add up to the total', () => {
  it('`Zeilenbetrag` over `ohne MwSt.` adding up to the total: net = the line sum, confident, and so are the lines', async () => {
    const bill = await read(hosting([[490, 'Zeilenbetrag']]).concat(rowsToItems([[260, [[490, 'ohne MwSt.']]]])));
    expect(bill.total).toBe('12.40');
    expect(bill.net_total).toBe('12.40');
    expect(conf(bill, 'net_total')).toBeGreaterThanOrEqual(0.8);
    expect(conf(bill, 'lines[0].net_amount')).toBeGreaterThanOrEqual(0.8);
    expect(conf(bill, 'lines[1].quantity')).toBeGreaterThanOrEqual(0.8);
  });

  it('`Montant HT`, `Amount excl. VAT` in one header cell state it too', async () => {
    for (const header of ['Montant HT', 'Amount excl. VAT']) {
      const bill = await read(hosting([[490, header]]));
      expect(bill.net_total, header).toBe('12.40');
      expect(conf(bill, 'net_total'), header).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('a plain `Betrag` column says nothing about VAT: the net is inferred, doubtful', async () => {
    const bill = await read(hosting([[490, 'Betrag']]));
    expect(bill.lines).toHaveLength(2);
    expect(bill.net_total).toBe('12.40');
    expect(conf(bill, 'net_total')).toBeLessThan(0.8);
    expect(conf(bill, 'lines[0].net_amount')).toBeLessThan(0.8);
  });

  it('a gross column (`Prijs incl. BTW`) adding up to the total never makes the net confident', async () => {
    const bill = await read(hosting([[490, 'Prijs incl. BTW']]));
    expect(bill.lines).toHaveLength(2);
    expect(conf(bill, 'net_total')).toBeLessThan(0.8);
    expect(conf(bill, 'lines[0].net_amount')).toBeLessThan(0.8);
  });

  it('a second, different total under another total label leaves the net doubtful', async () => {
    const bill = await read(hosting([[490, 'Amount excl. VAT']], [[345, [[400, 'Rechnungsbetrag'], [500, '14,76']]]]));
    expect(bill.lines).toHaveLength(2);
    expect(conf(bill, 'net_total')).toBeLessThan(0.8);
    expect(conf(bill, 'total')).toBeLessThan(0.8);
  });
});

/** A service bill headed `INVOICE`, a bare `Date:` above its number (not under it); `extra` rows are added. */
function service(extra: Rows = [], title = 'INVOICE'): Item[] {
  const rows: Rows = [
    [60, [[50, 'Sample Services Ltd.']]],
    [72, [[50, '12 High Street, Leeds']]],
    [120, [[380, 'Date:'], [470, '14/03/2024']]],
    [134, [[380, 'Invoice No.:'], [470, 'S-2207']]],
    [160, [[50, 'Bill To:']]],
    [172, [[50, 'Buyer Example Ltd.']]],
    [240, [[50, 'Description'], [330, 'Qty'], [400, 'Unit Price'], [490, 'Amount']]],
    [258, [[50, 'Consulting'], [335, '2'], [405, '100.00'], [495, '200.00']]],
    [320, [[380, 'Subtotal'], [490, '200.00']]],
    [334, [[380, 'VAT 20%'], [490, '40.00']]],
    [348, [[380, 'Total'], [490, '240.00']]],
    ...extra,
  ];
  return rowsToItems(rows).concat(title ? [{ x: 380, y: 90, text: title, size: 20 }] : []);
}

describe('pdf-text evidence: a bare `Date:` that is the only date on an invoice', () => {
  it('is the issue date, confidently, and a due date elsewhere does not stand against it', async () => {
    for (const extra of [[], [[148, [[380, 'Due Date:'], [470, '13/04/2024']]]]] as Rows[]) {
      const bill = await read(service(extra));
      expect(bill.issue_date).toBe('2024-03-14');
      expect(conf(bill, 'issue_date')).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('stays doubtful where the page prints another date: a delivery date, a period, a date in a sentence', async () => {
    for (const extra of [
      [[148, [[380, 'Delivery date:'], [470, '12/03/2024']]]],
      [[400, [[50, 'Services rendered from 01/03/2024 to 13/03/2024']]]],
      [[400, [[50, 'Shipped on 12 March 2024']]]],
    ] as Rows[]) {
      const bill = await read(service(extra));
      expect(bill.issue_date, JSON.stringify(extra)).toBe('2024-03-14');
      expect(conf(bill, 'issue_date'), JSON.stringify(extra)).toBeLessThan(0.8);
    }
  });

  it('stays doubtful on a page that is not headed as an invoice and has no invoice-number label', async () => {
    const items = service([], '').map((it) => (it.text === 'Invoice No.:' ? { ...it, text: 'Ref.:' } : it));
    const bill = await read(items);
    expect(bill.issue_date).toBe('2024-03-14');
    expect(conf(bill, 'issue_date')).toBeLessThan(0.8);
  });

  it('stays doubtful where two bare dates disagree', async () => {
    const bill = await read(service([[200, [[380, 'Date:'], [470, '15/03/2024']]]]));
    expect(conf(bill, 'issue_date')).toBeLessThan(0.8);
  });
});

/** A bill whose only invoice-number evidence is what is printed right under its title. */
function titled(under: string, titleSize = 24): Item[] {
  const rows: Rows = [
    [40, [[50, 'Jo Maker'], [420, 'Date:'], [480, '01/02/2024']]],
    [150, [[50, 'Bill To:']]],
    [162, [[50, 'Buyer Example Ltd.']]],
    [240, [[50, 'Item'], [330, 'Quantity'], [400, 'Rate'], [490, 'Amount']]],
    [258, [[50, 'Service A'], [335, '12'], [405, '10.00'], [495, '120.00']]],
    [320, [[380, 'Subtotal:'], [490, '120.00']]],
    [334, [[380, 'Tax (0%):'], [490, '0.00']]],
    [348, [[380, 'Total:'], [490, '120.00']]],
  ];
  return rowsToItems(rows).concat([
    { x: 440, y: 70, text: 'INVOICE', size: titleSize },
    { x: 442, y: 92, text: under, size: 12 },
  ]);
}

describe('pdf-text evidence: the number printed alone right under a large invoice title', () => {
  it('`# INV-2024-117` under `INVOICE` is the invoice number, confidently', async () => {
    const bill = await read(titled('# INV-2024-117'));
    expect(bill.invoice_number).toBe('INV-2024-117');
    expect(conf(bill, 'invoice_number')).toBeGreaterThanOrEqual(0.8);
  });

  it('stays doubtful when the title is body text, or the cell under it is more than a number (`No. 12 Baker Street`)', async () => {
    const small = await read(titled('# INV-2024-117', 10));
    expect(small.invoice_number).toBe('INV-2024-117');
    expect(conf(small, 'invoice_number')).toBeLessThan(0.8);
    const street = await read(titled('No. 12 Baker Street'));
    expect(conf(street, 'invoice_number')).toBeLessThan(0.8);
  });
});

/** A French bill whose seller is named by the account holder and by the first line of the footer. */
function presse(holder: string, footerFirst: string, extra: Rows = []): Item[] {
  const rows: Rows = [
    [120, [[380, 'CLIENT EXEMPLE']]],
    [132, [[380, '3 rue des Lilas']]],
    [186, [[240, 'Facture n° 2024001234']]],
    [198, [[56, 'Date : 28/11/2024']]],
    [267, [[140, 'Désignation'], [317, 'Nombre'], [393, 'P.U. HT'], [469, 'Montant HT']]],
    [297, [[54, 'Annonce légale'], [300, '1'], [415, '40,00'], [515, '40,00']]],
    [373, [[376, 'Total HT :'], [511, '40,00']]],
    [398, [[376, 'TVA 20% :'], [516, '8,00']]],
    [423, [[376, 'Total TTC :'], [511, '48,00']]],
    [522, [[48, 'Virement'], [124, `BANQUE EXEMPLE – Titulaire du compte : ${holder}`]]],
    [535, [[124, 'IBAN : FR76 3000 6000 0112 3456 7890 189']]],
    ...extra,
    [799, [[278, footerFirst]]],
    [807, [[137, 'Siège social : 16 rue de la Paix - 75002 PARIS']]],
    [815, [[153, 'Sarl au capital de 10 000€ - RCS Paris B 530 000 000']]],
  ];
  return rowsToItems(rows);
}

describe('pdf-text evidence: the name on the first line of the footer, over the legal details', () => {
  it('agreeing with the account holder, names the supplier confidently', async () => {
    const bill = await read(presse('PRESSEXEMPLE', 'PRESSEXEMPLE'));
    expect(bill.supplier?.name).toBe('PRESSEXEMPLE');
    expect(conf(bill, 'supplier.name')).toBeGreaterThanOrEqual(0.8);
  });

  it('alone, or against a different account holder, stays doubtful', async () => {
    const alone = await read(presse('', 'PRESSEXEMPLE'));
    expect(conf(alone, 'supplier.name')).toBeLessThan(0.8);
    const other = await read(presse('FACTOR EXEMPLE', 'PRESSEXEMPLE'));
    expect(conf(other, 'supplier.name')).toBeLessThan(0.8);
  });

  it('a line over the legal details that is not the name (a slogan) does not contradict the seller named elsewhere', async () => {
    const bill = await read(presse('PRESSEXEMPLE', 'Merci de votre confiance', [[60, [[56, 'Fournisseur : PRESSEXEMPLE']]]]));
    expect(bill.supplier?.name).toBe('PRESSEXEMPLE');
    expect(conf(bill, 'supplier.name')).toBeGreaterThanOrEqual(0.8);
  });
});

/** A Dutch bill whose fields are a strip of headers over one row of values. */
function strip(headers: [number, string][], values: Rows): Item[] {
  const rows: Rows = [
    [135, [[80, 'Factuuradres']]],
    [151, [[80, 'Voorbeeld Klant B.V.']]],
    [162, [[80, 'Dorpsstraat 1']]],
    [274, [[44, 'Kopie factuur']]],
    [288, headers],
    ...values,
    [335, [[44, 'Artikel'], [102, 'Omschrijving'], [400, 'Aantal'], [460, 'Prijs'], [525, 'Bedrag']]],
    [345, [[44, 'E1031'], [102, 'Onderhoudsset'], [410, '1'], [460, '41,31'], [529, '41,31']]],
    [380, [[411, 'Subtotaal'], [527, '41,31']]],
    [392, [[411, 'BTW 21%'], [531, '8,68']]],
    [404, [[411, 'Factuur totaal EUR'], [527, '49,99']]],
  ];
  return rowsToItems(rows, 8);
}

describe('pdf-text evidence: a bare `Factuur` heading the invoice\'s strip of fields', () => {
  const headers: [number, string][] = [[44, 'Klant'], [144, 'Order'], [315, 'Factuur datum'], [432, 'Factuur'], [500, 'Vervaldatum']];

  it('beside `Factuur datum` whose date is in the same row of values, is the invoice number, confidently', async () => {
    const bill = await read(strip(headers, [[301, [[44, 'K0303006'], [144, 'O0000444'], [338, '8-9-2022'], [409, 'VF1005193039'], [512, '22-9-2022']]]]));
    expect(bill.invoice_number).toBe('VF1005193039');
    expect(conf(bill, 'invoice_number')).toBeGreaterThanOrEqual(0.8);
    expect(bill.issue_date).toBe('2022-09-08');
  });

  it('without an invoice-date label in the strip, or over several rows (a list of invoices), stays doubtful', async () => {
    const noDate = headers.map(([x, t]): [number, string] => [x, t === 'Factuur datum' ? 'Referentie' : t]);
    const undated = await read(strip(noDate, [[301, [[44, 'K0303006'], [144, 'O0000444'], [338, 'REF-77'], [409, 'VF1005193039'], [512, '22-9-2022']]]]));
    expect(undated.invoice_number).toBe('VF1005193039');
    expect(conf(undated, 'invoice_number')).toBeLessThan(0.8);
    const list = await read(
      strip(headers, [
        [301, [[44, 'K0303006'], [144, 'O0000444'], [338, '8-9-2022'], [409, 'VF1005193039'], [512, '22-9-2022']]],
        [312, [[44, 'K0303006'], [144, 'O0000445'], [338, '9-9-2022'], [409, 'VF1005193040'], [512, '23-9-2022']]],
      ]),
    );
    expect(conf(list, 'invoice_number')).toBeLessThan(0.8);
  });
});

/** A Dutch web shop's bill: the seller's block top right; `block` is what is printed under its name. */
function shop(block: string[], extra: Rows = []): Item[] {
  const rows: Rows = [
    [54, [[445, 'Winkelhuis B.V.']]],
    ...block.map((t, i): [number, [number, string][]] => [66 + 14 * i, [[445, t]]]),
    [110, [[45, 'P. Koper']]],
    [124, [[45, 'Dorpsstraat 32']]],
    [164, [[45, 'Factuurnummer: 993548900']]],
    [193, [[45, 'Factuurdatum: 19 april 2024']]],
    [257, [[45, 'Artikel'], [359, 'Aantal'], [397, 'Prijs'], [520, 'Bedrag']]],
    [272, [[45, 'Tablet 16 GB'], [381, '1'], [400, '100,00'], [522, '100,00']]],
    [587, [[426, 'Subtotaal'], [518, '100,00']]],
    [599, [[426, 'BTW 21%'], [518, '21,00']]],
    [611, [[426, 'Totaal'], [518, '121,00']]],
    ...extra,
  ];
  return rowsToItems(rows, 8).concat([{ x: 45, y: 70, text: 'FACTUUR', size: 18 }]);
}

const REGISTERED = ['Weena 664', '3012 CN Rotterdam', 'KvK Rotterdam 24330087', 'BTW NL810433941B01', 'IBAN NL50INGB0683251309'];

describe('pdf-text evidence: a company name over its own register entry and VAT id or bank account', () => {
  it('names the supplier confidently: the block is the issuer\'s letterhead', async () => {
    const bill = await read(shop(REGISTERED));
    expect(bill.supplier?.name).toBe('Winkelhuis B.V.');
    expect(conf(bill, 'supplier.name')).toBeGreaterThanOrEqual(0.8);
  });

  it('stays doubtful over an address and a VAT id alone (a customer\'s block may carry those)', async () => {
    const bill = await read(shop(['Weena 664', '3012 CN Rotterdam', 'BTW NL810433941B01']));
    expect(bill.supplier?.name).toBe('Winkelhuis B.V.');
    expect(conf(bill, 'supplier.name')).toBeLessThan(0.8);
  });

  it('stays doubtful when a second company prints a registered block of its own', async () => {
    const other: Rows = [
      [450, [[45, 'Bezorgdienst B.V.']]],
      [462, [[45, 'KvK Utrecht 12345678']]],
      [474, [[45, 'IBAN NL91ABNA0417164300']]],
    ];
    const bill = await read(shop(REGISTERED, other));
    expect(conf(bill, 'supplier.name')).toBeLessThan(0.8);
  });
});

/** A hotel receipt: the payee in a note, the legal name over the registered office line. */
function receipt(payee: string, legal: string, note = 'Note : All Payment to be made in favor of'): Item[] {
  const rows: Rows = [
    [50, [[120, 'INVOICE']]],
    [85, [[42, 'Guest Name: Example'], [420, 'Invoice No: HX2087']]],
    [200, [[55, 'DESCRIPTION'], [448, 'RATE'], [497, 'AMOUNT']]],
    [237, [[51, 'Room Charges'], [440, '1939.00'], [503, '1939.00']]],
    [274, [[51, 'Grand Total'], [503, '1939.00']]],
    [452, [[58, note]]],
    [463, [[58, payee]]],
    [641, [[241, legal]]],
    [661, [[76, 'Registered Office: Level 4, Commercial Complex D-4, Saket, New Delhi - 110017']]],
  ];
  return rowsToItems(rows, 8);
}

describe('pdf-text evidence: the payee named in a note, the legal name over the registered office', () => {
  it('agreeing (`Pvt. Ltd.` = `Private Limited`), name the supplier confidently', async () => {
    const bill = await read(receipt('Sample Stays Pvt. Ltd.', 'Sample Stays Private Limited'));
    expect(bill.supplier?.name).toBe('Sample Stays Private Limited');
    expect(conf(bill, 'supplier.name')).toBeGreaterThanOrEqual(0.8);
  });

  it('disagreeing, or the note\'s words no payee phrase, stay doubtful', async () => {
    const other = await read(receipt('Collect Agency Pvt. Ltd.', 'Sample Stays Private Limited'));
    expect(conf(other, 'supplier.name')).toBeLessThan(0.8);
    const plain = await read(receipt('Sample Stays Pvt. Ltd.', 'Sample Stays Private Limited', 'Note : Rooms are cleaned daily by'));
    expect(plain.supplier?.name).toBe('Sample Stays Private Limited');
    expect(conf(plain, 'supplier.name')).toBeLessThan(0.8);
  });
});
