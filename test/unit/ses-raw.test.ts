/** The SES mailer: simple messages as before; an email with attachments as one raw MIME message. */
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

describe('SesMailer', () => {
  it('sends an email with attachments as raw MIME: text, HTML, the inline image by its cid, the CSV', async () => {
    const { client, sent } = fakeSes();
    const mailer = new SesMailer('ap@bills.example.com', 'bm-set', client, mimeMessage);
    const r = await mailer.send({
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
    expect(r.messageId).toBe('m-1');
    const input = sent[0]!;
    expect(input).toMatchObject({ FromEmailAddress: 'ap@bills.example.com', Destination: { ToAddresses: ['finance@example.com', 'cfo@example.com'] }, ConfigurationSetName: 'bm-set' });
    expect(input.Content?.Simple).toBeUndefined();
    const mail = await simpleParser(Buffer.from(input.Content!.Raw!.Data!));
    expect(mail.subject).toBe('Bills summary, März 2026');
    expect(mail.text?.trim()).toBe('plain');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.cid ?? null])).toEqual([
      ['chart.png', 'image/png', 'chart@x'],
      ['bills-2026-03.csv', 'text/csv', null],
    ]);
    expect([...mail.attachments[0]!.content]).toEqual([...PNG]);
  });

  it('sends a simple message without attachments, and refuses attachments without a MIME builder', async () => {
    const { client, sent } = fakeSes();
    const mailer = new SesMailer('ap@bills.example.com', undefined, client);
    await mailer.send({ to: ['a@example.com'], subject: 's', text: 't' });
    expect(sent[0]!.Content?.Simple?.Subject?.Data).toBe('s');
    await expect(mailer.send({ to: ['a@example.com'], subject: 's', text: 't', attachments: [{ filename: 'a.csv', contentType: 'text/csv', content: new Uint8Array() }] })).rejects.toThrow(/sends no attachments/);
  });
});
