import { describe, expect, it } from 'vitest';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixture, input, refusal } from './support.ts';

describe('CSV bill reader', () => {
  it('groups rows by invoice number; a row without one continues the bill above', async () => {
    const results = await readDocument(fixture('csv-bills.csv'));

    expect(results.map((r) => [r.part, r.format, r.bill?.invoice_number, r.bill?.lines?.length])).toEqual([
      [0, 'csv', 'CSV-1', 2],
      [1, 'csv', 'CSV-2', 1],
    ]);
    expect(results[0]?.bill).toMatchObject({
      issue_date: '2026-03-02',
      currency: 'EUR',
      supplier: { name: 'Acme, Inc.', tax_id: 'DE123456789' },
      net_total: '145.00',
      total: '172.55',
    });
  });

  it('keeps RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes', async () => {
    const [first] = await readDocument(fixture('csv-bills.csv'));

    expect(first?.bill?.lines?.map((l) => l.description)).toEqual(['Widget "large"', 'Spacer,\ntwo lines']);
    expect(first?.bill?.lines?.[1]).toMatchObject({ line_id: '2', item_code: 'A-200', quantity: '4', unit_price: '5.00', net_amount: '20.00' });
  });

  it.each([
    {
      case: 'a bill-level value that differs between rows of one bill',
      csv: 'invoice_number,currency,quantity,unit_price,net_amount\nA-1,EUR,1,2,2\nA-1,USD,1,2,2\n',
      reason: 'bills.csv: CSV line 3: column currency is "USD" but "EUR" on an earlier row of the same bill',
    },
    { case: 'an unclosed quote', csv: 'invoice_number,quantity,unit_price\nA-1,"1,2\n', reason: 'bills.csv: CSV bill is not valid RFC 4180 (line 2)' },
    { case: 'a header without rows', csv: 'invoice_number,quantity,unit_price\n', reason: 'bills.csv: CSV bill has a header but no rows' },
  ])('refuses $case', async ({ csv, reason }) => {
    expect(refusal(await readDocument(input(csv, 'bills.csv')))).toContain(reason);
  });
});
