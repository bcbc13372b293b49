/**
 * Portal poll: every configured portal in turn, each on its own (a failure is caught, recorded and
 * reported; the next portal runs), each new bill landed once as an upload, where intake picks it
 * up like any other upload (operator input, §9: the portal is a channel the operator set up, so
 * the bill is trusted and has no submitter; the key names the portal).
 *
 * For each listing entry, oldest first:
 * 1. an entry already landed (`SEEN#<id>`) is skipped without a download;
 * 2. the bytes are downloaded and hashed; bytes landed before (the same PDF listed twice, on
 *    another portal too) are not landed again;
 * 3. the upload is written once (`putOnce`: S3 `If-None-Match: *`, or a file created exclusively),
 *    then the hash and the entry are recorded, then the portal's cursor is saved.
 * A crash anywhere in 1–3 leaves the cursor before the entry: the next poll lists it again, and
 * `putOnce` and the records make the retry land it exactly once. No bill is lost, none twice.
 */
import { createHash } from 'node:crypto';
import { LANE_KEYS, type LaneState } from '../state.ts';
import { MAX_BILLS_PER_POLL, type PortalBill } from './adapter.ts';
import type { ConfiguredPortal } from './registry.ts';

/** Where bills land: the documents bucket's `uploads/` (S3), the local stack's drop folder. */
export interface UploadTarget {
  /** Writes `bytes` under `key` unless something is there already. */
  putOnce(key: string, bytes: Uint8Array, meta: { readonly portal: string; readonly name: string; readonly sha256: string }): Promise<'written' | 'exists'>;
}

export interface PollDeps {
  readonly state: LaneState;
  readonly uploads: UploadTarget;
  readonly now: () => number;
}

export interface PortalResult {
  readonly portal: string;
  readonly status: 'ok' | 'failed';
  readonly listed: number;
  readonly landed: readonly string[];
  readonly duplicates: number;
  readonly error?: string;
}

interface CursorState {
  readonly cursor: string | null;
  readonly at: string;
}

export const UPLOAD_PREFIX = 'uploads/portals/';

/** A key segment from a file name: no separators, nothing hidden. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 120) || 'bill.pdf';

/** `uploads/portals/<portal>/<portal>-<hash16>-<name>`: the file name (the bill's input) names the portal too. */
export function uploadKey(portal: string, sha256: string, name: string): string {
  return `${UPLOAD_PREFIX}${portal}/${portal}-${sha256.slice(0, 16)}-${safeName(name)}`;
}

export async function pollPortals(portals: readonly ConfiguredPortal[], deps: PollDeps): Promise<PortalResult[]> {
  const results: PortalResult[] = [];
  for (const p of portals) results.push(await pollOne(p, deps));
  return results;
}

async function pollOne(portal: ConfiguredPortal, deps: PollDeps): Promise<PortalResult> {
  const pk = LANE_KEYS.portal(portal.id);
  const landed: string[] = [];
  let duplicates = 0;
  let listed = 0;
  try {
    const adapter = await portal.open();
    const session = await adapter.signIn();
    try {
      const stored = await deps.state.get<CursorState>(pk, 'CURSOR');
      let version = stored?.version ?? 0;
      let cursor = stored?.value.cursor ?? null;
      const bills = (await session.list(cursor)).sort((a, b) => (a.cursor === b.cursor ? (a.id < b.id ? -1 : 1) : a.cursor < b.cursor ? -1 : 1));
      listed = bills.length;
      for (const bill of bills.slice(0, MAX_BILLS_PER_POLL)) {
        const outcome = await landOne(portal.id, bill, session.download.bind(session), deps);
        if (outcome === 'landed') landed.push(bill.name);
        if (outcome === 'duplicate') duplicates++;
        if (bill.cursor && (cursor === null || bill.cursor > cursor)) {
          cursor = bill.cursor;
          await deps.state.put<CursorState>(pk, 'CURSOR', { cursor, at: new Date(deps.now()).toISOString() }, version);
          version++;
        }
      }
    } finally {
      await session.close();
    }
    await deps.state.record(pk, 'STATUS', { status: 'ok', at: new Date(deps.now()).toISOString(), landed: landed.length });
    return { portal: portal.id, status: 'ok', listed, landed, duplicates };
  } catch (err) {
    const error = (err as Error).message;
    await deps.state.record(pk, 'STATUS', { status: 'failed', at: new Date(deps.now()).toISOString(), error }).catch(() => undefined);
    return { portal: portal.id, status: 'failed', listed, landed, duplicates, error };
  }
}

async function landOne(portal: string, bill: PortalBill, download: (b: PortalBill) => Promise<Uint8Array>, deps: PollDeps): Promise<'seen' | 'duplicate' | 'landed'> {
  const pk = LANE_KEYS.portal(portal);
  const seenKey = `SEEN#${bill.id}`;
  if (await deps.state.get(pk, seenKey)) return 'seen';
  const bytes = await download(bill);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const doc = LANE_KEYS.portalDoc(sha256);
  const at = new Date(deps.now()).toISOString();
  const earlier = await deps.state.get<{ portal: string; id: string; key: string }>(doc.pk, doc.sk);
  let outcome: 'duplicate' | 'landed' = 'duplicate';
  if (!earlier) {
    const key = uploadKey(portal, sha256, bill.name);
    await deps.uploads.putOnce(key, bytes, { portal, name: bill.name, sha256 });
    await deps.state.record(doc.pk, doc.sk, { portal, id: bill.id, key, at });
    outcome = 'landed';
  }
  await deps.state.record(pk, seenKey, { sha256, at, name: bill.name });
  return outcome;
}
