/** The `bm` commands. Each returns its exit code; output goes through the given writers. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MasterDataError } from '../core/master.ts';
import { outcomeRow, type OutcomeRow } from '../core/output.ts';
import { processDocument } from '../core/process-document.ts';
import { startLocalDatabase } from '../adapters/local/local-stack.ts';
import { loadMasterFolder } from '../adapters/local/master-folder.ts';
import { readDocument } from '../readers/index.ts';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `bm — bill matcher

  bm run --master DIR [--now ISO-8601] [--json] FILE...   decide bills on a fresh local stack
  bm read [--json] FILE...                                read bills only, touching no store
  bm help                                                 this text

FILE: .bill.json, .xml (UBL, CII, XRechnung), .pdf (Factur-X), .edi/.x12 (X12 810), .csv, .eml
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'read':
        return await readCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`bm: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof MasterDataError) {
      io.stderr(`bm: master data refused, nothing imported:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

import type { ParseArgsConfig } from 'node:util';
function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses `--now`; the clock the decisions use (quiet hours, windows). */
export function parseNow(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    throw new UsageError(`--now "${text}" is not an ISO 8601 date-time (e.g. 2026-03-06T21:00:00+01:00)`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--now "${text}" is not a real date-time`);
  return ms;
}

async function readInputs(files: string[], io: Io): Promise<{ path: string; bytes: Uint8Array | null }[]> {
  const out: { path: string; bytes: Uint8Array | null }[] = [];
  for (const path of files) {
    try {
      out.push({ path, bytes: new Uint8Array(await readFile(path)) });
    } catch (err) {
      io.stderr(`bm: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      out.push({ path, bytes: null });
    }
  }
  return out;
}

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    master: { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.master) throw new UsageError('run needs --master DIR');
  if (positionals.length === 0) throw new UsageError('run needs at least one FILE');
  const fixedNow = parseNow(values.now as string | undefined);
  const master = await loadMasterFolder(values.master as string);
  const inputs = await readInputs(positionals, io);

  const db = await startLocalDatabase();
  let unreadableFiles = 0;
  const rows: OutcomeRow[] = [];
  try {
    await db.store.importMaster(master);
    const deps = { store: db.store, now: () => fixedNow ?? Date.now() };
    let done = 0;
    for (const input of inputs) {
      if (!input.bytes) {
        unreadableFiles++;
        continue;
      }
      const records = await processDocument({ bytes: input.bytes, input: input.path, submitter: null }, deps);
      for (const r of records) {
        const row = outcomeRow(r);
        rows.push(row);
        if (values.json) io.stdout(JSON.stringify(row) + '\n');
      }
      done++;
      if (inputs.length > 5 && !values.json && done % 10 === 0) io.stderr(`… ${done}/${inputs.length} files\n`);
    }
  } finally {
    await db.stop();
  }
  if (!values.json) io.stdout(formatTable(rows));
  return unreadableFiles > 0 ? 1 : 0;
}

async function readCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false } });
  if (positionals.length === 0) throw new UsageError('read needs at least one FILE');
  let failed = 0;
  for (const input of await readInputs(positionals, io)) {
    if (!input.bytes) {
      failed++;
      continue;
    }
    for (const r of await readDocument({ bytes: input.bytes, filename: input.path })) {
      const row = { input: input.path, part: r.part, format: r.format, bill: r.bill, exceptions: r.exceptions };
      io.stdout(values.json ? JSON.stringify(row) + '\n' : JSON.stringify(row, null, 2) + '\n');
    }
  }
  return failed > 0 ? 1 : 0;
}

/** A plain table of outcomes for people. */
export function formatTable(rows: readonly OutcomeRow[]): string {
  const head = ['input', 'part', 'vendor', 'invoice', 'PO', 'total', 'state', 'exceptions'];
  const body = rows.map((r) => [
    r.input,
    String(r.part),
    r.vendor_id ?? '—',
    r.invoice_number ?? '—',
    r.po_number ? `${r.po_number}${r.po_inferred ? '*' : ''}` : '—',
    r.total ? `${r.total} ${r.currency ?? ''}`.trim() : '—',
    r.state,
    r.exceptions.map((e) => e.code).join(', ') || '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + body.map(line).join('') + (rows.some((r) => r.po_inferred) ? '* PO inferred\n' : '');
}
