/**
 * The Google side of Drive sync, with Google's maintained clients: `@googleapis/drive` and
 * `@googleapis/sheets` (the per-API packages of `googleapis`, a fraction of its size) and
 * `google-auth-library`.
 *
 * The service account signs its own JWT for each request (`useJWTAccessWithScope`): Google's APIs
 * accept a self-signed JWT carrying the scopes as the bearer token, so no OAuth token exchange is
 * needed. Read-only scopes: `drive.metadata.readonly` (the file's version) and
 * `spreadsheets.readonly` (the cells). `rootUrl` points both clients elsewhere (the local fake of
 * the APIs in tests and `bm sync`).
 */
import { drive_v3 } from '@googleapis/drive';
import { sheets_v4 } from '@googleapis/sheets';
import { JWT } from 'google-auth-library';
import * as z from 'zod';
import type { SheetSource } from './drive-sync.ts';
import type { SheetValues } from './sheet.ts';

export const GOOGLE_SCOPES = ['https://www.googleapis.com/auth/drive.metadata.readonly', 'https://www.googleapis.com/auth/spreadsheets.readonly'] as const;

/** The parts of a service-account key file (JSON, as Google Cloud's console downloads it) we use. */
export const serviceAccountKeySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().email(),
  private_key: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  private_key_id: z.string().optional(),
});
export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

export function parseServiceAccountKey(text: string, where: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where}: the service-account key is not JSON`);
  }
  const r = serviceAccountKeySchema.safeParse(json);
  if (!r.success) throw new Error(`${where}: not a service-account key: ${r.error.issues.map((i) => `${i.path.join('.') || '(key)'} ${i.message}`).join('; ')}`);
  return r.data;
}

export interface GoogleSheetOptions {
  readonly key: ServiceAccountKey;
  /** @default Google's endpoints */
  readonly rootUrl?: string;
  /** Per-request timeout (ms). @default 30000 */
  readonly timeoutMs?: number;
}

export class GoogleSheetSource implements SheetSource {
  private readonly drive: drive_v3.Drive;
  private readonly sheets: sheets_v4.Sheets;

  constructor(options: GoogleSheetOptions) {
    const auth = new JWT({
      email: options.key.client_email,
      key: options.key.private_key,
      ...(options.key.private_key_id ? { keyId: options.key.private_key_id } : {}),
      scopes: [...GOOGLE_SCOPES],
    });
    auth.useJWTAccessWithScope = true;
    const common = { auth, timeout: options.timeoutMs ?? 30_000, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) };
    this.drive = new drive_v3.Drive(common);
    this.sheets = new sheets_v4.Sheets(common);
  }

  async file(fileId: string) {
    const r = await this.drive.files.get({ fileId, fields: 'id,name,mimeType,version,modifiedTime', supportsAllDrives: true });
    if (r.data.mimeType !== 'application/vnd.google-apps.spreadsheet') throw new Error(`Drive file ${fileId} is ${r.data.mimeType ?? 'of no known type'}, not a Google Sheet`);
    if (!r.data.version) throw new Error(`Drive file ${fileId} has no version`);
    return { name: r.data.name ?? fileId, version: r.data.version, modifiedTime: r.data.modifiedTime ?? null };
  }

  async tabs(fileId: string, names: readonly string[]): Promise<SheetValues> {
    const meta = await this.sheets.spreadsheets.get({ spreadsheetId: fileId, fields: 'sheets.properties.title' });
    const titles = new Set((meta.data.sheets ?? []).map((s) => s.properties?.title ?? ''));
    const present = names.filter((n) => titles.has(n));
    if (present.length === 0) return {};
    const r = await this.sheets.spreadsheets.values.batchGet({
      spreadsheetId: fileId,
      ranges: present.map((n) => `'${n.replaceAll("'", "''")}'`),
      majorDimension: 'ROWS',
      valueRenderOption: 'FORMATTED_VALUE',
    });
    const out: Record<string, string[][]> = {};
    (r.data.valueRanges ?? []).forEach((vr, i) => {
      out[present[i]!] = (vr.values ?? []).map((row) => row.map((c) => (c === null || c === undefined ? '' : String(c))));
    });
    return out;
  }
}
