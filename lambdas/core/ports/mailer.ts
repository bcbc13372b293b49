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
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}
