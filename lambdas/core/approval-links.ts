/**
 * Signed approval links. A link carries a token: the payload (bill, action, approver, nonce,
 * expiry, and a hash of the bill content the email showed) and an HMAC-SHA256 over it with the
 * signing secret. Links are safe to forward by mistake: they name one approver, expire, and
 * their nonce is spent by a conditional write when used.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BillRecord } from './ports/store.ts';

export const APPROVAL_ACTIONS = ['approve', 'query', 'reject'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface LinkPayload {
  /** bill id */
  readonly b: string;
  /** action */
  readonly a: ApprovalAction;
  /** approver (email) */
  readonly p: string;
  /** nonce, single use */
  readonly n: string;
  /** expiry, epoch seconds */
  readonly e: number;
  /** hash of the bill content shown in the email */
  readonly h: string;
  /** when it was issued, epoch ms: a later email to the same approver revokes it */
  readonly i?: number;
}

const b64 = (buf: Buffer) => buf.toString('base64url');

function mac(secret: Uint8Array, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** The hash of what an approver is shown: the bill as read, its match and exceptions, vendor, PO, total. */
export function billContentHash(b: Pick<BillRecord, 'canonical' | 'match' | 'exceptions' | 'vendor_id' | 'po_number' | 'total' | 'currency'>): string {
  const shown = JSON.stringify([b.canonical, b.match, b.exceptions, b.vendor_id, b.po_number, b.total, b.currency]);
  return createHash('sha256').update(shown).digest('base64url').slice(0, 22);
}

export function newNonce(): string {
  return b64(randomBytes(16));
}

export function signLink(payload: LinkPayload, secret: Uint8Array): string {
  const body = b64(Buffer.from(JSON.stringify(payload)));
  return `${body}.${b64(mac(secret, body))}`;
}

export type LinkCheck =
  | { readonly ok: true; readonly payload: LinkPayload }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'expired'; readonly payload?: LinkPayload };

/** Verifies the signature in constant time, then the expiry. */
export function verifyLink(token: string, secret: Uint8Array, nowMs: number): LinkCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2000) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  let given: Buffer;
  try {
    given = Buffer.from(token.slice(dot + 1), 'base64url');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let payload: LinkPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!APPROVAL_ACTIONS.includes(payload.a) || typeof payload.b !== 'string' || typeof payload.e !== 'number') return { ok: false, reason: 'malformed' };
  if (payload.e * 1000 < nowMs) return { ok: false, reason: 'expired', payload };
  return { ok: true, payload };
}

/**
 * The other signed links, by the same scheme (HMAC-SHA256 over the payload, an expiry): a
 * review form (`review`, single use, bound to the bill version), the original document of a
 * bill (`doc`, short-lived), a bill's read-only page (`view`) and an answer about a bill that
 * waits on its supplier (`wait`: resume or reject, single use). `k` keeps one kind of link from
 * standing in for another; an approval token is never one of these.
 */
export const LINK_KINDS = ['review', 'doc', 'view', 'wait'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export interface KindPayload {
  readonly k: LinkKind;
  /** bill id */
  readonly b: string;
  /** expiry, epoch seconds */
  readonly e: number;
  /** the person the link was sent to, where it names one */
  readonly p?: string;
  /** nonce, where the link is single-use */
  readonly n?: string;
  /** the bill version the link is bound to */
  readonly v?: number;
}

export function signKindLink(payload: KindPayload, secret: Uint8Array): string {
  const body = b64(Buffer.from(JSON.stringify(payload)));
  return `${body}.${b64(mac(secret, body))}`;
}

export type KindCheck = { readonly ok: true; readonly payload: KindPayload } | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'expired' };

/** Verifies a link of kind `kind`: the signature in constant time, the kind, then the expiry. */
export function verifyKindLink(token: string, kind: LinkKind, secret: Uint8Array, nowMs: number): KindCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2000) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let payload: KindPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as KindPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (payload?.k !== kind || typeof payload.b !== 'string' || typeof payload.e !== 'number') return { ok: false, reason: 'malformed' };
  if (payload.e * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
