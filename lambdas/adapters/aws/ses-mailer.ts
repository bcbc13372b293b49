/**
 * Mailer on Amazon SES (v2 API): every email as a simple message, which SES builds into MIME
 * itself — attachments too (the monthly summary's chart inline by its content id, its CSV), since
 * SES takes them in `Content.Simple.Attachments`. So no function bundles a MIME composer
 * (nodemailer's is 135 KB); the local outbox and `bm summary --eml` still build raw MIME with it.
 */
import { SendEmailCommand, SESv2Client, type Attachment } from '@aws-sdk/client-sesv2';
import type { EmailAttachment, Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';

/** An attachment as SES takes it: inline (referred to by its content id in the HTML) where it has a `cid`. */
export function sesAttachment(a: EmailAttachment): Attachment {
  return {
    FileName: a.filename,
    ContentType: a.contentType,
    RawContent: a.content,
    ContentDisposition: a.cid ? 'INLINE' : 'ATTACHMENT',
    ...(a.cid ? { ContentId: a.cid } : {}),
    ContentTransferEncoding: 'BASE64',
  };
}

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
            ...(email.attachments?.length ? { Attachments: email.attachments.map(sesAttachment) } : {}),
          },
        },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        EmailTags: email.tag ? [{ Name: 'kind', Value: email.tag }] : undefined,
      }),
    );
    return { messageId: r.MessageId ?? '' };
  }
}
