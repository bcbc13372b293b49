/** The mailer port's attachments as nodemailer's MailComposer takes them (SES raw MIME, the local outbox). */
import type { OutgoingEmail } from '../core/ports/mailer.ts';

/** Inline (with a content id the HTML refers to) where the attachment has a `cid`. */
export function mimeAttachments(email: OutgoingEmail) {
  return (email.attachments ?? []).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    content: Buffer.from(a.content),
    ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : {}),
  }));
}
