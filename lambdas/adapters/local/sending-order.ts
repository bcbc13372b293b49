/**
 * Emails composed at once and sent in an order: the local workflow tells people (receipts,
 * review links, approval requests) in the order its executions started, and only the sending
 * waits for that turn, not the reading and composing before it.
 */
import type { Mailer, OutgoingEmail } from '../../core/ports/mailer.ts';

/** An email composed (its MIME bytes built), not yet in the outbox. */
export interface ComposedEmail {
  readonly messageId: string;
  readonly raw: Buffer;
  /** The port's `tag`, in the file name. */
  readonly tag: string | null;
  readonly id: string;
}

/**
 * A Mailer that composes first and sends apart: the work of building the message can be done
 * ahead, and only the sending (here, the outbox file) kept in an order (see `LocalWorkflow`).
 */
export interface ComposingMailer extends Mailer {
  compose(email: OutgoingEmail): Promise<ComposedEmail>;
  deliver(composed: ComposedEmail): Promise<{ readonly messageId: string }>;
}

/** `mailer` with each send made once `ready` resolves; a composing mailer composes at once, ahead. */
export function sendingWhen(mailer: Mailer, ready: Promise<unknown>): Mailer {
  const composing = 'compose' in mailer && 'deliver' in mailer ? (mailer as ComposingMailer) : null;
  return {
    async send(email) {
      if (!composing) {
        await ready;
        return mailer.send(email);
      }
      const composed = await composing.compose(email);
      await ready;
      return composing.deliver(composed);
    },
  };
}
