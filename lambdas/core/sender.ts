/**
 * Who sent a submission, and whether to believe it (spec/domain.md §9), as far as the receipt
 * and the review link need it: a receipt or a review link goes only to a sender that may be
 * believed. The signal is intake's `sender_trusted` when it set one, else the receiving
 * service's DMARC verdict on the email (SES writes it into `Authentication-Results`): anything
 * but `pass` is not believed. Files from an operator (upload, drop folder, `bm run`) and an
 * email without verdicts (the local SMTP inbox, `sender_check: off`) are trusted.
 */
import type { BillSource } from './ports/store.ts';
import type { Submission } from './submission-schema.ts';

interface PartLike {
  readonly email?: Readonly<Record<string, unknown>> | null;
}

export function senderTrusted(submission: Pick<Submission, 'sender_trusted'>, part: PartLike): boolean {
  if (submission.sender_trusted === false) return false;
  const verdicts = (part.email?.verdicts ?? null) as Record<string, unknown> | null;
  const dmarc = verdicts?.dmarc;
  if (typeof dmarc === 'string' && dmarc.toLowerCase() !== 'pass') return false;
  return true;
}

/** The bare address of `Name <addr>` (or `addr`), lower-cased; null when there is none. */
export function addressOf(from: unknown): string | null {
  if (typeof from !== 'string') return null;
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(from) ?? /([^\s<>"',;]+@[^\s<>"',;]+)/.exec(from);
  return m ? m[1]!.toLowerCase() : null;
}

/** Where a receipt for this bill's submission goes: the email's From, else the envelope sender; null when untrusted or not an email. */
export function receiptAddress(source: Pick<BillSource, 'email' | 'submitter' | 'sender_trusted'>): string | null {
  if (!source.email || source.sender_trusted === false) return null;
  return addressOf(source.email.from) ?? addressOf(source.submitter);
}
