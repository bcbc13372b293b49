/**
 * Word and Excel bills: made here with a writer (a minimal OOXML package zipped with fflate for
 * Word, exceljs's own writer for Excel), read through the same label and table logic as a PDF,
 * and decided like their JSON twin. Hostile archives are refused by the zip limits first.
 */
import ExcelJS from 'exceljs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { CanonicalBill } from '../../../lambdas/core/bill.ts';
import { newBillId } from '../../../lambdas/core/ids.ts';
import { processBill } from '../../../lambdas/core/process-bill.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { cellText, htmlRows } from '../../../lambdas/readers/office.ts';
import { bill, master } from '../../support/builders.ts';
import { freshStore } from '../../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const run = (text: string) => text.split('\t').map((t, i) => `${i > 0 ? '<w:r><w:tab/></w:r>' : ''}<w:r><w:t xml:space="preserve">${esc(t)}</w:t></w:r>`).join('');
const para = (text: string, heading = false) => `<w:p>${heading ? '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' : ''}${run(text)}</w:p>`;
const table = (rows: string[][]) => `<w:tbl>${rows.map((r) => `<w:tr>${r.map((c) => `<w:tc><w:p>${run(c)}</w:p></w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`;

/** A minimal WordprocessingML package: content types, the package relationship, the document. */
function docx(body: string): Uint8Array {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  return zipSync({
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '_rels/.rels': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    'word/document.xml': strToU8(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`),
  });
}

/** The bill of `builders.bill()` as a supplier would type it in Word. */
const WORD_BILL = docx(
  [
    para('Acme GmbH', true),
    para('Invoice', true),
    para('Supplier:\tAcme GmbH'),
    para('\tVAT ID: DE123456789'),
    para('Bill To:\tExample Ltd'),
    para('Invoice No:\tINV-1001'),
    para('Invoice Date:\t2026-03-02'),
    para('Due Date:\t2026-04-01'),
    para('PO Number:\tPO-7001'),
    para('Currency:\tEUR'),
    table([
      ['Item code', 'Description', 'Qty', 'Unit Price', 'Amount'],
      ['A-100', 'Widget', '10', '12.50', '125.00'],
    ]),
    para('Subtotal\t125.00'),
    para('VAT 19%\t23.75'),
    para('Total\t148.75'),
  ].join(''),
);

/** The same bill in an Excel sheet, numbers as numbers with a two-decimal format. */
async function excelBill(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Invoice');
  const money = '#,##0.00';
  ws.addRow(['Invoice']);
  ws.addRow(['Supplier:', 'Acme GmbH']);
  ws.addRow(['', 'VAT ID: DE123456789']);
  ws.addRow(['Invoice No:', 'INV-1001']);
  ws.addRow(['Invoice Date:', new Date(Date.UTC(2026, 2, 2))]).getCell(2).numFmt = 'yyyy-mm-dd';
  ws.addRow(['Due Date:', new Date(Date.UTC(2026, 3, 1))]).getCell(2).numFmt = 'yyyy-mm-dd';
  ws.addRow(['PO Number:', 'PO-7001']);
  ws.addRow(['Currency:', 'EUR']);
  ws.addRow([]);
  ws.addRow(['Item code', 'Description', 'Qty', 'Unit Price', 'Amount']);
  const line = ws.addRow(['A-100', 'Widget', 10, 12.5, { formula: 'C11*D11', result: 125 }]);
  line.getCell(4).numFmt = money;
  line.getCell(5).numFmt = money;
  ws.addRow([]);
  ws.addRow(['', '', '', 'Subtotal', 125]).getCell(5).numFmt = money;
  ws.addRow(['', '', '', 'VAT 19%', 23.75]).getCell(5).numFmt = money;
  ws.addRow(['', '', '', 'Total', 148.75]).getCell(5).numFmt = money;
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

async function decideAlone(canonical: CanonicalBill, format: string) {
  const store = await freshStore();
  await store.importMaster(master());
  const r = await processBill(
    { billId: newBillId(), canonical, readingExceptions: [], source: { input: `bill.${format}`, part: 0, format, document_hash: newBillId(), submitter: null } },
    { store, now: () => NOW },
  );
  return { state: r.state, codes: r.exceptions.map((e) => e.code).sort() };
}

describe('Word and Excel bills', () => {
  it('a DOCX bill is read by its labels and table, every field confident', async () => {
    const [r] = await readDocument({ bytes: WORD_BILL, filename: 'invoice.docx' });
    expect(r?.format).toBe('docx');
    expect(r?.bill).toMatchObject({
      invoice_number: 'INV-1001',
      issue_date: '2026-03-02',
      due_date: '2026-04-01',
      currency: 'EUR',
      supplier: { name: 'Acme GmbH', tax_id: 'DE123456789' },
      po_reference: 'PO-7001',
      net_total: '125.00',
      tax_total: '23.75',
      total: '148.75',
      lines: [{ item_code: 'A-100', description: 'Widget', quantity: '10', unit_price: '12.50', net_amount: '125.00' }],
    });
    const low = Object.entries(r?.bill?.confidence ?? {}).filter(([, c]) => Number(c) < 0.8);
    expect(low).toEqual([]);
  });

  it('an XLSX bill: numbers at their format, dates as dates, a formula by its result', async () => {
    const [r] = await readDocument({ bytes: await excelBill(), filename: 'invoice.xlsx' });
    expect(r?.format).toBe('xlsx');
    expect(r?.bill).toMatchObject({
      invoice_number: 'INV-1001',
      issue_date: '2026-03-02',
      currency: 'EUR',
      net_total: '125.00',
      total: '148.75',
      lines: [{ description: 'Widget', quantity: '10', unit_price: '12.50', net_amount: '125.00' }],
    });
  });

  it('DOCX and XLSX bills decide like their JSON twin', async () => {
    const twin = await decideAlone(bill(), 'bill-json');
    expect(twin.state).not.toBe('needs_review');
    for (const [bytes, name] of [[WORD_BILL, 'docx'], [await excelBill(), 'xlsx']] as const) {
      const [r] = await readDocument({ bytes, filename: `invoice.${name}` });
      expect(await decideAlone(r!.bill!, name), name).toEqual(twin);
    }
  }, 60_000);

  it('a zip bomb dressed as a DOCX is refused by the zip limits before the library inflates it', async () => {
    const bomb = zipSync({ 'word/document.xml': new Uint8Array(30 * 1024 * 1024) }, { level: 9 });
    const [r] = await readDocument({ bytes: bomb, filename: 'invoice.docx' });
    expect(r?.bill).toBeNull();
    expect(r?.exceptions[0]?.message).toMatch(/invoice\.docx: Word document: .*(limit|ratio|MB)/i);
  });

  it('a damaged DOCX is refused with its reason', async () => {
    const broken = zipSync({ 'word/document.xml': strToU8('<w:document><w:body><w:p>'), '[Content_Types].xml': strToU8('<Types/>') });
    const [r] = await readDocument({ bytes: broken, filename: 'broken.docx' });
    expect(r?.bill).toBeNull();
    expect(r?.exceptions[0]?.code).toBe('UNREADABLE');
    expect(r?.exceptions[0]?.message).toMatch(/^broken\.docx: /);
  });

  it('cell texts: exact decimals at the format, no binary float noise', () => {
    expect(cellText({ value: 0.1 + 0.2, numFmt: '0.00' })).toBe('0.30');
    expect(cellText({ value: 1234.5, numFmt: '#,##0.00 €' })).toBe('1234.50');
    expect(cellText({ value: 10 })).toBe('10');
    expect(cellText({ value: { formula: 'A1*2', result: 25 }, numFmt: '0.00' })).toBe('25.00');
    expect(cellText({ value: new Date(Date.UTC(2026, 2, 2)) })).toBe('2026-03-02');
    expect(htmlRows('<p>Invoice No:\tINV-1</p><table><tr><td>a</td><td><p>b</p><p>c</p></td></tr></table>')).toEqual([
      { cells: ['Invoice No:', 'INV-1'], size: undefined },
      { cells: ['a', 'b c'], columns: 2 },
    ]);
  });
});
