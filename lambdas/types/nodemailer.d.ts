/** The little of nodemailer 10's MailComposer the tests use (nodemailer ships no types). */
declare module 'nodemailer/lib/mail-composer/index.js' {
  interface ComposerAttachment {
    filename?: string;
    content?: string | Uint8Array;
    contentType?: string;
    contentDisposition?: 'attachment' | 'inline';
    contentTransferEncoding?: 'base64' | 'quoted-printable' | '7bit' | '8bit' | false;
    cid?: string;
    headers?: Record<string, string>;
  }
  interface ComposerMail {
    from?: string;
    to?: string;
    subject?: string;
    text?: string;
    html?: string;
    date?: Date | string;
    messageId?: string;
    headers?: Record<string, string>;
    attachments?: ComposerAttachment[];
    icalEvent?: { method?: string; filename?: string; content: string };
  }
  export default class MailComposer {
    constructor(mail: ComposerMail);
    compile(): { build(): Promise<Buffer> };
  }
}
