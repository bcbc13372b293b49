import { zipSync } from 'fflate';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { exception } from '../../../lambdas/core/exceptions.ts';
import { EMAIL_LIMITS, readEmail } from '../../../lambdas/readers/email.ts';
import { sha256Hex } from '../../../lambdas/readers/hash.ts';
import { readDocument } from '../../../lambdas/readers/index.ts';
import type { ReadInput, ReadResult } from '../../../lambdas/readers/types.ts';
import { zeroBomb } from './zip-builder.ts';

type Mail = ConstructorParameters<typeof MailComposer>[0];
type Attachment = NonNullable<Mail['attachments']>[number];

const MB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);
const invoiceXml = (n: string) =>
  text(`<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:example">\n  <cbc:ID>${n}</cbc:ID>\n  <Note>Gebühr = 5 €</Note>\n</Invoice>\n`);

/** Builds a raw email in memory; the defaults are a plain supplier email without attachments. */
async function compose(mail: Mail = {}): Promise<Uint8Array> {
  const raw = await new MailComposer({
    from: 'Acme Billing <billing@acme.example>',
    to: 'ap@example.com',
    subject: 'Invoice',
    date: new Date('2026-03-02T09:30:00Z'),
    messageId: '<m1@acme.example>',
    text: 'Please find our invoice attached.',
    ...mail,
  })
    .compile()
    .build();
  return new Uint8Array(raw);
}

const xmlAttachment = (filename: string, n: string, extra: Partial<Attachment> = {}): Attachment => ({
  filename,
  content: invoiceXml(n),
  contentType: 'application/xml',
  ...extra,
});

async function smallPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]).drawText('INVOICE PDF-1', { x: 20, y: 100 });
  return doc.save();
}

/** Stands in for readDocument: XML with `<Invoice` and any PDF are bills; X12 has ST origins. */
async function fakeRead(input: ReadInput): Promise<ReadResult[]> {
  const body = new TextDecoder().decode(input.bytes);
  const documentHash = sha256Hex(input.bytes);
  if (body.startsWith('%PDF-')) return [{ part: 0, format: 'fake-pdf', bill: { invoice_number: 'PDF-1' }, exceptions: [], documentHash }];
  if (body.startsWith('ISA')) {
    return ['0001', '0002'].map((st, i) => ({ part: i, format: 'fake-x12', bill: { invoice_number: st }, exceptions: [], documentHash, origin: `ST ${st}` }));
  }
  const number = /<cbc:ID>([^<]+)<\/cbc:ID>/.exec(body)?.[1] ?? null;
  if (body.includes('<Invoice')) return [{ part: 0, format: 'fake-xml', bill: { invoice_number: number }, exceptions: [], documentHash }];
  return [{ part: 0, format: 'unknown', bill: null, exceptions: [exception('UNREADABLE', `${input.filename}: not a bill`)], documentHash }];
}

const summary = (results: readonly ReadResult[]) => results.map((r) => [r.part, r.format, r.origin, r.bill?.invoice_number ?? null]);
const reasons = (results: readonly ReadResult[]) => results.flatMap((r) => r.exceptions.map((e) => `${e.code}: ${e.message}`));

