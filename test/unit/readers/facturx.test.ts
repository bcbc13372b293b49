import { describe, expect, it } from 'vitest';
import { readFacturx } from '../../../lambdas/readers/facturx.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import { fixtureBytes, onlyBill, pdfWith, refusal } from './support.ts';

describe('Factur-X reader', () => {
  it.each([
    { case: 'factur-x.xml (CII)', name: 'factur-x.xml', xml: 'cii-invoice.xml', number: 'FX-2026-001' },
    { case: 'xrechnung.xml', name: 'xrechnung.xml', xml: 'cii-invoice.xml', number: 'FX-2026-001' },
    { case: 'ZUGFeRD-invoice.xml (ZUGFeRD 1.0)', name: 'ZUGFeRD-invoice.xml', xml: 'zugferd1-invoice.xml', number: 'ZF1-77' },
    { case: 'a UBL invoice under another name', name: 'UBL-Invoice-2.1.xml', xml: 'ubl-invoice.xml', number: 'INV-0012' },
  ])('reads the embedded $case', async ({ name, xml, number }) => {
    const pdf = await pdfWith([{ name, bytes: fixtureBytes(xml) }]);

    const results = await readDocument({ bytes: pdf, filename: 'invoice.pdf' });

    expect(results[0]?.format).toBe('facturx');
    expect(results[0]?.origin).toBe(`attachment ${name}`);
    expect(onlyBill(results).invoice_number).toBe(number);
  });

  it('returns null (the seam for a text-layer reader) when a PDF has no invoice XML', async () => {
    const pdf = await pdfWith([{ name: 'order-x.xml', bytes: new TextEncoder().encode('<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"/>') }]);

    expect(await readFacturx({ bytes: pdf, filename: 'order.pdf' })).toBeNull();
  });

  it.each([
    { case: 'plain PDF without a text layer (a scan)', attachments: [], reason: 'plain.pdf: a PDF without a text layer (a scan): needs OCR (Textract) — not available offline' },
    { case: 'PDF carrying only an Order-X', attachments: [{ name: 'order-x.xml', bytes: new TextEncoder().encode('<Order/>') }], reason: 'attachments: order-x.xml' },
  ])('refuses a $case', async ({ attachments, reason }) => {
    const pdf = await pdfWith(attachments);

    expect(refusal(await readDocument({ bytes: pdf, filename: 'plain.pdf' }))).toContain(reason);
  });

  it('refuses a broken factur-x.xml with the XML reason', async () => {
    const pdf = await pdfWith([{ name: 'factur-x.xml', bytes: new TextEncoder().encode('<?xml version="1.0" encoding="UTF-8-W/O-BOM"?><a/>') }]);

    expect(refusal(await readDocument({ bytes: pdf, filename: 'fx.pdf' }))).toMatch(/fx\.pdf \(embedded factur-x\.xml\): not well-formed XML: unknown encoding/);
  });
});
