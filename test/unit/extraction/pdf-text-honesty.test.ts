/**
 * Never confidently wrong: the text-layer reader keeps a value at or above the threshold only
 * when nothing on the page contradicts it. One test per class of mistake found.
 */
import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { confidenceOf, pdfWithText, readPage, rowsToItems } from './support.ts';

type Rows = [number, [number, string][]][];

/** A German invoice in the style of the ZUGFeRD samples; `extra` rows are added to the page. */
function invoice(extra: Rows, replace: Record<string, string> = {}) {
  const rows: Rows = [
    [60, [[50, 'Lieferant GmbH · Lieferantenstraße 20 · 80333 München']]],
    [110, [[50, 'Kunden AG Mitte'], [360, 'Rechnungsnummer:'], [470, '471102']]],
    [124, [[50, 'Hans Muster'], [360, 'Rechnungsdatum:'], [470, '05.03.2018']]],
    [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]],
    [258, [[50, '1'], [85, '20'], [130, 'Trennblätter A4'], [390, '9,90'], [495, '198,00']]],
    [320, [[380, 'Nettobetrag'], [490, '198,00']]],
    [334, [[380, 'USt. 19 %'], [490, '37,62']]],
    [348, [[380, 'Gesamtbetrag'], [490, '235,62']]],
    ...extra,
    [780, [[50, 'Lieferant GmbH'], [250, 'USt-IdNr. DE123456789']]],
  ];
  const items = rowsToItems(rows).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);
  return items.map((it) => (replace[it.text] !== undefined ? { ...it, text: replace[it.text]! } : it));
}

const read = readPage;
const conf = confidenceOf;

describe('pdf-text: currency', () => {
  it('takes the currency stated by label (Rechnungswährung : GBP) over € signs and EUR mentions, confidently', async () => {
    const bill = await read(
      invoice([
        [150, [[360, 'Rechnungswährung'], [470, ': GBP']]],
        [400, [[50, 'Steuerbetrag in Buchungswährung: 43,10 €']]],
        [420, [[50, 'Umrechnungskurs 1 GBP = 1,1457 EUR']]],
      ]),
    );
    expect(bill.currency).toBe('GBP');
    expect(conf(bill, 'currency')).toBeGreaterThanOrEqual(0.8);
  });

  it('reads the label in the six languages', async () => {
    for (const [label, value] of [
      ['Invoice currency:', 'USD'],
      ['Währung:', 'CHF'],
      ['Devise :', 'GBP'],
      ['Moneda:', 'USD'],
      ['Valuta:', 'GBP'],
      ['Valuta fattura:', 'CHF'],
    ] as const) {
      const bill = await read(invoice([[150, [[360, label], [470, value]]]], { '235,62': '235,62 €' }));
      expect(bill.currency, label).toBe(value);
      // The total itself is marked €: the label wins, but not with confidence.
      expect(conf(bill, 'currency'), label).toBeLessThan(0.8);
    }
    const plain = await read(invoice([[150, [[360, 'Alle Beträge in'], [470, 'CHF']]]]));
    expect(plain.currency).toBe('CHF');
    expect(conf(plain, 'currency')).toBeGreaterThanOrEqual(0.8);
  });

  it('two labels stating different currencies: below the threshold', async () => {
    const bill = await read(invoice([
      [150, [[360, 'Währung:'], [470, 'EUR']]],
      [400, [[50, 'Invoice currency:'], [200, 'GBP']]],
    ]));
    expect(['EUR', 'GBP']).toContain(bill.currency);
    expect(conf(bill, 'currency')).toBeLessThan(0.8);
  });
});

describe('pdf-text: a second, different labelled value', () => {
  it('two different invoice numbers: below the threshold', async () => {
    const bill = await read(invoice([[138, [[360, 'Rechnungs-Nr.:'], [470, '471103']]]]));
    expect(conf(bill, 'invoice_number')).toBeLessThan(0.8);
  });

  it('two different issue dates: below the threshold', async () => {
    const bill = await read(invoice([[138, [[360, 'Datum der Rechnung:'], [470, '06.03.2018']]]]));
    expect(conf(bill, 'issue_date')).toBeLessThan(0.8);
  });

  it('two different totals, one of which adds up: below the threshold', async () => {
    const bill = await read(invoice([[380, [[380, 'Rechnungsbetrag'], [490, '253,62']]]]));
    expect(bill.total).toBe('235.62');
    expect(conf(bill, 'total')).toBeLessThan(0.8);
  });

  it('an amount due that differs from the total because of a prepayment is no second total', async () => {
    const bill = await read(invoice([
      [362, [[380, 'Anzahlung'], [490, '35,62']]],
      [376, [[380, 'Zahlbetrag'], [490, '200,00']]],
    ]));
    expect(bill.total).toBe('235.62');
    expect(conf(bill, 'total')).toBeGreaterThanOrEqual(0.8);
  });

  it('two different supplier VAT ids: below the threshold', async () => {
    const bill = await read(invoice([[790, [[50, 'USt-IdNr. DE987654321']]]]));
    expect(conf(bill, 'supplier.tax_id')).toBeLessThan(0.8);
  });

  it('the same invoice number printed twice is no contradiction', async () => {
    const bill = await read(invoice([[138, [[360, 'Rechnungs-Nr.:'], [470, '471102']]]]));
    expect(bill.invoice_number).toBe('471102');
    expect(conf(bill, 'invoice_number')).toBeGreaterThanOrEqual(0.8);
  });
});

