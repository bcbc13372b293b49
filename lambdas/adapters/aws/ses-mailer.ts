/**
 * Mailer on Amazon SES (v2 API): approval requests, supplier queries and reminders as simple
 * messages; an email with attachments (the monthly summary's chart and CSV) as raw MIME built
 * by nodemailer's MailComposer.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';
import { mimeAttachments } from '../../shared/mime.ts';

export class SesMailer implements Mailer {
  constructor(
    private readonly from: string,
    private readonly configurationSet?: string,
    private readonly ses: SESv2Client = new SESv2Client({}),
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    if (email.attachments?.length) return this.sendRaw(email);
    const r = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [...email.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, ...(email.html ? { Html: { Data: email.html, Charset: 'UTF-8' } } : {}) },
          },
        },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        EmailTags: email.tag ? [{ Name: 'kind', Value: email.tag }] : undefined,
      }),
    );
    return { messageId: r.MessageId ?? '' };
  }

  private async sendRaw(email: OutgoingEmail): Promise<{ messageId: string }> {
    const raw = await new MailComposer({
      from: this.from,
      to: email.to.join(', '),
      subject: email.subject,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
      attachments: mimeAttachments(email),
    })
      .compile()
      .build();
    const r = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [...email.to] },
        Content: { Raw: { Data: new Uint8Array(raw) } },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        EmailTags: email.tag ? [{ Name: 'kind', Value: email.tag }] : undefined,
      }),
    );
    return { messageId: r.MessageId ?? '' };
  }
}
