/**
 * Line tables printed with prices including VAT (`Prijs incl. BTW`, `Prijzen zijn inclusief BTW`,
 * `Prices include VAT`): confirmed by adding up to the gross total, their items — names,
 * quantities — are confident; their prices and amounts are gross, never the net amounts the
 * canonical bill carries, so they stay doubtful, and so does any net total drawn from them.
 * Each rule beside the look-alike page that must stay doubtful. Synthetic pages, real text layers.
 */
import { describe, expect, it } from 'vitest';
import { confidenceOf, readPage, rowsToItems } from './support.ts';

type Rows = [number, [number, string][]][];
type Item = ReturnType<typeof rowsToItems>[number];

const read = readPage;
const conf = confidenceOf;
const CONFIDENT = 0.8;

interface Shop {
  /** The amount column's header. */
  amountHeader?: string;
  /** The price column's header. */
  priceHeader?: string;
  /** A note under the table (`Prijzen zijn inclusief BTW`), or none. */
  note?: string;
  /** The rows below the table: totals and tax. */
  totals?: Rows;
  /** Item rows in place of the two default ones. */
  items?: Rows;
}

/**
 * A Dutch web shop's bill: 2 × 12,10 + 1 × 36,30 = 60,50 including 21 % BTW (net 50,00, BTW 10,50).
 */
function shop({ amountHeader = 'Bedrag', priceHeader = 'Prijs', note, totals, items }: Shop = {}): Item[] {
  const rows: Rows = [
    [60, [[50, 'Winkel Voorbeeld B.V. - Kerkstraat 1 - 1011 AB Amsterdam']]],
    [120, [[50, 'J. Jansen']]],
    [132, [[50, 'Dorpsweg 2, 3500 MJ Utrecht']]],
    [200, [[50, 'Factuurnummer:'], [150, 'F-2024-0042']]],
    [212, [[50, 'Factuurdatum:'], [150, '12-03-2024']]],
    [250, [[50, 'Artikel'], [300, 'Aantal'], [360, priceHeader], [420, 'BTW'], [480, amountHeader]]],
    ...(items ?? [
      [270, [[50, 'Koffiebonen Espresso 1 kg'], [310, '2'], [360, '12,10'], [420, '21%'], [490, '24,20']]],
      [285, [[50, 'Melkopschuimer Zilver'], [310, '1'], [360, '36,30'], [420, '21%'], [490, '36,30']]],
    ]),
    ...(totals ?? [
      [340, [[360, 'Subtotaal excl. BTW'], [490, '50,00']]],
      [352, [[360, 'BTW 21%'], [490, '10,50']]],
      [364, [[360, 'Factuur totaal'], [490, '60,50']]],
    ]),
    ...(note ? ([[420, [[50, note]]]] as Rows) : []),
    [790, [[50, 'Winkel Voorbeeld B.V.'], [250, 'BTW NL001234567B01']]],
  ];
  return rowsToItems(rows).concat([{ x: 50, y: 180, text: 'Factuur', size: 16 }]);
}

const itemFields = (i: number) => [`lines[${i}].description`, `lines[${i}].quantity`];
const amountFields = (i: number) => [`lines[${i}].unit_price`, `lines[${i}].net_amount`];

