/**
 * Who sent the bill (spec/domain.md §9), decided before the bill may claim anything.
 *
 * 1. Not an email (a file given to `bm run`, the drop folder, a signed-in upload): operator
 *    input, trusted; the submitter is the operator when known.
 * 2. An email: its From address is trusted when SES reported DMARC `PASS` — or always, when the
 *    sender check is `off` (a local inbox, a trusted gateway in front of the inbox).
 * 3. A trusted sender of an `internal_domains` domain is the submitter (a clerk forwarding it);
 *    a trusted sender with the resolved vendor's master address, or its domain, is the vendor.
 * 4. Anyone else gives `SENDER_UNVERIFIED` under `strict`: the bill waits for a clerk.
 */
import { exception, type BillException } from './exceptions.ts';
import type { Policy, SenderCheck, Vendor } from './master.ts';
import type { BillSource } from './ports/store.ts';
import type { Submission } from './submission-schema.ts';

export interface SenderVerdict {
  /** The person who submitted the bill, for segregation of duties: never its approver. */
  readonly submitter: string | null;
  /** `SENDER_UNVERIFIED`, or null when the sender may submit this bill. */
  readonly exception: BillException | null;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The sender check in force: the policy's, else the channel's default, else `strict`. */
export function senderCheckOf(policy: Policy, source: BillSource): SenderCheck {
  return policy.sender_check ?? source.sender_check ?? 'strict';
}

export function checkSender(source: BillSource, vendor: Vendor | null, policy: Policy): SenderVerdict {
  const email = source.email;
  if (!email) return { submitter: source.submitter, exception: null };
  const from = typeof email['from'] === 'string' && email['from'].includes('@') ? email['from'].trim() : null;
  const verdicts = (email['verdicts'] ?? {}) as Record<string, unknown>;
  const strict = senderCheckOf(policy, source) === 'strict';
  const trusted = !!from && (!strict || verdicts['dmarc'] === 'PASS');
  const internal = trusted && policy.internal_domains.includes(domainOf(from));
  if (internal) return { submitter: from, exception: null };
  const vendorEmail = vendor?.email?.trim().toLowerCase() ?? null;
  const isVendor = trusted && !!vendorEmail && (from.toLowerCase() === vendorEmail || domainOf(from) === domainOf(vendorEmail));
  if (isVendor || !strict) return { submitter: null, exception: null };
  const who = from ? `From ${from}` : 'an email with no From address';
  const why = !from
    ? 'no sender address'
    : !trusted
      ? `DMARC ${typeof verdicts['dmarc'] === 'string' ? verdicts['dmarc'] : 'not reported'}, so the From address is not proven`
      : `neither an internal domain (${policy.internal_domains.join(', ') || 'none set'}) nor ${vendor ? `vendor ${vendor.vendor_id}'s address (${vendor.email ?? 'no email in the vendor master'})` : 'a known vendor'}`;
  return {
    submitter: null,
    exception: exception('SENDER_UNVERIFIED', `${who}: ${why}; a clerk must confirm the bill in review before it claims anything`),
  };
}

/*
 * Whether to believe a submission's sender, as far as receipts and review links need it: a
 * receipt or a review link goes only to a sender that may be believed. The signal is intake's
 * `sender_trusted` when it set one, else the DMARC verdict on the email: anything but `pass` is
 * not believed. Operator files and an email without verdicts (the local SMTP inbox) are trusted.
 */
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
