/** Mailer on Amazon SES (v2 API): approval requests, supplier queries and reminders. */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';

export class SesMailer implements Mailer {
  constructor(
    private readonly from: string,
    private readonly configurationSet?: string,
    private readonly ses: SESv2Client = new SESv2Client({}),
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
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
}
