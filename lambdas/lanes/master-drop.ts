/**
 * The master-data drop lane: a file (or a set of files) of master data lands in a prefix of the
 * documents bucket (`master/incoming/`) or, locally, in `<home>/master-drop/`, and is imported
 * exactly like `bm import`:
 *
 * 1. Idempotent on the bytes: a drop whose SHA-256 was handled before (imported or refused) is
 *    not handled again.
 * 2. What landed: one of the four files (`vendors.csv`, `purchase_orders.csv`,
 *    `goods_receipts.csv`, `policy.json`; a prefix such as `2026-03-01-vendors.csv` is allowed),
 *    a `.zip` of some or all of them, or (locally) a folder of them. Files the drop lacks are
 *    taken from the current master set (`master/current/`, the last set imported through the
 *    lane), so that one file can be replaced on its own.
 * 3. The whole merged set is validated by the same parser as `bm import` (lambdas/core/master.ts):
 *    any bad row refuses the drop, nothing is imported, and every bad row is listed, in the
 *    import history and in an email to the operations address.
 * 4. Before the import, every vendor, purchase order and the policy is compared with what the
 *    table holds: each changed field of an existing record is audited `old → new` with the
 *    drop's source (new records are audited as created).
 * 5. The import itself is the store's `importMaster` (the same call as `bm import`); then the
 *    current set is replaced, the history written, and the re-match hook (if any) is called
 *    with the vendors and purchase orders that changed.
 *
 * Nothing here imports the AWS SDK or reads the environment: the handler and `bm start` give
 * the store, the document store, the state and the mailer.
 */
import { oneLine } from '../core/mail-html.ts';
import { plainLine } from '../core/safe-text.ts';
import { createHash } from 'node:crypto';
import { formatProblem, MasterDataError, parseMasterData, type MasterData, type MasterFiles, type MasterProblem } from '../core/master.ts';
import { normalizePoRef } from '../core/normalize.ts';
import type { DocumentStore } from '../core/ports/documents.ts';
import type { Mailer } from '../core/ports/mailer.ts';
import type { BillStore } from '../core/ports/store.ts';
import { safeUnzip } from '../readers/zip.ts';
import { LANE_KEYS, type LaneState } from './state.ts';

export const MASTER_FILES = ['vendors.csv', 'purchase_orders.csv', 'goods_receipts.csv', 'policy.json'] as const;
export type MasterFileName = (typeof MASTER_FILES)[number];

/** Where the lane keeps the current master set (document-store keys). */
export const CURRENT_PREFIX = 'master/current/';
/** Where drops land in the documents bucket. */
export const INCOMING_PREFIX = 'master/incoming/';

/** Most problems kept in one history item and listed in one email (the count is always exact). */
export const MAX_LISTED_PROBLEMS = 500;

/** One drop: the files it brings, its hash and where it came from. */
export interface MasterDrop {
  /** The file or folder name, for people. */
  readonly name: string;
  /** SHA-256 (hex) of what landed: the idempotency key. */
  readonly hash: string;
  /** Where it came from, for the audit: `s3://bucket/key`, `drive:<file>@<version>`, a path. */
  readonly source: string;
  readonly files: Partial<Record<MasterFileName, string>>;
  /** Problems found while unpacking (unknown file, not UTF-8, a refused zip). */
  readonly problems: readonly MasterProblem[];
  /** Says where a problem is in the source's own terms (a sheet's tab and row). */
  readonly locate?: (p: MasterProblem) => string;
}

export interface FieldChange {
  readonly field: string;
  readonly old: string | null;
  readonly new: string | null;
}

/** A change of one master record. */
export interface RecordChange {
  readonly kind: 'vendor' | 'purchase_order' | 'policy';
  readonly id: string;
  readonly created: boolean;
  readonly fields: readonly FieldChange[];
}

