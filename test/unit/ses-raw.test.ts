/** The SES mailer: every email a simple message, attachments built into MIME by SES; `bm summary --eml`'s raw MIME. */
import type { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { mimeMessage } from '../../lambdas/adapters/aws/ses-raw.ts';
import { SesMailer } from '../../lambdas/adapters/aws/ses-mailer.ts';

function fakeSes() {
  const sent: SendEmailCommand['input'][] = [];
  const client = { send: async (c: SendEmailCommand) => (sent.push(c.input), { MessageId: `m-${sent.length}` }) } as unknown as SESv2Client;
  return { client, sent };
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/** The monthly summary's email: text, HTML with the chart inline by its cid, the CSV. */
const summaryEmail = () => ({
  to: ['finance@example.com', 'cfo@example.com'],
  subject: 'Bills summary, März 2026',
  text: 'plain',
  html: '<p>html</p><img src="cid:chart@x">',
  tag: 'monthly-summary',
  attachments: [
    { filename: 'chart.png', contentType: 'image/png', content: PNG, cid: 'chart@x' },
    { filename: 'bills-2026-03.csv', contentType: 'text/csv; charset=utf-8', content: new TextEncoder().encode('bill_id\r\nb1\r\n') },
  ],
});

describe('SesMailer', () => {
  const email = summaryEmail();

  it('sends an email with attachments as a simple message SES builds: text, HTML, the image inline by its cid, the CSV attached', async () => {
    const { client, sent } = fakeSes();
    const mailer = new SesMailer('ap@bills.example.com', 'bm-set', client);
    const r = await mailer.send(email);
    expect(r.messageId).toBe('m-1');
    const input = sent[0]!;
    expect(input).toMatchObject({ FromEmailAddress: 'ap@bills.example.com', Destination: { ToAddresses: ['finance@example.com', 'cfo@example.com'] }, ConfigurationSetName: 'bm-set', EmailTags: [{ Name: 'kind', Value: 'monthly-summary' }] });
    expect(input.Content?.Raw).toBeUndefined();
    const simple = input.Content!.Simple!;
    expect(simple.Subject).toEqual({ Data: 'Bills summary, März 2026', Charset: 'UTF-8' });
    expect(simple.Body).toEqual({ Text: { Data: 'plain', Charset: 'UTF-8' }, Html: { Data: '<p>html</p><img src="cid:chart@x">', Charset: 'UTF-8' } });
    expect(simple.Attachments).toEqual([
      { FileName: 'chart.png', ContentType: 'image/png', RawContent: PNG, ContentDisposition: 'INLINE', ContentId: 'chart@x', ContentTransferEncoding: 'BASE64' },
      { FileName: 'bills-2026-03.csv', ContentType: 'text/csv; charset=utf-8', RawContent: email.attachments[1]!.content, ContentDisposition: 'ATTACHMENT', ContentTransferEncoding: 'BASE64' },
    ]);
  });

  it('sends a simple message without attachments as before', async () => {
    const { client, sent } = fakeSes();
    const mailer = new SesMailer('ap@bills.example.com', undefined, client);
    await mailer.send({ to: ['a@example.com'], subject: 's', text: 't' });
    expect(sent[0]!.Content?.Simple?.Subject?.Data).toBe('s');
    expect(sent[0]!.Content?.Simple?.Attachments).toBeUndefined();
    expect(sent[0]!.ConfigurationSetName).toBeUndefined();
  });
});


describe('bm summary --eml', () => {
  it('writes the same email as one raw MIME message: text, the inline image by its cid, the CSV', async () => {
    const mail = await simpleParser(Buffer.from(await mimeMessage(summaryEmail(), 'ap@bills.example.com')));
    expect(mail.subject).toBe('Bills summary, März 2026');
    expect(mail.text?.trim()).toBe('plain');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.cid ?? null])).toEqual([
      ['chart.png', 'image/png', 'chart@x'],
      ['bills-2026-03.csv', 'text/csv', null],
    ]);
    expect([...mail.attachments[0]!.content]).toEqual([...PNG]);
  });
});
