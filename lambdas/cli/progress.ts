/**
 * Progress of long work on stderr (stdout keeps the results: `--json` stays clean).
 *
 * - On a terminal: a live bar drawn by `cli-progress` (it redraws one line in place, throttles
 *   redraws, fits the terminal's width, computes the ETA and restores the cursor; none of which
 *   is worth writing again).
 * - Elsewhere (CI logs, a pipe, tests): a few plain lines, at a quarter, half, three quarters and
 *   the end, so that a log shows the work moving without thousands of lines.
 */
import cliProgress from 'cli-progress';
import { loadMasterFolder } from '../adapters/local/master-folder.ts';
import type { MasterData } from '../core/master.ts';
import type { BillStore } from '../core/ports/store.ts';

export interface ProgressIo {
  stderr(text: string): void;
  /** The terminal to draw a live bar on; absent (a pipe, a file, CI, tests): plain lines on `stderr`. */
  readonly progressTerminal?: NodeJS.WriteStream;
}

export interface Progress {
  /** `done` of the total so far; `note` is shown beside it (the bar) or in the next plain line. */
  update(done: number, note?: string): void;
  /** Ends the bar or the lines with one last line (`42,000 rows written in 51 s`). */
  done(summary: string): void;
}

const n = (x: number) => x.toLocaleString('en');

/**
 * A progress report for `total` `unit`s that get `verb` (`records`, `written`), labelled `label`
 * (`bm import`). Plain lines are `bm import: 10,500 of 42,000 records written (25%), 12.1 s`.
 */
export function startProgress(io: ProgressIo, label: string, total: number, unit: string, verb: string): Progress {
  const what = `${unit} ${verb}`;
  const started = Date.now();
  const elapsed = () => {
    const s = (Date.now() - started) / 1000;
    return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  };
  if (io.progressTerminal) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.progressTerminal,
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${what} | {note} ETA {eta_formatted}`,
        formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? n(v) : String(v)),
        // Before the first step there is no rate: no time left to say yet.
        formatTime: (t, o, r) => (Number.isFinite(t) ? cliProgress.Format.TimeFormat(t, o, r) : '…'),
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { note: '' });
    return {
      update: (done, note) => bar.update(Math.min(done, total), { note: note ? `${note} |` : '' }),
      done(summary) {
        bar.stop();
        io.stderr(`${label}: ${summary} in ${elapsed()}\n`);
      },
    };
  }
  let next = 1;
  const marks = [0, 0.25, 0.5, 0.75].map((f) => Math.ceil(total * f));
  io.stderr(`${label}: ${n(total)} ${unit} to go\n`);
  return {
    update(done, note) {
      if (total < 8) return;
      let passed = false;
      while (next < marks.length && done >= marks[next]!) {
        next++;
        passed = true;
      }
      if (passed && done < total) io.stderr(`${label}: ${n(done)} of ${n(total)} ${what} (${Math.floor((done / total) * 100)}%)${note ? `, ${note}` : ''}, ${elapsed()}\n`);
    },
    done(summary) {
      io.stderr(`${label}: ${summary} in ${elapsed()}\n`);
    },
  };
}

/** Below this many records, an import is quick: no progress is shown. */
export const PROGRESS_FROM = 500;

/** Rows of a master-data folder, as its files count them. */
export function masterRows(master: MasterData): number {
  return master.vendors.length + master.purchaseOrders.reduce((k, po) => k + po.lines.length, 0) + master.goodsReceipts.length + 1;
}

/**
 * Reads and checks a master-data folder (all or nothing), saying how long it took when it is
 * large: `bm import: 38,001 rows read and checked in 0.6 s`.
 */
export async function loadMasterWithProgress(dir: string, io: ProgressIo, label: string): Promise<MasterData> {
  const started = Date.now();
  const master = await loadMasterFolder(dir);
  const rows = masterRows(master);
  if (rows >= PROGRESS_FROM) io.stderr(`${label}: ${n(rows)} rows read and checked in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return master;
}

/** `store.importMaster` with the records written shown as they go (large imports only). */
export async function importWithProgress(store: Pick<BillStore, 'importMaster'>, master: MasterData, io: ProgressIo, label: string): Promise<void> {
  let bar: Progress | null = null;
  let all = 0;
  await store.importMaster(master, {
    onProgress(written, total) {
      all = total;
      if (total < PROGRESS_FROM) return;
      bar ??= startProgress(io, label, total, 'records', 'written');
      bar.update(written);
    },
  });
  (bar as Progress | null)?.done(`${n(all)} records written`);
}