describe('pdf-text: values that belong to something else', () => {
  it('a party number under a seller or buyer heading is not a second invoice number', async () => {
    const bill = await read(invoice([
      [160, [[50, 'Verkäufer']]],
      [174, [[50, 'Nummer:'], [150, '549910']]],
      [188, [[50, 'Name:'], [150, 'Lieferant GmbH']]],
    ]));
    expect(bill.invoice_number).toBe('471102');
    expect(conf(bill, 'invoice_number')).toBeGreaterThanOrEqual(0.8);
    // `Lieferant GmbH` starts with a label word but is the seller's name.
    expect(bill.supplier?.name).toBe('Lieferant GmbH');
  });

  it('a bracketed product code before the line name is the item code, not part of the description', async () => {
    const bill = await read(invoice([], { 'Trennblätter A4': '[TB100A4] Trennblätter A4' }));
    expect(bill.lines?.[0]).toMatchObject({ item_code: 'TB100A4', description: 'Trennblätter A4' });
  });
});

describe('pdf-text: layouts of real invoices', () => {
  const header: [number, [number, string][]] = [240, [[50, 'Pos'], [80, 'Menge'], [130, 'Beschreibung'], [380, 'Einzelpreis'], [490, 'Gesamt']]];

  it('a line table over two pages, its header repeated and the subtotal carried over, reads as one table', async () => {
    const page1 = rowsToItems([
      [60, [[50, 'Lieferant GmbH · Lieferantenstraße 20 · 80333 München']]],
      [110, [[360, 'Rechnungsnummer:'], [470, '471102']]],
      [124, [[360, 'Rechnungsdatum:'], [470, '05.03.2018']]],
      header,
      [258, [[50, '1'], [85, '20'], [130, 'Trennblätter A4'], [390, '9,90'], [495, '198,00']]],
      [274, [[50, '2'], [85, '10'], [130, 'Ordner breit'], [390, '3,00'], [500, '30,00']]],
      [300, [[130, 'Übertrag'], [495, '228,00']]],
      [780, [[50, 'Lieferant GmbH'], [250, 'USt-IdNr. DE123456789']]],
    ]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);
    const page2 = rowsToItems([
      header,
      [256, [[130, 'Übertrag'], [495, '228,00']]],
      [272, [[50, '3'], [85, '5'], [130, 'Heftklammern'], [390, '2,00'], [500, '10,00']]],
      [320, [[380, 'Nettobetrag'], [490, '238,00']]],
      [334, [[380, 'USt. 19 %'], [490, '45,22']]],
      [348, [[380, 'Gesamtbetrag'], [490, '283,22']]],
      [780, [[50, 'Lieferant GmbH'], [250, 'USt-IdNr. DE123456789']]],
    ]);
    const [result] = await readDocument({ bytes: await pdfWithText([page1, page2]), filename: 'bill.pdf' });
    const bill = result!.bill!;
    expect(bill.lines?.map((l) => [l.description, l.net_amount])).toEqual([
      ['Trennblätter A4', '198.00'],
      ['Ordner breit', '30.00'],
      ['Heftklammern', '10.00'],
    ]);
    expect(conf(bill, 'lines[2].net_amount')).toBeGreaterThanOrEqual(0.8);
    expect(conf(bill, 'net_total')).toBeGreaterThanOrEqual(0.8);
  });

  it('a remittance slip repeating the amount is no second total, and prepaid amounts leave the total confident', async () => {
    const bill = await read(invoice([
      [362, [[380, 'Bereits bezahlt'], [490, '35,62']]],
      [376, [[380, 'Zahlbetrag'], [490, '200,00']]],
      [600, [[50, 'Please remit to:'], [200, 'Lieferant GmbH']]],
      [614, [[50, 'Amount enclosed:'], [200, '______']]],
    ]));
    expect(bill.total).toBe('235.62');
    expect(conf(bill, 'total')).toBeGreaterThanOrEqual(0.8);
  });
});

describe('pdf-text: numbers and names that are not what they look like', () => {
  it('an order number in a sentence starting with "Rechnung" is not a second invoice number', async () => {
    const bill = await read(invoice([[400, [[50, 'Rechnung gemäß Bestellung Nr. 2018-471331 vom 01.03.2018.']]]]));
    expect(bill.invoice_number).toBe('471102');
    expect(conf(bill, 'invoice_number')).toBeGreaterThanOrEqual(0.8);
    expect(bill.issue_date).toBe('2018-03-05');
  });

  it('one header over position and name (`Pos. Artikelbeschreibung`): the leading number is the position', async () => {
    const items = rowsToItems([
      [60, [[50, 'Lieferant GmbH · Lieferantenstraße 20 · 80333 München']]],
      [110, [[360, 'Rechnungsnummer:'], [470, '471102']]],
      [240, [[50, 'Pos. Artikelbeschreibung'], [300, 'Menge'], [380, 'Preis'], [490, 'Betrag']]],
      [258, [[50, '1 Superdrachen'], [305, '2'], [385, '20,00'], [495, '40,00']]],
      [274, [[50, '2 Turbo Flyer'], [305, '5'], [385, '40,00'], [490, '200,00']]],
      [320, [[380, 'Nettobetrag'], [490, '240,00']]],
      [334, [[380, 'USt. 19 %'], [490, '45,60']]],
      [348, [[380, 'Gesamtbetrag'], [490, '285,60']]],
    ]).concat([{ x: 50, y: 200, text: 'Rechnung', size: 16 }]);
    const [result] = await readDocument({ bytes: await pdfWithText([items]), filename: 'bill.pdf' });
    expect(result!.bill!.lines?.map((l) => [l.line_id, l.description])).toEqual([
      ['1', 'Superdrachen'],
      ['2', 'Turbo Flyer'],
    ]);
  });
});
