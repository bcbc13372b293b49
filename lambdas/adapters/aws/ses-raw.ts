/** An email as one raw MIME message (`bm summary --eml`): nodemailer's MailComposer, as the local outbox builds it. */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutgoingEmail } from '../../core/ports/mailer.ts';
import { mimeAttachments } from '../../shared/mime.ts';

export async function mimeMessage(email: OutgoingEmail, from: string): Promise<Uint8Array> {
  const raw = await new MailComposer({
    from,
    to: email.to.join(', '),
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
    attachments: mimeAttachments(email),
  })
    .compile()
    .build();
  return new Uint8Array(raw);
}
