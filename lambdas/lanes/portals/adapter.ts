/**
 * A supplier portal, as the poll sees it (docs/deploy.md, "Adding a portal"). Each portal is its
 * own small adapter; sign-in flows are brittle, so one portal's failure never stops the others.
 *
 * - `signIn()` opens a session with the portal's credentials (from Secrets Manager
 *   `bm/portals/<id>`; locally from the lanes file). A refused sign-in throws `PortalError`.
 * - `list(since)` names the bills posted at or after the cursor `since` (null: everything the
 *   portal lists), each with its own cursor. Cursors are strings that sort in posting order
 *   (an ISO date-time, a zero-padded number); equal cursors are allowed.
 * - `download(bill)` gives the bytes of one bill.
 *
 * The poll keeps the cursor per portal, skips listing entries already landed, de-duplicates
 * downloads by hash and lands each new bill once (lambdas/lanes/portals/poll.ts).
 */

export interface PortalBill {
  /** Stable id of the listing entry (a URL, a file name with its time). */
  readonly id: string;
  /** The file name it lands under (the extension tells the readers what it is). */
  readonly name: string;
  /** Sorts in posting order. */
  readonly cursor: string;
  /** Size in bytes when the listing tells it (checked against the limit before downloading). */
  readonly size?: number;
}

export interface PortalSession {
  list(since: string | null): Promise<PortalBill[]>;
  download(bill: PortalBill): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface PortalAdapter {
  readonly id: string;
  signIn(): Promise<PortalSession>;
}

/** A portal said no, or answered what the adapter cannot read: named, for the log and the alarm. */
export class PortalError extends Error {
  override readonly name = 'PortalError';
}

/** Largest bill a portal may hand over. */
export const MAX_BILL_BYTES = 20 * 1024 * 1024;
/** Most listing entries handled in one poll of one portal (the rest wait for the next poll). */
export const MAX_BILLS_PER_POLL = 200;
