/** A file sent with an email; with a `cid`, an inline part the HTML refers to as `cid:<cid>`. */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Uint8Array;
  readonly cid?: string;
}

/** Outgoing email: SESv2 in AWS, an outbox folder of `.eml` files on a laptop. */
export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly subject: string;
  /** The plain-text part: always present. */
  readonly text: string;
  readonly html?: string;
  /** What the email is about, for the outbox and metrics: `approval-request`, `supplier-query`, … */
  readonly tag?: string;
  readonly billId?: string;
  /** Files (a CSV) and inline images (a chart): sent as one raw MIME message. */
  readonly attachments?: readonly EmailAttachment[];
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}
