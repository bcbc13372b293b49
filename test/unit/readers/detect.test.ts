import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../lambdas/readers/detect.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixture, input, onlyBill, refusal } from './support.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('format detection by content', () => {
  it.each([
    { case: 'a UBL invoice named .txt', read: () => fixture('ubl-invoice.xml', 'invoice.txt'), format: 'ubl' },
    { case: 'a CII invoice named .pdf', read: () => fixture('cii-invoice.xml', 'invoice.pdf'), format: 'cii' },
    { case: 'an X12 interchange named .xml', read: () => fixture('x12-two-invoices.edi', 'invoice.xml'), format: 'x12-810' },
    { case: 'a CSV bill named .dat', read: () => fixture('csv-bills.csv', 'export.dat'), format: 'csv' },
    { case: 'a bill JSON named .xml', read: () => input('  {"invoice_number":"J-1"}', 'bill.xml'), format: 'bill-json' },
  ])('reads $case', async ({ read, format }) => {
    const results = await readDocument(read());

    expect(results[0]?.format).toBe(format);
    expect(results[0]?.bill).not.toBeNull();
  });

  it.each([
    { case: 'Received', head: 'Received: from mx.example.com by inbox\r\nFrom: a@b.example\r\n\r\nbody' },
    { case: 'Return-Path', head: 'Return-Path: <a@b.example>\nSubject: Invoice\n\nbody' },
    { case: 'Delivered-To after a BOM', head: '\uFEFFDelivered-To: ap@example.com\nMessage-ID: <1@x>\n\n' },
    { case: 'an mbox From_ line', head: 'From a@b.example  Sun Jun 16 17:00:00 2002\nFrom: a@b.example\n\n' },
    { case: 'a folded header', head: 'MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary="x"\n\n' },
  ])('detects an email opening with $case', ({ head }) => {
    expect(detectFormat(bytes(head)).kind).toBe('email');
  });

  it.each([
    { case: 'XML after a BOM and white space', text: '\uFEFF\n  <?xml version="1.0"?><a/>', kind: 'xml' },
    { case: 'a PDF', text: '%PDF-1.7\n...', kind: 'pdf' },
    { case: 'an X12 interchange after white space', text: '\n ISA*00*', kind: 'x12' },
    { case: 'a CSV bill header', text: 'Invoice_Number,Quantity,Unit_Price\n', kind: 'csv' },
    { case: 'master-data CSV (no invoice_number)', text: 'vendor_id,name,tax_id\nV1,A,B\n', kind: 'unknown' },
  ])('detects $case', ({ text, kind }) => {
    expect(detectFormat(bytes(text)).kind).toBe(kind);
  });

  it('reads a UBL invoice whatever its name', async () => {
    expect(onlyBill(await readDocument(fixture('ubl-invoice.xml', 'no-extension'))).invoice_number).toBe('INV-0012');
  });
});

describe('refusals name the file and the reason', () => {
  const junk = new Uint8Array([0x00, 0xff, 0x13, 0x37, 0x8a, 0x00, 0x02, 0x90, 0xfe, 0x01, 0x7f, 0x00]);

  it.each([
    { case: 'binary junk named .xml', read: () => input(junk, 'invoice.xml'), reason: 'invoice.xml: not a bill format this product reads (detected: binary data)' },
    { case: 'plain text', read: () => input('Bad XML', 'x.xml'), reason: 'x.xml: not a bill format this product reads (detected: plain text)' },
    { case: 'a PNG image', read: () => input(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), 'scan.png'), reason: 'scan.png: a PNG image: needs OCR (Textract) — not available offline' },
    { case: 'an empty file', read: () => input('', 'empty.xml'), reason: 'empty.xml: not a bill format this product reads (detected: an empty file)' },
    { case: 'the non-invoice root <root>', read: () => input('<root><users/></root>', 'r.xml'), reason: 'r.xml: root element root is not an invoice this product reads' },
    { case: 'the non-invoice root <dummy>', read: () => input('<dummy/>', 'd.xml'), reason: 'd.xml: root element dummy is not an invoice this product reads' },
    {
      case: 'an Order-X message',
      read: () => input('<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"/>', 'o.xml'),
      reason: 'root element {urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100}SCRDMCCBDACIOMessageStructure is not an invoice',
    },
    {
      case: 'myinvoice in the CII namespace',
      read: () => input('<rsm:myinvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>', 'm.xml'),
      reason: 'root element {urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}myinvoice is not an invoice',
    },
    {
      case: 'an Invoice root in another namespace (pre-release ZUGFeRD)',
      read: () => input('<rsm:Invoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CBFBUY:5"/>', 'z.xml'),
      reason: 'root element {urn:un:unece:uncefact:data:standard:CBFBUY:5}Invoice is not an invoice',
    },
    { case: 'XML that is not well-formed', read: () => input('<Invoice><a></Invoice>', 'bad.xml'), reason: 'bad.xml: not well-formed XML' },
    { case: 'a JSON array', read: () => input('[1,2]', 'a.json'), reason: 'detected: a JSON array' },
  ])('$case', async ({ read, reason }) => {
    expect(refusal(await readDocument(read()))).toContain(reason);
  });
});
