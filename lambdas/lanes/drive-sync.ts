/**
 * Drive sync: the orders-and-receipts Google Sheet into the master-data drop lane, only when the
 * file's revision changed since the last sync.
 *
 * 1. Ask Drive for the file's `version` (it increases with every change of a Google Sheet; Sheets
 *    have no `headRevisionId`). The same version as last time: nothing is read or imported.
 * 2. Read the four tabs (lambdas/lanes/sheet.ts), turn them into the master-data CSVs and hand
 *    them to the drop lane (`importMasterDrop`) as one drop, with the policy and anything else
 *    taken from the current set. The lane validates the whole set, imports all or nothing, audits
 *    every change, reports bad rows by tab and row and calls the re-match hook.
 * 3. Remember the version with the outcome. A refused revision is not tried again (the refusal was
 *    reported once); the next edit of the sheet makes a new version.
 * An error of the Google APIs throws before anything is imported or remembered: the function
 * fails (and alarms), and the next run tries again.
 */
import { dropFromFiles, importMasterDrop, type DropOutcome, type MasterDropDeps } from './master-drop.ts';
import { exportSheet, SHEET_TABS, type SheetValues } from './sheet.ts';
import { LANE_KEYS } from './state.ts';

/** What the sync reads from Google (lambdas/lanes/google.ts; a fake of the APIs in tests). */
export interface SheetSource {
  /** The file's metadata: its `version` changes with every edit. */
  file(fileId: string): Promise<{ readonly name: string; readonly version: string; readonly modifiedTime: string | null }>;
  /** The cells of the named tabs (absent tabs are left out), as displayed. */
  tabs(fileId: string, names: readonly string[]): Promise<SheetValues>;
}

export interface DriveState {
  readonly version: string;
  readonly modified_time: string | null;
  readonly at: string;
  readonly outcome: DropOutcome['status'];
  readonly hash: string;
}

export type SyncOutcome =
  | { readonly status: 'unchanged'; readonly version: string }
  | { readonly status: DropOutcome['status']; readonly version: string; readonly drop: DropOutcome };

export async function syncSheet(fileId: string, source: SheetSource, deps: MasterDropDeps): Promise<SyncOutcome> {
  const key = LANE_KEYS.drive(fileId);
  const last = await deps.state.get<DriveState>(key.pk, key.sk);
  const file = await source.file(fileId);
  if (last && last.value.version === file.version) return { status: 'unchanged', version: file.version };

  const values = await source.tabs(fileId, Object.values(SHEET_TABS));
  const exported = exportSheet(values);
  const entries = Object.entries(exported.files).map(([name, text]) => ({ name, bytes: new TextEncoder().encode(text) }));
  const base = dropFromFiles(`Google Sheet "${file.name}" version ${file.version}`, `drive:${fileId}@${file.version}`, entries);
  const drop = { ...base, problems: [...base.problems, ...exported.problems], locate: exported.locate };
  const outcome = await importMasterDrop(drop, deps);
  const state: DriveState = { version: file.version, modified_time: file.modifiedTime, at: new Date(deps.now()).toISOString(), outcome: outcome.status, hash: outcome.hash };
  await deps.state.put(key.pk, key.sk, state, last?.version ?? 0);
  return { status: outcome.status, version: file.version, drop: outcome };
}