describe('readEmail: picking bill attachments', () => {
  it('finds a base64 PDF and a quoted-printable XML inside mixed > alternative + related (inline logo)', async () => {
    // Arrange
    const pdf = await smallPdf();
    const raw = await compose({
      html: '<p>Invoice attached</p><img src="cid:logo@acme">',
      attachments: [
        { filename: 'logo.png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png', cid: 'logo@acme' },
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
        xmlAttachment('invoice.xml', 'INV-1', { contentTransferEncoding: 'quoted-printable' }),
      ],
    });
    const source = new TextDecoder().decode(raw);
    const reader = vi.fn(fakeRead);

    // Act
    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    // Assert
    expect(source).toMatch(/multipart\/mixed[\s\S]*multipart\/alternative[\s\S]*multipart\/related/);
    expect(source).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(reader.mock.calls.map(([input]) => input.filename)).toEqual(['invoice.pdf', 'invoice.xml']);
    expect(summary(results)).toEqual([
      [0, 'fake-pdf', 'attachment invoice.pdf', 'PDF-1'],
      [1, 'fake-xml', 'attachment invoice.xml', 'INV-1'],
    ]);
    expect(results.map((r) => r.documentHash)).toEqual([sha256Hex(pdf), sha256Hex(invoiceXml('INV-1'))]);
  });

  it('reads two bills in one email as parts 0 and 1, each with the email facts', async () => {
    const raw = await compose({ attachments: [xmlAttachment('a.xml', 'A-1'), xmlAttachment('b.xml', 'B-2')] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(summary(results)).toEqual([
      [0, 'fake-xml', 'attachment a.xml', 'A-1'],
      [1, 'fake-xml', 'attachment b.xml', 'B-2'],
    ]);
    for (const r of results) {
      expect(r.email).toEqual({
        messageId: '<m1@acme.example>',
        from: 'billing@acme.example',
        subject: 'Invoice',
        date: '2026-03-02T09:30:00.000Z',
        verdicts: {},
      });
    }
  });

  it('keeps the attachment reader’s own origin after the attachment’s (X12 with two invoices)', async () => {
    const x12 = 'ISA*00*          *00*          *ZZ*ACME           *ZZ*BUYER          *260302*0930*U*00401*000000001*0*P*>~';
    const raw = await compose({ attachments: [{ filename: 'bills.txt', content: x12, contentType: 'text/plain' }] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(summary(results)).toEqual([
      [0, 'fake-x12', 'attachment bills.txt > ST 0001', '0001'],
      [1, 'fake-x12', 'attachment bills.txt > ST 0002', '0002'],
    ]);
  });

  it('reads the XML bills inside a zip attachment', async () => {
    const zip = zipSync({ 'a.xml': invoiceXml('Z-1'), 'b.xml': invoiceXml('Z-2'), 'readme.txt': text('hi') });
    const raw = await compose({ attachments: [{ filename: 'bills.zip', content: zip, contentType: 'application/zip' }] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(summary(results)).toEqual([
      [0, 'fake-xml', 'attachment bills.zip > a.xml', 'Z-1'],
      [1, 'fake-xml', 'attachment bills.zip > b.xml', 'Z-2'],
    ]);
    expect(results[1]!.documentHash).toBe(sha256Hex(invoiceXml('Z-2')));
  });

  it('passes over a calendar invite, signatures and a contact card next to a bill', async () => {
    const raw = await compose({
      icalEvent: { method: 'REQUEST', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' },
      attachments: [
        xmlAttachment('invoice.xml', 'INV-9'),
        { filename: 'smime.p7s', content: new Uint8Array([0x30, 0x82]), contentType: 'application/pkcs7-signature' },
        { filename: 'signature.asc', content: '-----BEGIN PGP SIGNATURE-----', contentType: 'application/pgp-signature' },
        { filename: 'contact.vcf', content: 'BEGIN:VCARD\r\nEND:VCARD\r\n', contentType: 'text/vcard' },
      ],
    });
    const reader = vi.fn(fakeRead);

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).toHaveBeenCalledTimes(1);
    expect(summary(results)).toEqual([[0, 'fake-xml', 'attachment invoice.xml', 'INV-9']]);
  });

  it('hands an Office document to the reader as a Word bill, not as a zip of bills', async () => {
    const docx = zipSync({ '[Content_Types].xml': text('<?xml version="1.0"?><Types/>'), 'word/document.xml': invoiceXml('DOCX-1') });
    const raw = await compose({
      attachments: [{ filename: 'bill.docx', content: docx, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }],
    });
    const reader = vi.fn(fakeRead);

    await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).toHaveBeenCalledTimes(1);
    expect(reader.mock.calls[0]?.[0].filename).toBe('bill.docx');
  });

  it('treats an email hidden in a .csv attachment as a forwarded message', async () => {
    const inner = await compose({ attachments: [xmlAttachment('inv.xml', 'CSV-1')] });
    const raw = await compose({ attachments: [{ filename: 'export.csv', content: inner, contentType: 'text/csv' }] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(summary(results)).toEqual([[0, 'fake-xml', 'forwarded message export.csv > attachment inv.xml', 'CSV-1']]);
  });
});

describe('readEmail: forwarded messages', () => {
  const forward = async (inner: Uint8Array, contentDisposition: 'attachment' | 'inline' = 'attachment') =>
    compose({
      from: 'clerk@example.com',
      subject: 'Fwd: Invoice',
      messageId: '<fwd@example.com>',
      attachments: [{ filename: 'invoice-mail.eml', content: inner, contentType: 'message/rfc822', contentDisposition }],
    });

  it.each([{ case: 'attachment' as const }, { case: 'inline' as const }])(
    'reads the bill inside an attached message/rfc822 ($case)',
    async ({ case: disposition }) => {
      const inner = await compose({ attachments: [xmlAttachment('inv.xml', 'FWD-1')] });
      const raw = await forward(inner, disposition);

      const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

      expect(summary(results)).toEqual([[0, 'fake-xml', 'forwarded message invoice-mail.eml > attachment inv.xml', 'FWD-1']]);
      expect(results[0]!.email).toMatchObject({ messageId: '<fwd@example.com>', from: 'clerk@example.com', subject: 'Fwd: Invoice' });
    },
  );

  it('reads three levels of forwarding and refuses the fourth', async () => {
    let three = await compose({ attachments: [xmlAttachment('inv.xml', 'DEEP-3')] });
    for (let i = 0; i < 3; i++) three = await forward(three);
    const four = await forward(three);

    const ok = await readEmail({ bytes: three, filename: 'mail.eml' }, fakeRead);
    const tooDeep = await readEmail({ bytes: four, filename: 'mail.eml' }, fakeRead);

    expect(ok.map((r) => r.bill?.invoice_number)).toEqual(['DEEP-3']);
    expect(tooDeep).toHaveLength(1);
    expect(tooDeep[0]).toMatchObject({ part: 0, format: 'email', bill: null });
    expect(reasons(tooDeep)).toEqual([
      'UNREADABLE: forwarded message invoice-mail.eml > forwarded message invoice-mail.eml > forwarded message invoice-mail.eml > ' +
        'forwarded message invoice-mail.eml: forwarded messages nested deeper than 3 levels are not read',
    ]);
  });
});

describe('readEmail: emails without a bill', () => {
  it('gives exactly one UNREADABLE result, hashed over the whole email, when there is no attachment', async () => {
    const raw = await compose();

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(results).toEqual([
      {
        part: 0,
        format: 'email',
        bill: null,
        documentHash: sha256Hex(raw),
        email: expect.objectContaining({ subject: 'Invoice' }),
        exceptions: [exception('UNREADABLE', 'email has no bill attachment (attachments: none)')],
      },
    ]);
  });

  it('names what it passed over: inline logo, invite, signature, card and winmail.dat (TNEF)', async () => {
    const raw = await compose({
      html: '<img src="cid:logo@acme">',
      attachments: [
        { filename: 'logo.png', content: new Uint8Array([0x89, 0x50]), contentType: 'image/png', cid: 'logo@acme' },
        { filename: 'invite.ics', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', contentType: 'text/calendar' },
        { filename: 'smime.p7s', content: new Uint8Array([0x30, 0x82]), contentType: 'application/pkcs7-signature' },
        { filename: 'contact.vcf', content: 'BEGIN:VCARD\r\nEND:VCARD\r\n', contentType: 'text/vcard' },
        { filename: 'winmail.dat', content: new Uint8Array([0x78, 0x9f, 0x3e, 0x22]), contentType: 'application/ms-tnef' },
      ],
    });
    const reader = vi.fn(fakeRead);

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).not.toHaveBeenCalled();
    expect(reasons(results)).toEqual([
      'UNREADABLE: email has no bill attachment (attachments: logo.png (inline image), invite.ics (calendar invite), ' +
        'smime.p7s (signature), contact.vcf (contact card), ' +
        'winmail.dat (Outlook winmail.dat (TNEF), not read: ask the sender to send plain attachments))',
    ]);
  });

  it('does not take markup or text that merely starts with "<" for an XML bill', async () => {
    const raw = await compose({
      attachments: [
        { filename: 'notes.txt', content: '<jane@acme.example> wrote: see you', contentType: 'text/plain' },
        { filename: 'page.htm', content: '<html><body>hi</body></html>', contentType: 'text/html' },
        { content: '<div>hi</div>', contentType: 'text/watch-html' },
      ],
    });
    const reader = vi.fn(fakeRead);

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).not.toHaveBeenCalled();
    expect(reasons(results)).toEqual([
      'UNREADABLE: email has no bill attachment (attachments: notes.txt (text), page.htm (HTML), attachment-3.txt (HTML))',
    ]);
  });

  it('does not throw on bytes that are not an email', async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);

    const results = await readEmail({ bytes: junk, filename: 'junk.eml' }, fakeRead);

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ part: 0, format: 'email', bill: null, documentHash: sha256Hex(junk) });
  });
});

describe('readEmail: safety limits', () => {
  let bigMail: Uint8Array;

  beforeAll(async () => {
    const brochure = new Uint8Array(60 * MB);
    brochure.set(text('%PDF-1.7\n'));
    bigMail = await compose({
      attachments: [{ filename: 'brochure.pdf', content: brochure, contentType: 'application/pdf' }, xmlAttachment('inv.xml', 'BIG-1')],
    });
  });

  it('refuses a 60 MB attachment by name and still reads the bill next to it', async () => {
    // The message limit is raised so that the per-attachment limit is the one that applies.
    const limits = { ...EMAIL_LIMITS, maxMessageBytes: 100 * MB };

    const results = await readEmail({ bytes: bigMail, filename: 'mail.eml' }, fakeRead, limits);

    expect(summary(results)).toEqual([
      [0, 'email', 'attachment brochure.pdf', null],
      [1, 'fake-xml', 'attachment inv.xml', 'BIG-1'],
    ]);
    expect(reasons(results)).toEqual(['UNREADABLE: attachment brochure.pdf is 60 MB, over the 25 MB limit per attachment; not read']);
  });

  it('refuses a message over 40 MB before parsing it, keeping the header facts', async () => {
    const results = await readEmail({ bytes: bigMail, filename: 'mail.eml' }, fakeRead);

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ part: 0, format: 'email', bill: null, documentHash: sha256Hex(bigMail) });
    expect(results[0]!.email).toMatchObject({ subject: 'Invoice', from: 'billing@acme.example' });
    expect(reasons(results)[0]).toMatch(/^UNREADABLE: email is 8\d\.\d MB, over the 40 MB limit per message; not read$/);
  });

  it('refuses a zip bomb attachment with a reason naming the limit', async () => {
    const raw = await compose({ attachments: [{ filename: 'bills.zip', content: zeroBomb(), contentType: 'application/zip' }] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(summary(results)).toEqual([[0, 'zip', 'attachment bills.zip', null]]);
    expect(reasons(results)).toEqual(['UNREADABLE: bills.zip: entry zeros.xml declares 200 MB uncompressed, over the 20 MB limit per entry']);
  });

  it('refuses an email with more than 50 bill files, reading none', async () => {
    const raw = await compose({ attachments: Array.from({ length: 51 }, (_, i) => xmlAttachment(`${i}.xml`, String(i))) });
    const reader = vi.fn(fakeRead);

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).not.toHaveBeenCalled();
    expect(reasons(results)).toEqual(['UNREADABLE: email has 51 bill files, over the limit of 50 per email; none read']);
  });

  it('turns a reader that throws into an UNREADABLE result for that attachment only', async () => {
    const raw = await compose({ attachments: [xmlAttachment('boom.xml', 'X'), xmlAttachment('ok.xml', 'OK-1')] });
    const reader = async (input: ReadInput) => {
      if (input.filename === 'boom.xml') throw new Error('kaput');
      return fakeRead(input);
    };

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(summary(results)).toEqual([
      [0, 'unknown', 'attachment boom.xml', null],
      [1, 'fake-xml', 'attachment ok.xml', 'OK-1'],
    ]);
    expect(reasons(results)).toEqual(['UNREADABLE: boom.xml: the reader failed (kaput)']);
  });
});

describe('readEmail: SES verdicts', () => {
  const authResults =
    'amazonses.com; spf=pass (spfCheck: domain of acme.example designates 192.0.2.1 as permitted sender) ' +
    'client-ip=192.0.2.1; envelope-from=billing@acme.example; helo=mail.acme.example; ' +
    'dkim=pass header.i=@acme.example; dmarc=fail header.from=acme.example;';

  it.each<{ case: string; headers: Record<string, string>; verdicts: Record<string, string> }>([
    {
      case: 'all SES headers',
      headers: { 'X-SES-Spam-Verdict': 'PASS', 'X-SES-Virus-Verdict': 'PASS', 'Authentication-Results': authResults },
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'FAIL' },
    },
    { case: 'a gray spam verdict only', headers: { 'X-SES-Spam-Verdict': 'GRAY' }, verdicts: { spam: 'GRAY' } },
    {
      case: 'Received-SPF without Authentication-Results',
      headers: { 'Received-SPF': 'softfail (example.com: domain does not designate 192.0.2.9) client-ip=192.0.2.9;' },
      verdicts: { spf: 'SOFTFAIL' },
    },
    { case: 'nothing for a Received-SPF without a result word', headers: { 'Received-SPF': 'custom_header1' }, verdicts: {} },
    { case: 'no verdict headers', headers: {}, verdicts: {} },
    {
      case: 'no DMARC from an Authentication-Results that SES did not write',
      headers: { 'Authentication-Results': 'mx.attacker.example; dmarc=pass header.from=example.com' },
      verdicts: {},
    },
  ])('records $case', async ({ headers, verdicts }) => {
    const raw = await compose({ headers, attachments: [xmlAttachment('inv.xml', 'V-1')] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, fakeRead);

    expect(results[0]!.email?.verdicts).toEqual(verdicts);
    expect(results[0]!.bill?.invoice_number).toBe('V-1');
  });

  it('refuses the attachments when the virus verdict is FAIL', async () => {
    const raw = await compose({ headers: { 'X-SES-Virus-Verdict': 'FAIL' }, attachments: [xmlAttachment('inv.xml', 'V-2')] });
    const reader = vi.fn(fakeRead);

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, reader);

    expect(reader).not.toHaveBeenCalled();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ part: 0, format: 'email', bill: null, documentHash: sha256Hex(raw) });
    expect(results[0]!.email?.verdicts).toEqual({ virus: 'FAIL' });
    expect(reasons(results)).toEqual(['UNREADABLE: virus scan verdict FAIL: no attachment was read']);
  });

  it('trusts only the topmost verdict header (the one SES prepends), not one the sender wrote', async () => {
    const sent = await compose({ headers: { 'X-SES-Virus-Verdict': 'PASS' }, attachments: [xmlAttachment('inv.xml', 'V-3')] });
    const received = new Uint8Array([...text('X-SES-Virus-Verdict: FAIL\r\n'), ...sent]);

    const results = await readEmail({ bytes: received, filename: 'mail.eml' }, fakeRead);

    expect(reasons(results)).toEqual(['UNREADABLE: virus scan verdict FAIL: no attachment was read']);
  });
});

describe('readEmail with the real readDocument (integration)', () => {
  const UBL = text(`<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>INV-4711</cbc:ID>
  <cbc:IssueDate>2026-03-02</cbc:IssueDate>
  <cbc:DueDate>2026-04-01</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>PO-7001</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Acme GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>Example Ltd</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">23.75</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">125.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">23.75</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">125.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">125.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">148.75</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">148.75</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">10</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">125.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Widget</cbc:Name><cac:SellersItemIdentification><cbc:ID>A-100</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">12.50</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
`);

  it('reads a UBL invoice attachment as format ubl with its invoice number', async () => {
    const raw = await compose({ attachments: [{ filename: 'INV-4711.xml', content: UBL, contentType: 'application/xml' }] });

    const results = await readEmail({ bytes: raw, filename: 'mail.eml' }, readDocument);

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ part: 0, format: 'ubl', documentHash: sha256Hex(UBL) });
    expect(results[0]!.origin).toMatch(/^attachment INV-4711\.xml/);
    expect(results[0]!.bill?.invoice_number).toBe('INV-4711');
  });
});