describe('pdf-text: lines stated with VAT that add up to the gross total', () => {
  it('`Prijzen zijn inclusief BTW` and lines adding up to `Factuur totaal`: names and quantities confident, gross prices and amounts doubtful', async () => {
    const bill = await read(shop({ note: 'Prijzen zijn inclusief BTW' }));
    expect((bill.lines ?? []).map((l) => [l.description, l.quantity, l.net_amount])).toEqual([
      ['Koffiebonen Espresso 1 kg', '2', '24.20'],
      ['Melkopschuimer Zilver', '1', '36.30'],
    ]);
    expect(bill.total).toBe('60.50');
    for (const i of [0, 1]) {
      for (const f of itemFields(i)) expect(conf(bill, f), f).toBeGreaterThanOrEqual(CONFIDENT);
      for (const f of amountFields(i)) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
    }
    // The printed net total is confirmed by net + tax = total, not by the gross lines.
    expect(bill.net_total).toBe('50.00');
  });

  it('the same statement in other words and languages: `All prices include VAT`, `Preise inkl. MwSt.`, `Les prix sont TTC`, a `Prijs incl. BTW` or `Montant TTC` column, `Prijs` over `incl. BTW`', async () => {
    const stacked: Item[] = rowsToItems([[260, [[360, 'incl. BTW']]]]);
    for (const s of [{ note: 'All prices include VAT' }, { note: 'Alle Preise inkl. MwSt.' }, { note: 'Les prix sont TTC' }, { note: 'Precios con IVA incluido' }, { note: 'Prezzi IVA inclusa' }, { amountHeader: 'Prijs incl. BTW' }, { amountHeader: 'Montant TTC' }, { stacked: true }]) {
      const bill = await read('stacked' in s ? shop().concat(stacked) : shop(s));
      const label = JSON.stringify(s);
      for (const f of itemFields(0)) expect(conf(bill, f), `${label} ${f}`).toBeGreaterThanOrEqual(CONFIDENT);
      for (const f of amountFields(0)) expect(conf(bill, f), `${label} ${f}`).toBeLessThan(CONFIDENT);
    }
  });

  it('an `Incl. …` row is a part already in the line above: left out of the sum, still emitted, itself doubtful', async () => {
    const bill = await read(
      shop({
        amountHeader: 'Prijs incl. BTW',
        items: [
          [270, [[50, 'Koffiebonen Espresso 1 kg'], [310, '2'], [360, '12,10'], [420, '21%'], [490, '24,20']]],
          [285, [[50, 'Melkopschuimer Zilver'], [310, '1'], [360, '36,30'], [420, '21%'], [490, '36,30']]],
          [297, [[62, 'Incl. Verwijderingsbijdrage EUR 1,00'], [310, '1'], [420, '21%'], [490, '1,21']]],
        ],
        totals: [
          [360, [[360, 'Subtotaal excl. BTW'], [490, '50,00']]],
          [372, [[360, 'BTW 21%'], [490, '10,50']]],
          [384, [[360, 'Factuur totaal'], [490, '60,50']]],
        ],
      }),
    );
    expect(bill.lines).toHaveLength(3);
    expect(bill.lines?.[2]?.description).toMatch(/^Incl\. Verwijderingsbijdrage/);
    for (const i of [0, 1]) for (const f of itemFields(i)) expect(conf(bill, f), f).toBeGreaterThanOrEqual(CONFIDENT);
    for (const f of [...itemFields(2), ...amountFields(2)]) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
  });

  it('no statement that prices include VAT: lines adding up to the total with tax printed apart stay doubtful, as before', async () => {
    const bill = await read(shop());
    expect(bill.lines).toHaveLength(2);
    for (const i of [0, 1]) for (const f of [...itemFields(i), ...amountFields(i)]) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
  });

  it('`Gross price` or `Prices exclude VAT` state nothing of the kind: the lines stay doubtful', async () => {
    for (const s of [{ priceHeader: 'Gross price' }, { note: 'Prices exclude VAT' }, { note: 'Preise zzgl. MwSt.' }]) {
      const bill = await read(shop(s));
      for (const f of [...itemFields(0), ...amountFields(0)]) expect(conf(bill, f), `${JSON.stringify(s)} ${f}`).toBeLessThan(CONFIDENT);
    }
  });

  it('prices stated with VAT that do not add up to the total stay doubtful', async () => {
    const bill = await read(
      shop({
        note: 'Prijzen zijn inclusief BTW',
        totals: [
          [340, [[360, 'Subtotaal excl. BTW'], [490, '55,00']]],
          [352, [[360, 'BTW 21%'], [490, '11,55']]],
          [364, [[360, 'Factuur totaal'], [490, '66,55']]],
        ],
      }),
    );
    expect(bill.total).toBe('66.55');
    for (const i of [0, 1]) for (const f of [...itemFields(i), ...amountFields(i)]) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
  });

  it('two different totals: even the one the lines add up to confirms nothing', async () => {
    const bill = await read(
      shop({
        note: 'Prijzen zijn inclusief BTW',
        totals: [
          [340, [[360, 'Subtotaal excl. BTW'], [490, '50,00']]],
          [352, [[360, 'BTW 21%'], [490, '10,50']]],
          [364, [[360, 'Factuur totaal'], [490, '60,50']]],
          [376, [[360, 'Totaalbedrag'], [490, '65,45']]],
        ],
      }),
    );
    for (const i of [0, 1]) for (const f of [...itemFields(i), ...amountFields(i)]) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
  });

  it('no tax printed: a `Subtotaal` equal to the gross line sum is not confirmed as the net total by those lines', async () => {
    const bill = await read(
      shop({
        note: 'Prijzen zijn inclusief BTW',
        totals: [
          [340, [[360, 'Subtotaal'], [490, '60,50']]],
          [364, [[360, 'Factuur totaal'], [490, '60,50']]],
        ],
      }),
    );
    expect(conf(bill, 'net_total')).toBeLessThan(CONFIDENT);
    expect(conf(bill, 'tax_total')).toBeLessThan(CONFIDENT);
    for (const f of amountFields(0)) expect(conf(bill, f), f).toBeLessThan(CONFIDENT);
  });
});
