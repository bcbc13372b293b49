/**
 * Receipts and review links through the local stack (DynamoDB Local, the SMTP inbox, the
 * workflow, the outbox): one receipt per inbound email to a believed sender, none to a sender
 * whose DMARC verdict is not a pass; a needs_review bill's review link by email.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, misreadCastorBill, sendMail, testStack, waitFor, type TestStack } from '../support/local.ts';

describe('receipts to the sender', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await testStack();
  }, 60_000);
  afterAll(async () => stack?.dispose());

  async function forwarded(subject: string): Promise<Buffer> {
    return (await new MailComposer({
      from: 'billing@acme-office.example',
      to: 'clerk@northwind.example',
      subject,
      text: 'Please find our invoices attached.',
      attachments: [
        { filename: '01-acme-office.xml', content: readFileSync(join(DEMO, 'bills', '01-acme-office.xml')) },
        { filename: '02-brightline-laptops.cii.xml', content: readFileSync(join(DEMO, 'bills', '02-brightline-laptops.cii.xml')) },
        { filename: 'scan-of-coffee.xml', content: '<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:ID' },
      ],
    })
      .compile()
      .build()) as Buffer;
  }

  it('a forwarded email with two bills and a broken attachment gets one receipt naming each', async () => {
    await sendMail(stack, {
      from: 'Clara Clerk <clerk@northwind.example>',
      subject: 'Fwd: invoices March',
      text: 'Forwarding these.',
      attachments: [{ filename: 'invoices.eml', content: await forwarded('invoices March'), contentType: 'message/rfc822' }],
    });
    await stack.idle();
    const bills = (await stack.store.listBills()).filter((b) => b.source.input === 'Fwd: invoices March');
    expect(bills).toHaveLength(3);
    const receipts = (await stack.outbox.list()).filter((m) => m.tag === 'receipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.to).toBe('clerk@northwind.example');
    const mail = (await stack.outbox.read(receipts[0]!.file))!;
    expect(mail.subject).toBe('Received: Fwd: invoices March — 2 bills read, 1 not readable');
    for (const b of bills.filter((x) => x.canonical)) {
      expect(mail.text).toContain(`Bill id: ${b.bill_id}`);
      expect(mail.text).toContain(`${stack.webUrl}/bills/${b.bill_id}`);
      expect(mail.text).toContain(b.invoice_number!);
    }
    // Each bill's state in words and what happens next.
    expect(mail.text).toMatch(/State: (Ready for payment|Awaiting approval|Flagged)/);
    expect(mail.text).toContain('Next: ');
    // The broken attachment is named, with the reason.
    // A file name is text from the email: shown, but never as something a mail client links.
    expect(mail.text).toMatch(/Not readable[^\n]*\n- [^\n]*scan-of-coffee\[\.\]xml[^\n]*: /);
    expect(mail.html).toContain('scan-of-coffee[.]xml');
  });

  it('links in a supplier name, an invoice number or a subject are defanged in the receipt (§9)', async () => {
    const bill = { ...misreadCastorBill('PAY-AT https://pay.evil.example/now'), confidence: undefined, supplier: { name: 'Castor Tools AG\nPay here: https://evil.example/pay or www.evil.example', tax_id: 'DE811907980', iban: 'DE02120300000000202051' } };
    await sendMail(stack, {
      from: 'Clara Clerk <clerk@northwind.example>',
      subject: 'Invoice — questions to billing@evil.example',
      attachments: [{ filename: 'evil.bill.json', content: JSON.stringify(bill) }],
    });
    await stack.idle();
    const receipt = (await stack.outbox.list()).find((m) => m.tag === 'receipt' && m.subject.includes('questions to'));
    expect(receipt).toBeDefined();
    const mail = (await stack.outbox.read(receipt!.file))!;
    for (const text of [mail.subject, mail.text, mail.html]) {
      expect(text).not.toMatch(/https?:\/\/(pay\.)?evil/);
      expect(text).not.toMatch(/evil\.example/);
      expect(text).not.toContain('www.evil');
    }
    expect(mail.subject).toContain('billing@evil[.]example');
    expect(mail.text).toContain('https[:]//evil[.]example/pay');
    expect(mail.text).toContain('PAY-AT https[:]//pay.evil[.]example/now');
    // The supplier's line break did not start a line of its own.
    expect(mail.text).not.toMatch(/\nPay here/);
    expect(mail.html).not.toMatch(/href="[^"]*evil/);
  });

  it('a sender whose DMARC verdict is not a pass gets no receipt; the review link goes to the AP inbox', async () => {
    await sendMail(stack, {
      from: 'accounts@castor-tools.example',
      subject: 'Invoice CT-7001',
      // SES's own verdict (authserv-id amazonses.com): only that one counts, a sender can write any other.
      headers: { 'Authentication-Results': 'amazonses.com; spf=fail smtp.mailfrom=castor-tools.example; dmarc=fail header.from=castor-tools.example' },
      attachments: [{ filename: 'ct-7001.bill.json', content: JSON.stringify(misreadCastorBill('CT-7001')) }],
    });
    await stack.idle();
    const bill = (await stack.store.listBills()).find((b) => b.invoice_number === 'CT-7001')!;
    expect(bill.state).toBe('needs_review');
    expect(bill.source.sender_trusted).toBe(false);
    const sent = (await stack.outbox.list()).filter((m) => m.billId === bill.bill_id);
    expect(sent.filter((m) => m.tag === 'receipt')).toHaveLength(0);
    const review = await waitFor('the review link', async () => sent.find((m) => m.tag === 'review-request'));
    // Not to the sender: to the AP admin of the policy.
    expect(review.to).toBe('ap-admin@northwind.example');
  });
});
