/**
 * The line table of a text-layer PDF: a header row naming at least an amount column and one of
 * description / quantity / unit price (in any of the reader's languages), then item rows until
 * a totals row, a wide vertical gap or the end of the page. Cells are put in the column whose
 * header they overlap most. An item may span rows (an amount printed a line lower, a serial
 * number under the description): it starts at a row with an amount or with a quantity next to
 * a price or position number, and continues until the next such row.
 */
import { Decimal } from '../../core/money.ts';
import { labelsOf } from './labels.ts';
import type { Cell, PdfLayout, Row } from '../pdf-layout.ts';
import { fold, parseAmount, parseDocumentNumber, parseQuantity, type DecimalConvention } from './values.ts';

export type Role = 'pos' | 'code' | 'desc' | 'qty' | 'unit' | 'price' | 'amount' | 'tax' | 'discount' | 'other';

const STRONG_DESC = /^(?:description|bezeichnung|beschreibung|artikelbezeichnung|leistungsbeschreibung|designation|nom & designation|libelle|omschrijving|descripcion|concepto|descrizione|title)$/;

const ROLE_WORDS: readonly [Role, RegExp][] = [
  ['pos', /^(?:pos\.?|position|posten|#|nr\.?|no\.?|item no\.?|ligne|linea|riga|regel|lfd\.? ?nr\.?)$/],
  ['code', /^(?:art\.?-? ?nr\.?(?:-\w+\.?)*|artikel-? ?nr\.?|artikelnummer|item code|item #|sku|code|product code|code article|code article,|ref\.?|reference|codigo|codice|artikelcode|part (?:no|number)\.?|product id)$/],
  ['desc', /^(?:description|descriptions?|item|items|product|products|produkt|service|services|details|article|articles|bezeichnung|beschreibung|artikel|leistung|artikelbezeichnung|artikelbeschreibung|material\/beschreibung|produkt ?beschreibung|designation|nom & designation|libelle|omschrijving|descripcion|concepto|articulo|descrizione|articolo|title|product\/service|leistungsbeschreibung|text)$/],
  ['qty', /^(?:qty\.?|quantity|quantities|menge|anzahl|anz\.?|qte\.?|quantite|nombre|aantal|hoeveelheid|cantidad|cant\.?|uds\.?|unidades|quantita|qta|q\.ta|stuck|stk\.?|hours|stunden)$/],
  ['unit', /^(?:unit|units|uom|einheit|me|unite|eenheid|unidad|unita|um)$/],
  ['price', /^(?:unit price|price|rate|unit cost|price per unit|einzelpreis|einzel|preis|preis\/einheit|preis je einheit|e-?preis|ep|stuckpreis|vk-?preis|nettopreis|einzelpreis netto|prix unitaire|prix unit\.?(?: ht)?|p\.? ?u\.?(?: ht)?(?: \(\w+\))?|prix|prijs|prijs per stuk|stukprijs|eenheidsprijs|precio unitario|precio|p\.? unit\.?|prezzo unitario|prezzo|importo unitario|unit amount)$/],
  ['amount', /^(?:amount|total|totals|line total|line amount(?: excl\.?(?: vat| tax)?)?|amount excl\.?(?: vat| tax)?|net amount|net value|net|subtotal|betrag|entgelt|gesamt|gesamtpreis|summe|zeilenbetrag|nettobetrag|netto|nettowert|gesamtwert|positionswert|positionsbetrag|gesamtbetrag|gesamt netto|wert|montant(?: ht| ttc| eur| eur ht)?|total ht|total ttc|prix total|bedrag|totaal|importe|importe total|importo|totale|prezzo totale|prijs incl\.? btw|prijs|total \(\w+\)|total ht \(\w+\))$/],
  ['tax', /^(?:vat|vat %|vat rate|tax|tax ?\(%\)|tax rate|mwst\.?|mwst\.?[ -]?%|ust\.?|ust\.?[ -]?%|steuer|steuersatz|tva|taux|taux tva|btw|btw %|iva|iva %|gst|%)$/],
  ['discount', /^(?:rabatt(?: %)?|discount|remise(?: \(-\))?|descuento|korting|sconto|charge \(\+\))$/],
  ['other', /^(?:date|datum|fecha|data|delivery date|lieferdatum|leistungsdatum|period|zeitraum|periode)$/],
];

/** Roles a header cell names: one, or two where two headers ran together (`BTW Prijs incl. BTW`). */
function rolesOf(text: string): { role: Role; from: number; to: number }[] {
  // `Einzel/€`, `Gesamt (EUR)`, `P.U. HT (EUR)`, `Preis/`: the currency and a trailing slash do not change the column.
  const t = fold(text)
    .replace(/\s*[/(]?\s*(?:€|eur|usd|gbp|chf|\$|£)\s*\)?\s*$/, '')
    .replace(/[:/]+$/, '')
    .trim();
  if (t.length === 0 || t.length > 40) return [];
  const whole = roleOfWhole(t);
  if (whole) return [{ role: whole, from: 0, to: 1 }];
  // Two or three headers in one cell (`BTW Prijs incl. BTW`, `Pos Art-Nr-Kunde Beschreibung`): try every split at a space.
  const words = t.split(' ');
  const part = (from: number, to: number) => ({ role: roleOfWhole(words.slice(from, to).join(' ')), from: words.slice(0, from).join(' ').length / t.length, to: to === words.length ? 1 : words.slice(0, to).join(' ').length / t.length });
  for (let i = 1; i < words.length; i++) {
    const a = part(0, i);
    if (!a.role) continue;
    const b = part(i, words.length);
    if (b.role) return [a, b] as { role: Role; from: number; to: number }[];
    for (let j = i + 1; j < words.length; j++) {
      const [m, e] = [part(i, j), part(j, words.length)];
      if (m.role && e.role) return [a, m, e] as { role: Role; from: number; to: number }[];
    }
  }
  return [];
}

/** A header stacked over lines, read as one (`Price w/o Tax`, `Montant HT`). */
function roleOfStacked(text: string): Role | null {
  const t = fold(text).replace(/\s*[/(]?\s*(?:€|eur|usd|gbp|chf|\$|£)\s*\)?\s*$/, '').trim();
  if (/^(?:price|amount|total|net|montant|prix|betrag|bedrag|importe|importo) (?:w\/o|without|excl\.?|excluding|before|ohne|hors|sans|sin|zonder|senza) (?:tax|vat|taxes|mwst|ust|tva|iva|btw)$/.test(t)) return 'amount';
  // `Positions-` / `betrag` / `ohne` / `USt.`: a word broken over lines, then what the amount excludes.
  const joined = t.replace(/(\p{L})- (?=\p{L})/gu, '$1').replace(/ (?:ohne|excl\.?|hors|sin|zonder|senza) (?:mwst|ust|tva|iva|btw|vat|tax)\.?$/, '');
  return roleOfWhole(joined === t ? t : joined);
}

function roleOfWhole(t: string): Role | null {
  for (const [role, re] of ROLE_WORDS) if (re.test(t)) return role;
  return null;
}

export interface Column {
  readonly role: Role;
  /** A header stacked under this one (`Art-Nr-Lieferant` over `Artikelbezeichnung`): the role of the item's next rows. */
  readonly second?: Role;
  readonly x0: number;
  readonly x1: number;
  readonly header: string;
}

export interface TableLine {
  readonly lineId: string;
  readonly description: string | null;
  readonly itemCode: string | null;
  readonly quantity: string | null;
  readonly unitPrice: string | null;
  readonly netAmount: string;
  /** Values the reader computed rather than read (a price from amount ÷ quantity). */
  readonly derived: ReadonlySet<'quantity' | 'unitPrice'>;
  /** True when description rows follow the first (a serial number, a period). */
  readonly continued: boolean;
  /** True when quantity × price = amount to one minor unit. */
  readonly consistent: boolean;
}

export interface LineTable {
  readonly lines: readonly TableLine[];
  readonly columns: readonly Column[];
  /** Rows that belong to the table (headers and items): not searched for header labels. */
  readonly rows: ReadonlySet<number>;
  /** Items that began but had no amount. */
  readonly incomplete: number;
  /** True when the amount column is a gross amount (`incl. VAT`, `TTC`, `Brutto`). */
  readonly gross: boolean;
  /**
   * True when the page says its prices include VAT: the amount column's header (`gross`), a price
   * column's header (`Prix TTC`), or a note (`Prijzen zijn inclusief BTW`, `Prices include VAT`).
   */
  readonly grossStated: boolean;
  /** True when the amount column's header says its amounts exclude VAT (`Zeilenbetrag ohne MwSt.`, `Montant HT`, `Amount excl. VAT`). */
  readonly net: boolean;
}

/** An amount column's header that states its amounts without VAT. */
const NET_HEADER = /\b(?:ohne (?:mwst|ust|umsatzsteuer)|exkl|excl|exclusief|excluding|ex vat|ht|hors taxes?|netto|net|sin iva|senza iva|sans tva)\b/;

/**
 * A price or amount column's header that states its amounts with VAT (`Prijs incl. BTW`, `Prix TTC`).
 * `Brutto` / `Gross` alone are not enough: in a price column they often mean before discount.
 */
const GROSS_HEADER = /\b(?:incl|inkl|inclusief|inklusive|including)\.? (?:btw|vat|tax|mwst|ust|tva|iva|gst)\b|\bttc\b/;

const TAX_WORD = String.raw`(?:btw|vat|tax|taxes|gst|mwst|ust|mehrwertsteuer|umsatzsteuer|tva|iva)`;
/**
 * A note saying the prices on the page include VAT, in the reader's languages. Only prices or
 * amounts as a whole (`Prijzen zijn inclusief BTW`, `All prices include VAT`, `Preise inkl. MwSt.`,
 * `Prix TTC`, `Precios con IVA incluido`, `Prezzi IVA inclusa`); `Prices exclude VAT` and
 * `zzgl. MwSt.` do not match.
 */
const GROSS_NOTE = new RegExp(
  [
    String.raw`\b(?:alle )?(?:prijzen|bedragen)(?: zijn| in euro(?:'s)?)? (?:incl\.?|inclusief) ${TAX_WORD}\b`,
    String.raw`\b(?:all )?(?:prices|amounts)(?: are| shown| quoted)? (?:include|including|incl\.?|inclusive of)(?: the)? ${TAX_WORD}\b`,
    String.raw`\b(?:alle )?(?:preise|betrage)(?: sind| verstehen sich)? (?:inkl\.?|inklusive|einschl\.?|einschliesslich)(?: der)?(?: gesetzlichen)?(?: \d+ ?%)? ${TAX_WORD}\b`,
    String.raw`\b(?:les |tous les )?prix(?: sont| indiques| s'entendent)? (?:ttc|toutes taxes comprises)\b`,
    String.raw`\b(?:los )?precios(?: son)? (?:con (?:el )?iva incluido|iva incluido|incluyen (?:el )?iva)\b`,
    String.raw`\b(?:i )?prezzi(?: sono)? (?:iva inclusa|iva compresa|comprensivi di iva)\b`,
  ].join('|'),
);

/** True when a line of the page says its prices include VAT. */
export function statesGrossPrices(layout: PdfLayout): boolean {
  return layout.pages.some((p) => p.rows.some((r) => GROSS_NOTE.test(fold(r.cells.map((c) => c.text).join(' ')))));
}

/**
 * An item row that is a part of the item above it, already included in its price
 * (`Incl. Thuiskopieheffing: Thuiskopie €3.50`, `dont éco-participation`): not added to the line sum.
 */
export function isIncludedPart(line: TableLine): boolean {
  return line.description !== null && /^(?:incl\.?|inkl\.?|inclusief|inklusive|including|includes|dont)(?:\s|:|$)/.test(fold(line.description));
}

/** A column's header with the lines stacked under or over it (`Zeilenbetrag` over `Ohne MwSt.`). */
function amountHeaderText(rows: readonly Row[], i: number, col: Column): string {
  const row = rows[i]!;
  const stacked = [i - 2, i - 1, i + 1, i + 2]
    .map((j) => rows[j])
    .filter((o): o is Row => o !== undefined && o.page === row.page && Math.abs(o.y - row.y) <= 2.2 * row.size)
    .flatMap((o) => o.cells.filter((c) => overlaps(col, c) && parseAmount(c.text, null) === null).map((c) => c.text));
  return [col.header, ...stacked].join(' ');
}

/** The line table of a document, or null when no header row is found. */
export function findLineTable(layout: PdfLayout, convention: DecimalConvention): LineTable | null {
  const lines: TableLine[] = [];
  const tableRows = new Set<number>();
  let incomplete = 0;
  let columnsSeen: Column[] = [];
  let gross = false;
  let grossHeader = false;
  let net = false;
  // A table still open at the foot of a page (no totals row yet): its items may go on at the top of the next page without a repeated header.
  let open: Column[] | null = null;
  for (const page of layout.pages) {
    const rows = page.rows;
    const carried: Column[] | null = open;
    open = null;
    let from = 0;
    if (carried) {
      // Only items at the top of the page, under nothing but a few lines of the page's own heading (no amounts, no other table's header).
      const first = rows.findIndex((r) => isItemRow(r, carried, convention));
      const before = rows.slice(0, Math.max(0, first));
      const atTop = first >= 0 && rows[first]!.y < 0.4 * page.height && before.length <= 3 && before.every((r) => r.cells.length <= 2 && r.cells.every((c) => parseAmount(c.text, convention) === null));
      if (atTop) {
        const body = readBody(rows, first, carried, convention, lines.length, true);
        lines.push(...body.lines);
        incomplete += body.incomplete;
        for (const r of body.rows) tableRows.add(r);
        from = body.end;
        if (body.end >= rows.length || onlyFooterFrom(rows, body.end, page.height, convention)) open = carried;
      }
    }
    for (let i = from; i < rows.length; i++) {
      const header = headerAt(rows, i);
      if (!header) continue;
      const { columns, last } = header;
      columnsSeen = columns;
      for (let h = i; h <= last; h++) tableRows.add(rows[h]!.index);
      if (columns.some((c) => c.role === 'amount' && /incl|inkl|ttc|brutto|gross/.test(fold(c.header)))) gross = true;
      if (columns.some((c) => (c.role === 'amount' || c.role === 'price') && GROSS_HEADER.test(fold(amountHeaderText(rows, i, c))))) grossHeader = true;
      if (columns.some((c) => c.role === 'amount' && NET_HEADER.test(fold(amountHeaderText(rows, i, c))))) net = true;
      const body = readBody(rows, last + 1, columns, convention, lines.length);
      lines.push(...body.lines);
      incomplete += body.incomplete;
      for (const r of body.rows) tableRows.add(r);
      open = body.end >= rows.length || onlyFooterFrom(rows, body.end, page.height, convention) ? columns : null;
      i = Math.max(i, body.end - 1);
    }
  }
  if (columnsSeen.length === 0) return null;
  const grossStated = gross || grossHeader || statesGrossPrices(layout);
  return { lines, columns: columnsSeen, rows: tableRows, incomplete, gross, grossStated, net: net && !grossStated };
}

/** A header at row i (with the header rows right above or below merged in), or null. */
function headerAt(rows: readonly Row[], i: number): { columns: Column[]; last: number } | null {
  const row = rows[i]!;
  const cols = columnsOf(row);
  const roles = new Set(cols.map((c) => c.role));
  if (!roles.has('amount') && !roles.has('price')) return null;
  const others = ['desc', 'qty', 'price', 'amount'].filter((r) => roles.has(r as Role)).length;
  if (others < 2 || cols.length < 3) return null;
  // The cells of a header row are all headers (a data row with a "Total" in it is not a header);
  // a wide header row may carry columns the reader has no role for (`GTIN`, `VKE/Geb`), never a number.
  const headerish = row.cells.filter((c) => rolesOf(c.text).length > 0).length;
  const unknown = row.cells.filter((c) => rolesOf(c.text).length === 0);
  if (headerish < row.cells.length - 1 && !(headerish >= 4 && unknown.length <= 2 && unknown.every((c) => !/\d/.test(c.text) && c.text.length <= 20))) return null;
  // "Amount" is the quantity where another column is the amount (`Amount | Product | Price | Total`).
  const amounts = cols.filter((c) => c.role === 'amount');
  if (amounts.length > 1 && !roles.has('qty')) {
    const amountWord = amounts.find((c) => /^amount$/.test(fold(c.header)));
    if (amountWord) cols[cols.indexOf(amountWord)] = { ...amountWord, role: 'qty' };
  }
  // A header printed over two or three lines beside one-line headers (`Price w/o` / `Tax`): read as one.
  const near = [i - 2, i - 1, i + 1, i + 2].map((j) => rows[j]).filter((o): o is Row => o !== undefined && o.page === row.page && Math.abs(o.y - row.y) <= 2.2 * row.size);
  const loose = near.flatMap((o) => o.cells.filter((c) => !cols.some((k) => overlaps(k, c)) && parseAmount(c.text, null) === null));
  const joined = new Set<Cell>();
  for (const c of loose) {
    if (joined.has(c)) continue;
    const stack = [...loose, ...row.cells.filter((m) => !cols.some((k) => overlaps(k, m)))].filter((o) => overlaps(o, c)).sort((a, b) => a.y - b.y);
    if (stack.length < 2) continue;
    const text = stack.map((o) => o.text).join(' ');
    const role = roleOfStacked(text);
    if (!role) continue;
    for (const o of stack) joined.add(o);
    cols.push({ role, x0: Math.min(...stack.map((o) => o.x0)), x1: Math.max(...stack.map((o) => o.x1)), header: text });
  }
  // Columns without a role still hold their cells, so that a number under `VKE/Geb` is not taken for a price.
  for (const c of unknown) if (c.text.length <= 20 && !joined.has(c)) cols.push({ role: 'other', x0: c.x0, x1: c.x1, header: c.text });
  // Neighbouring header rows (a second header line: `Art-Nr`, `Ohne MwSt.`) add columns that do not overlap.
  let last = i;
  for (const j of [i - 2, i - 1, i + 1, i + 2]) {
    const other = rows[j];
    if (!other || other.page !== row.page || Math.abs(other.y - row.y) > 2.2 * row.size) continue;
    if (other.cells.some((c) => parseAmount(c.text, null) !== null && !/^\d{1,2}$/.test(c.text))) continue;
    for (const c of columnsOf(other)) {
      if (other.cells.some((o) => joined.has(o) && overlaps(o, c))) continue;
      const under = cols.filter((k) => overlaps(k, c));
      if (under.length === 0) cols.push(c);
      // A header stacked over two lines (`Preis/` over `Einheit`): the more telling word names the column.
      else if (under.length === 1 && under[0]!.role === 'unit' && (c.role === 'price' || c.role === 'qty' || c.role === 'amount')) {
        cols[cols.indexOf(under[0]!)] = { ...under[0]!, role: c.role, header: `${c.header} ${under[0]!.header}` };
      } else if (j > i && under.length === 1 && c.role === 'desc' && (under[0]!.role === 'code' || under[0]!.role === 'pos' || under[0]!.role === 'other')) {
        // The item's code on its first row, its name on the row below.
        cols[cols.indexOf(under[0]!)] = { ...under[0]!, second: 'desc' };
      }
    }
    if (j > last && other.cells.every((c) => c.text.length < 30)) last = j;
  }
  cols.sort((a, b) => a.x0 - b.x0);
  // Two description columns (`Artikel | Omschrijving`, `Product | Title`): the weaker word is a code or a category.
  const descs = cols.filter((c) => c.role === 'desc');
  if (descs.length > 1) {
    const strong = descs.find((c) => STRONG_DESC.test(fold(c.header))) ?? descs[descs.length - 1]!;
    for (const d of descs) if (d !== strong) cols[cols.indexOf(d)] = { ...d, role: /^(?:artikel|article|articulo|articolo|item)$/.test(fold(d.header)) ? 'code' : 'other' };
  }
  // Without both an amount and a price column, the one numeric column is the amount.
  if (!cols.some((c) => c.role === 'amount')) {
    const price = cols.filter((c) => c.role === 'price');
    if (price.length === 1 && !cols.some((c) => c.role === 'qty')) cols[cols.indexOf(price[0]!)] = { ...price[0]!, role: 'amount' };
    else return null;
  }
  // Two amount columns: the right-most is the line amount, the other a price.
  const amountCols = cols.filter((c) => c.role === 'amount');
  for (const c of amountCols.slice(0, -1)) {
    if (!cols.some((k) => k.role === 'price')) cols[cols.indexOf(c)] = { ...c, role: 'price' };
    else cols[cols.indexOf(c)] = { ...c, role: 'tax' };
  }
  return { columns: cols, last };
}

function columnsOf(row: Row): Column[] {
  const out: Column[] = [];
  for (const cell of row.cells) {
    const width = cell.x1 - cell.x0;
    for (const r of rolesOf(cell.text)) out.push({ role: r.role, x0: cell.x0 + r.from * width, x1: cell.x0 + r.to * width, header: cell.text });
  }
  return out;
}

function overlaps(a: { x0: number; x1: number }, b: { x0: number; x1: number }): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1;
}

/** The column a data cell belongs to: most overlap, else the nearest header. */
function columnOf(cell: Cell, columns: readonly Column[]): Column | null {
  let best: Column | null = null;
  let bestScore = -Infinity;
  for (const c of columns) {
    const overlap = Math.min(cell.x1, c.x1) - Math.max(cell.x0, c.x0);
    const score = overlap > 0 ? overlap : -Math.min(Math.abs(cell.x0 - c.x1), Math.abs(c.x0 - cell.x1)) - 1;
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best && bestScore > -40) return best;
  // Text printed left of every column, under a header centred further right: the first column's, when that is the description.
  const first = [...columns].sort((a, b) => a.x0 - b.x0)[0];
  return first && first.role === 'desc' && cell.x1 < first.x0 && /\p{L}{2}/u.test(cell.text) ? first : null;
}

interface Draft {
  lineId: string | null;
  description: string | null;
  itemCode: string | null;
  quantity: string | null;
  unitPrice: string | null;
  netAmount: string | null;
  continued: boolean;
  /** Baseline of the item's last description row: a name wrapped onto the very next line runs on from there. */
  descY: number | null;
  /** True once an attribute row or a row of codes followed the name: text further down is a note, not the name. */
  broken: boolean;
}

const STOP_FIELDS = new Set(['net_total', 'tax_total', 'total', 'payable', 'prepaid']);

function readBody(rows: readonly Row[], from: number, columns: readonly Column[], convention: DecimalConvention, before: number, carried = false) {
  const drafts: Draft[] = [];
  const used: number[] = [];
  let incomplete = 0;
  let lastY = (carried ? rows[from]?.y : rows[from - 1]?.y) ?? 0;
  let end = from;
  const has = (role: Role) => columns.some((c) => c.role === role);
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    end = i;
    if (row.y - lastY > 5 * row.size) break;
    const byRole = new Map<Role, Cell[]>();
    const stacked: Cell[] = [];
    for (const cell of row.cells) {
      const col = columnOf(cell, columns);
      if (!col) continue;
      byRole.set(col.role, [...(byRole.get(col.role) ?? []), cell]);
      if (col.second === 'desc') stacked.push(cell);
    }
    if (isCarryRow(row)) {
      // `Übertrag 1.234,00` at the foot of a page and the head of the next: a carried-over subtotal, not an item.
      used.push(row.index);
      lastY = row.y;
      end = i + 1;
      continue;
    }
    if (isTotalsRow(row, convention)) {
      // A section's subtotal (`Subtotal $ 112.00` under the first group of items) with more items
      // after it, maybe under a section heading: the table goes on, the subtotal is not an item.
      const next = rows[i + 1];
      const after = rows[i + 2];
      const subtotal = row.cells.some((c) => labelsOf(c.text)[0]?.field === 'net_total') && row.cells.some((c) => parseAmount(c.text, convention) !== null || parseAmount(labelsOf(c.text)[0]?.rest ?? '', convention) !== null);
      const goesOn = subtotal && drafts.length > 0 && next !== undefined && next.y - row.y < 5 * row.size && !isTotalsRow(next, convention) &&
        (isItemRow(next, columns, convention) || (next.cells.every((c) => parseAmount(c.text, convention) === null) && after !== undefined && after.y - next.y < 5 * row.size && isItemRow(after, columns, convention)));
      if (!goesOn) break;
      used.push(row.index);
      lastY = row.y;
      // The next section's heading (`--- White wines ---`) is not more of the last item's name.
      if (!isItemRow(next, columns, convention)) {
        used.push(next.index);
        lastY = next.y;
        i++;
      }
      end = i + 1;
      continue;
    }
    const amountCell = (byRole.get('amount') ?? []).find((c) => parseAmount(c.text, convention) !== null);
    const qtyCell = (byRole.get('qty') ?? []).find((c) => parseQuantity(c.text, convention) !== null);
    const priceCell = (byRole.get('price') ?? []).find((c) => parseAmount(c.text, convention) !== null);
    const posCell = (byRole.get('pos') ?? []).find((c) => /^\d{1,4}\.?$/.test(c.text.trim()));
    const descCells = byRole.get('desc') ?? [];
    const starts = amountCell !== undefined ? qtyCell !== undefined || priceCell !== undefined || !has('qty') || descCells.length > 0 : qtyCell !== undefined && (priceCell !== undefined || posCell !== undefined);
    const current = drafts[drafts.length - 1];
    if (starts && !(current && current.netAmount === null && amountCell && !qtyCell && !priceCell && !posCell)) {
      if (current && current.netAmount === null) incomplete++;
      if (current && current.netAmount === null) drafts.pop();
      drafts.push({
        lineId: posCell ? posCell.text.replace(/\.$/, '').trim() : null,
        description: descCells.map((c) => c.text).join(' ').replace(/\s*:$/, '') || null,
        itemCode: (byRole.get('code') ?? []).map((c) => parseDocumentNumber(c.text) ?? c.text).join(' ') || null,
        quantity: qtyCell ? parseQuantity(qtyCell.text, convention) : null,
        unitPrice: priceCell ? parseAmount(priceCell.text, convention)!.value : null,
        netAmount: amountCell ? parseAmount(amountCell.text, convention)!.value : null,
        continued: false,
        descY: descCells.length > 0 ? row.y : null,
        broken: false,
      });
      used.push(row.index);
      lastY = row.y;
    } else if (current) {
      // A continuation row: an amount printed lower than its item, or more description.
      const more = descCells.length > 0 ? descCells : stacked.filter((c) => /\p{L}{2}/u.test(c.text));
      // `Verpackung : Flasche`, `Bruttopreis: 1,50 €`: an attribute of the item printed under it, not more of its name.
      const attribute = more.length > 0 && more.every((c) => /^[\p{L}][\p{L}\d .\-/]{1,40}\s?:/u.test(c.text));
      if (current.netAmount === null && amountCell) current.netAmount = parseAmount(amountCell.text, convention)!.value;
      else if (more.length > 0 && current.description !== null && !attribute) {
        if (descCells.length > 0 && current.descY !== null && row.y - current.descY <= 1.6 * row.size) {
          // The name wrapped onto the next line (`Kunstrasen` / `grün 3m`): the same name, read on (still with doubt).
          current.description = `${current.description} ${descCells.map((c) => c.text).join(' ')}`;
          current.continued = true;
          current.descY = row.y;
        } else {
          // Text after a gap may be more of the name; text under the item's attributes or codes is a note about it.
          if (!current.broken) current.continued = true;
          current.descY = null;
        }
      } else if (current.description !== null && (attribute || more.length === 0)) {
        current.descY = null;
        current.broken = true;
      }
      if (current.description === null && more.length > 0 && !attribute) {
        current.description = more.map((c) => c.text).join(' ');
        current.descY = row.y;
      }
      const codes = (byRole.get('code') ?? []).filter((c) => !stacked.includes(c));
      if (current.itemCode === null && codes.length > 0) current.itemCode = codes.map((c) => c.text).join(' ');
      used.push(row.index);
      lastY = row.y;
    } else if (row.cells.every((c) => parseAmount(c.text, convention) === null)) {
      used.push(row.index); // text between the header and the first item (`Contract No. …`)
      lastY = row.y;
    } else break;
    end = i + 1;
  }
  const last = drafts[drafts.length - 1];
  if (last && last.netAmount === null) {
    drafts.pop();
    incomplete++;
  }
  // `Pos. Artikelbeschreibung` over `1 Superdrachen`: one header for the position and the name;
  // the leading number is the line's position, not part of its name.
  const merged = columns.some((c) => c.role === 'pos' && columns.some((o) => o !== c && o.role === 'desc' && o.header === c.header));
  if (merged) {
    for (const d of drafts) {
      const m = d.description ? /^(\d{1,4})\.?\s+(.+)$/.exec(d.description) : null;
      if (m) {
        d.lineId ??= m[1]!;
        d.description = m[2]!;
      }
    }
  }
  const lines = drafts.map((d, k) => finish(d, before + k));
  return { lines, rows: used, incomplete, end };
}

/** True when the rows from `from` on are only the page's footer (its lowest fifth), with no totals row: the table did not end on this page. */
function onlyFooterFrom(rows: readonly Row[], from: number, height: number, convention: DecimalConvention): boolean {
  return rows.slice(from).every((r) => r.y > 0.8 * height && !isTotalsRow(r, convention));
}

/** A row that starts an item: an amount in the amount column and a quantity or a price in theirs. */
function isItemRow(row: Row, columns: readonly Column[], convention: DecimalConvention): boolean {
  let amount = false;
  let other = false;
  for (const cell of row.cells) {
    const role = columnOf(cell, columns)?.role;
    if (role === 'amount' && parseAmount(cell.text, convention) !== null) amount = true;
    if ((role === 'qty' && parseQuantity(cell.text, convention) !== null) || (role === 'price' && parseAmount(cell.text, convention) !== null)) other = true;
  }
  return amount && other && !isCarryRow(row);
}

function finish(d: Draft, index: number): TableLine {
  const derived = new Set<'quantity' | 'unitPrice'>();
  let quantity = d.quantity;
  let unitPrice = d.unitPrice;
  const net = d.netAmount!;
  if (quantity === null && unitPrice !== null && unitPrice === net) {
    quantity = '1';
    derived.add('quantity');
  }
  if (unitPrice === null && quantity !== null && !(Decimal.tryParse(quantity)?.isZero() ?? true)) {
    unitPrice = divide(net, quantity);
    derived.add('unitPrice');
  }
  // A price worked out from the amount always "matches": only values read can confirm each other.
  const consistent = derived.size === 0 && quantity !== null && unitPrice !== null && matches(quantity, unitPrice, net);
  // `[FURN_7777] Office Chair`: a bracketed product code before the name is the item code (BT-155).
  const coded = d.description ? /^\[([^\]\s]{1,40})\]\s*(.+)$/.exec(d.description) : null;
  return {
    lineId: d.lineId ?? String(index + 1),
    description: coded ? coded[2]! : d.description,
    itemCode: d.itemCode ?? (coded ? coded[1]! : null),
    quantity,
    unitPrice,
    netAmount: net,
    derived,
    continued: d.continued,
    consistent,
  };
}

/** A row with a totals label (`Total`, `Subtotal:`, `Factuur totaal EUR 49,99`): the table ends above it. */
/** Words of a carried-over subtotal row in the six languages (folded). */
const CARRY = /^(?:zwischensumme )?(?:ubertrag|uebertrag|vortrag|carried (?:forward|over)|brought forward|balance (?:carried|brought) forward|c\/f|b\/f|a reporter|report|transport|suma y sigue|suma anterior|transporte|riporto|a riportare|overdracht|transporteren)\b/;

function isCarryRow(row: Row): boolean {
  const first = row.cells.find((c) => /\p{L}/u.test(c.text));
  return first !== undefined && CARRY.test(fold(first.text).replace(/^[^a-z]+/, ''));
}

function isTotalsRow(row: Row, convention: DecimalConvention): boolean {
  const hasAmount = row.cells.some((cell) => parseAmount(cell.text, convention) !== null);
  // The header of a totals table (`Warenwert | Nettobetrag | MwSt-Betrag | Endbetrag`): two totals labels, no amount.
  if (!hasAmount && row.cells.filter((cell) => STOP_FIELDS.has(labelsOf(cell.text)[0]?.field ?? 'ignore') && labelsOf(cell.text)[0]!.rest === '').length >= 2) return true;
  return row.cells.some((cell) => {
    const label = labelsOf(cell.text)[0];
    // `19 % VAT (S)` in an item row is the item's rate, not a totals label.
    if (!label || !STOP_FIELDS.has(label.field) || /^\d/.test(cell.text.trim())) return false;
    if (parseAmount(label.rest, convention) !== null) return true;
    return (label.rest === '' || /^[A-Z]{3}$/.test(label.rest)) && hasAmount;
  });
}

/** quantity × price = amount, to one cent (the currency is not known here). */
function matches(q: string, p: string, net: string): boolean {
  const [a, b, n] = [Decimal.tryParse(q), Decimal.tryParse(p), Decimal.tryParse(net)];
  return a !== null && b !== null && n !== null && a.mul(b).round(2).sub(n).abs().lte(Decimal.from('0.01'));
}

function divide(net: string, q: string): string {
  const [n, d] = [Decimal.tryParse(net), Decimal.tryParse(q)];
  return n && d && !d.isZero() ? n.div(d, 4).normalized().toFixed() : net;
}
