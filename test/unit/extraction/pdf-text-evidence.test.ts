/**
 * Positive evidence on the page lifts a value over the threshold, and only that: each rule here
 * raises a confidence where the page states or cross-checks the value, with a test beside it
 * showing the look-alike page that must stay doubtful. Synthetic pages, real text layers (pdf-lib).
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { pdfWithText, rowsToItems } from './support.ts';

type Rows = [number, [number, string][]][];
type Item = ReturnType<typeof rowsToItems>[number];

async function read(items: readonly Item[]): Promise<CanonicalBill> {
  const [result] = await readDocument({ bytes: await pdfWithText([items]), filename: 'bill.pdf' });
  if (!result?.bill) throw new Error(JSON.stringify(result?.exceptions));
  return result.bill;
}

const conf = (bill: CanonicalBill, field: string) => Number(bill.confidence?.[field] ?? 0);

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