/** The import history item of a drop. */
export interface ImportHistory {
  readonly hash: string;
  readonly name: string;
  readonly source: string;
  readonly at: string;
  readonly status: 'imported' | 'refused';
  readonly files: readonly MasterFileName[];
  readonly problem_count: number;
  readonly problems: readonly string[];
  readonly counts?: { vendors: number; purchase_orders: number; goods_receipts: number };
  readonly changes?: { created: number; changed: number };
  /** Whether open bills were re-matched after the import. */
  readonly rematch?: 'none' | 'done' | `failed: ${string}`;
  /** Who imported it (`bm import`: the operator); absent for the drop lane, whose `source` says where it came from. */
  readonly by?: string;
}

/** One row of a master record's audit trail. */
export interface MasterAuditRow {
  readonly at: string;
  readonly kind: RecordChange['kind'];
  readonly id: string;
  readonly action: 'created' | 'changed';
  readonly source: string;
  readonly drop: string;
  readonly changes: readonly FieldChange[];
  /** Who imported it (`bm import`: the operator); absent for the drop lane (see `source`). */
  readonly by?: string;
}

/** Re-matching of open bills after master data changed (built elsewhere; absent: nothing happens). */
export type RematchHook = (changed: { readonly vendors: readonly string[]; readonly purchaseOrders: readonly string[]; readonly policy: boolean; readonly source: string }) => Promise<void>;

export interface MasterDropDeps {
  readonly store: BillStore;
  /** Holds the current master set under `master/current/`. */
  readonly documents: DocumentStore;
  readonly state: LaneState;
  readonly now: () => number;
  /** Where refusals are reported. */
  readonly ops?: { readonly mailer: Mailer; readonly to: string } | undefined;
  readonly rematch?: RematchHook | undefined;
}

export type DropOutcome =
  | { readonly status: 'duplicate'; readonly hash: string; readonly previous: ImportHistory['status'] }
  | { readonly status: 'refused'; readonly hash: string; readonly problems: readonly string[] }
  | { readonly status: 'imported'; readonly hash: string; readonly changes: readonly RecordChange[]; readonly master: MasterData };

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Which master file a name is: the exact name, or a name ending in `-`/`_`/`.` + the name. */
export function masterFileOf(name: string): MasterFileName | null {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  for (const f of MASTER_FILES) if (base === f || base.endsWith(`-${f}`) || base.endsWith(`_${f}`) || base.endsWith(`.${f}`)) return f;
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(file: string, bytes: Uint8Array, problems: MasterProblem[]): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    problems.push({ file, line: null, reason: 'is not UTF-8 text' });
    return undefined;
  }
}

/** A drop from named files (a folder, or the files of a sheet): one hash over all of them. */
export function dropFromFiles(name: string, source: string, entries: readonly { name: string; bytes: Uint8Array }[]): MasterDrop {
  const problems: MasterProblem[] = [];
  const files: Partial<Record<MasterFileName, string>> = {};
  const h = createHash('sha256');
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    h.update(`${e.name}\u0000${e.bytes.length}\u0000`).update(e.bytes);
    const f = masterFileOf(e.name);
    if (!f) {
      problems.push({ file: e.name, line: null, reason: `is not a master-data file (expected ${MASTER_FILES.join(', ')})` });
      continue;
    }
    if (files[f] !== undefined) {
      problems.push({ file: e.name, line: null, reason: `a second ${f} in one drop` });
      continue;
    }
    const text = decode(e.name, e.bytes, problems);
    if (text !== undefined) files[f] = text;
  }
  if (entries.length === 0) problems.push({ file: name, line: null, reason: 'holds no master-data file' });
  return { name, hash: h.digest('hex'), source, files, problems };
}

/** A drop from one landed object: a master file, or a zip of master files. */
export function dropFromObject(name: string, source: string, bytes: Uint8Array): MasterDrop {
  const hash = sha256Hex(bytes);
  if (name.toLowerCase().endsWith('.zip')) {
    const r = safeUnzip(bytes);
    if ('refused' in r) return { name, hash, source, files: {}, problems: [{ file: name, line: null, reason: `refused: ${r.refused}` }] };
    const entries = r.files.filter((f) => !f.name.endsWith('/') && !/(^|\/)(__MACOSX\/|\.)/.test(f.name));
    return { ...dropFromFiles(name, source, entries), hash };
  }
  return { ...dropFromFiles(name, source, [{ name, bytes }]), hash };
}

