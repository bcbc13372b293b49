/**
 * Mailer on Amazon SES (v2 API): approval requests, supplier queries and reminders as simple
 * messages; an email with attachments (the monthly summary's chart and CSV) as raw MIME, built
 * by the `mime` function given (`ses-raw.ts`: nodemailer's MailComposer), so that functions that
 * never send attachments do not bundle it.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';

/** Builds the raw MIME message of an email from an address. */
export type MimeBuilder = (email: OutgoingEmail, from: string) => Promise<Uint8Array>;

export class SesMailer implements Mailer {
  constructor(
    private readonly from: string,
    private readonly configurationSet?: string,
    private readonly ses: SESv2Client = new SESv2Client({}),
    private readonly mime?: MimeBuilder,
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
    if (!this.mime) throw new Error('this mailer was built without a MIME builder: it sends no attachments');
    const raw = await this.mime(email, this.from);
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
