/** A Mailer that keeps what it sends in memory: for one-shot runs (`bm run`) and tests. */
import type { Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';

export class MemoryOutbox implements Mailer {
  readonly sent: (OutgoingEmail & { readonly messageId: string })[] = [];

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const messageId = `<${this.sent.length + 1}.${Date.now()}@bill-matcher.local>`;
    this.sent.push({ ...email, messageId });
    return { messageId };
  }

  forBill(billId: string): OutgoingEmail[] {
    return this.sent.filter((e) => e.billId === billId);
  }
}