/** Another import holds the lane (a drop and a sheet revision at once): try again shortly. */
export class LaneBusyError extends Error {
  override readonly name = 'LaneBusyError';
}

/** How long one import may hold the lane before another may take it over (above any function timeout). */
export const LANE_LEASE_MS = 10 * 60 * 1000;
const LOCK = { pk: 'LANE#LOCK#MASTER', sk: 'LOCK' };

/**
 * Handles one drop (see the module comment), one at a time: every drop is merged with the current
 * set and imported whole, so two at once could write each other's stale records back. A lease in
 * the table serializes them; a drop that finds the lane held throws `LaneBusyError` (S3's
 * asynchronous invocation retries it; the sheet is synced again on the next run).
 */
export async function importMasterDrop(drop: MasterDrop, deps: MasterDropDeps): Promise<DropOutcome> {
  const holder = `${drop.hash}:${deps.now()}`;
  const lock = await deps.state.get<{ holder: string; until: number }>(LOCK.pk, LOCK.sk);
  if (lock && lock.value.until > deps.now()) throw new LaneBusyError(`another master-data import is running (${lock.value.holder.slice(0, 16)}…); ${drop.name} waits`);
  try {
    await deps.state.put(LOCK.pk, LOCK.sk, { holder, until: deps.now() + LANE_LEASE_MS }, lock?.version ?? 0);
  } catch (err) {
    if ((err as Error).name === 'LaneConflictError') throw new LaneBusyError(`another master-data import started at the same moment; ${drop.name} waits`);
    throw err;
  }
  const lockVersion = (lock?.version ?? 0) + 1;
  try {
    return await importHeld(drop, deps);
  } finally {
    await deps.state.put(LOCK.pk, LOCK.sk, { holder, until: 0 }, lockVersion).catch(() => undefined);
  }
}

async function importHeld(drop: MasterDrop, deps: MasterDropDeps): Promise<DropOutcome> {
  const key = LANE_KEYS.drop(drop.hash);
  const seen = await deps.state.get<ImportHistory>(key.pk, key.sk);
  if (seen) return { status: 'duplicate', hash: drop.hash, previous: seen.value.status };
  const at = new Date(deps.now()).toISOString();
  const landed = MASTER_FILES.filter((f) => drop.files[f] !== undefined);

  // The set as it will be: the drop's files over the current ones.
  const merged: Record<string, string> = {};
  for (const f of MASTER_FILES) {
    const text = drop.files[f] ?? (await current(deps.documents, f));
    if (text !== undefined) merged[f] = text;
  }
  let master: MasterData | null = null;
  const problems: MasterProblem[] = [...drop.problems];
  try {
    master = parseMasterData(merged as MasterFiles);
  } catch (err) {
    if (!(err instanceof MasterDataError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !master) {
    const lines = problems.map((p) => plainLine(drop.locate ? drop.locate(p) : formatProblem(p)));
    const history: ImportHistory = {
      hash: drop.hash,
      name: drop.name,
      source: drop.source,
      at,
      status: 'refused',
      files: landed,
      problem_count: lines.length,
      problems: lines.slice(0, MAX_LISTED_PROBLEMS),
    };
    await reportRefusal(history, deps);
    await finish(history, deps);
    return { status: 'refused', hash: drop.hash, problems: lines };
  }

  const changes = await changesAgainst(deps.store, master);
  // On the lane's clock, as `bm import` does on the run's: what an empty ytd_as_of covers.
  await deps.store.importMaster({ ...master, imported_at: at });
  for (const f of MASTER_FILES) if (drop.files[f] !== undefined) await deps.documents.put(`${CURRENT_PREFIX}${f}`, new TextEncoder().encode(drop.files[f]));
  // Deterministic keys: a rerun after a crash rewrites the same rows.
  let i = 0;
  for (const c of changes) {
    const row: MasterAuditRow = { at, kind: c.kind, id: c.id, action: c.created ? 'created' : 'changed', source: drop.source, drop: drop.hash, changes: c.fields };
    await deps.state.record(LANE_KEYS.masterAudit(c.kind, c.id), `AUDIT#${at}#${drop.hash.slice(0, 16)}#${String(i++).padStart(5, '0')}`, row);
  }
  const history: ImportHistory = {
    hash: drop.hash,
    name: drop.name,
    source: drop.source,
    at,
    status: 'imported',
    files: landed,
    problem_count: 0,
    problems: [],
    counts: { vendors: master.vendors.length, purchase_orders: master.purchaseOrders.length, goods_receipts: master.goodsReceipts.length },
    changes: { created: changes.filter((c) => c.created).length, changed: changes.filter((c) => !c.created).length },
  };
  // Re-match before the drop is recorded as handled; a failure is recorded, reported and thrown
  // (the import stands: the records are what the drop says).
  let rematch: ImportHistory['rematch'] = 'none';
  let rematchError: Error | null = null;
  if (deps.rematch && changes.length > 0) {
    try {
      await deps.rematch({
        vendors: changes.filter((c) => c.kind === 'vendor').map((c) => c.id),
        purchaseOrders: changes.filter((c) => c.kind === 'purchase_order').map((c) => c.id),
        policy: changes.some((c) => c.kind === 'policy'),
        source: drop.source,
      });
      rematch = 'done';
    } catch (err) {
      rematchError = err as Error;
      rematch = `failed: ${plainLine(rematchError.message)}`;
    }
  }
  await finish({ ...history, rematch }, deps);
  if (rematchError) {
    await deps.ops?.mailer.send({
      to: [deps.ops.to],
      subject: `Master data imported, re-match of open bills failed: ${oneLine(drop.name, 80)}`,
      text: `The master-data drop ${oneLine(drop.name)} (${oneLine(drop.source)}) was imported at ${at}, but re-matching the open bills failed: ${oneLine(rematchError.message)}.\nRun the re-match by hand.\n`,
      tag: 'master-rematch-failed',
    });
    throw rematchError;
  }
  return { status: 'imported', hash: drop.hash, changes, master };
}

/** The history item, then the drop's own item (last: a crash before it means the drop runs again). */
async function finish(history: ImportHistory, deps: MasterDropDeps): Promise<void> {
  await deps.state.record(LANE_KEYS.imports, `${history.at}#${history.hash.slice(0, 16)}`, history);
  const key = LANE_KEYS.drop(history.hash);
  await deps.state.record(key.pk, key.sk, history);
}

async function current(documents: DocumentStore, f: MasterFileName): Promise<string | undefined> {
  const bytes = await documents.get(`${CURRENT_PREFIX}${f}`);
  return bytes ? new TextDecoder().decode(bytes) : undefined;
}


async function reportRefusal(h: ImportHistory, deps: MasterDropDeps): Promise<void> {
  if (!deps.ops) return;
  const more = h.problem_count > h.problems.length ? `\n… and ${h.problem_count - h.problems.length} more (all counted in the import history)` : '';
  await deps.ops.mailer.send({
    to: [deps.ops.to],
    subject: `Master data refused: ${h.problem_count} problem${h.problem_count === 1 ? '' : 's'} in ${oneLine(h.name, 80)}`,
    text:
      `The master-data drop ${oneLine(h.name)} (${oneLine(h.source)}, SHA-256 ${h.hash}) was refused at ${h.at}.\n` +
      `Nothing was imported: an import is all or nothing. Correct these rows and drop the files again.\n\n` +
      h.problems.map((p) => `- ${oneLine(p)}`).join('\n') +
      more +
      '\n',
    tag: 'master-import-refused',
  });
}

// --- what changed --------------------------------------------------------------------------

/** Flattens a JSON value to `path → text`; arrays of lines are keyed by `line_no`. */
function flatten(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    if (value.every((v) => v && typeof v === 'object' && 'line_no' in v)) {
      for (const v of value as { line_no: string }[]) flatten(v, `${path}[${v.line_no}]`, out);
    } else if (value.length > 0) out.set(path, value.map(String).join('|'));
    return out;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (k !== 'line_no') flatten(v, path ? `${path}.${k}` : k, out);
    return out;
  }
  out.set(path, String(value));
  return out;
}

function diff(kind: RecordChange['kind'], id: string, before: unknown, after: unknown): RecordChange | null {
  const a = flatten(before === null ? null : JSON.parse(JSON.stringify(before)), '', new Map());
  const b = flatten(JSON.parse(JSON.stringify(after)), '', new Map());
  const fields: FieldChange[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const o = a.get(k) ?? null;
    const n = b.get(k) ?? null;
    if (o !== n) fields.push({ field: k, old: o, new: n });
  }
  if (before !== null && fields.length === 0) return null;
  return { kind, id, created: before === null, fields };
}

/** Bounded parallel map, in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * What the store adds to a record on import, not data of the drop: when the vendor was imported
 * (what an empty `ytd_as_of` covers). Every import sets it anew, so it is no change of the record.
 */
const IMPORT_BOOKKEEPING: readonly string[] = ['imported_at'];

function withoutBookkeeping(record: object | null): object | null {
  if (record === null) return null;
  return Object.fromEntries(Object.entries(record).filter(([k]) => !IMPORT_BOOKKEEPING.includes(k)));
}

/** Every record of `master` that differs from the stored one (or is new). */
export async function changesAgainst(store: BillStore, master: MasterData): Promise<RecordChange[]> {
  const vendors = await mapLimit(master.vendors, 8, async (v) => diff('vendor', v.vendor_id, withoutBookkeeping(await store.vendor(v.vendor_id)), withoutBookkeeping(v)));
  const pos = await mapLimit(master.purchaseOrders, 8, async (po) => diff('purchase_order', po.po_number, await store.purchaseOrder(normalizePoRef(po.po_number)), po));
  let policyBefore: unknown = null;
  try {
    policyBefore = await store.policy();
  } catch {
    policyBefore = null; // none imported yet
  }
  const policy = diff('policy', 'policy', policyBefore, master.policy);
  return [...vendors, ...pos, policy].filter((c): c is RecordChange => c !== null);
}

// --- `bm import`: the same audit as a drop ---------------------------------------------------

/**
 * An import by a person (`bm import DIR`): the whole set, imported as the drop lane imports it,
 * with the same audit — every changed field of a vendor, purchase order or the policy `old → new`
 * (an IBAN, a cap, the blocklist flag, an approver, a policy value), and an import history row —
 * naming who imported it.
 */
export async function importWithAudit(
  master: MasterData,
  deps: {
    readonly store: BillStore;
    readonly state: LaneState;
    readonly now: () => number;
    /** How the set is written (`bm import` shows its progress); the store's own import by default. */
    readonly importMaster?: (master: MasterData) => Promise<void>;
  },
  who: { readonly by: string; readonly source: string },
): Promise<RecordChange[]> {
  const at = new Date(deps.now()).toISOString();
  const id = sha256Hex(`${who.by}\u0000${who.source}\u0000${at}`);
  const changes = await changesAgainst(deps.store, master);
  await (deps.importMaster ? deps.importMaster(master) : deps.store.importMaster(master));
  let i = 0;
  for (const c of changes) {
    const row: MasterAuditRow = { at, kind: c.kind, id: c.id, action: c.created ? 'created' : 'changed', source: who.source, drop: id, changes: c.fields, by: who.by };
    await deps.state.record(LANE_KEYS.masterAudit(c.kind, c.id), `AUDIT#${at}#${id.slice(0, 16)}#${String(i++).padStart(5, '0')}`, row);
  }
  const history: ImportHistory = {
    hash: id,
    name: who.source,
    source: who.source,
    at,
    status: 'imported',
    files: [...MASTER_FILES],
    problem_count: 0,
    problems: [],
    counts: { vendors: master.vendors.length, purchase_orders: master.purchaseOrders.length, goods_receipts: master.goodsReceipts.length },
    changes: { created: changes.filter((c) => c.created).length, changed: changes.filter((c) => !c.created).length },
    by: who.by,
  };
  await deps.state.record(LANE_KEYS.imports, `${at}#${id.slice(0, 16)}`, history);
  return changes;
}
