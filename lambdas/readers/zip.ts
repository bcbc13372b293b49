/**
 * A zip-bomb-safe unzip, and the reader for a zip of bills.
 *
 * 1. Read the central directory only, and refuse before inflating anything: too many entries,
 *    encrypted or nested archives, declared sizes over the limits, a suspicious compression ratio.
 * 2. Inflate each entry in small steps with fflate's streaming inflater and stop as soon as the
 *    output passes the size the entry declared: declared sizes can lie, the output cannot.
 * 3. Check each entry's CRC-32, so a damaged archive is refused rather than half read.
 */
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { exception } from '../core/exceptions.ts';
import {
  basename,
  classifyFile,
  displayName,
  extensionOf,
  megabytes,
  readItems,
  refusedItem,
  type Item,
  type ReadAttachment,
} from './attachments.ts';
import { sha256Hex } from './hash.ts';
import type { ReadInput, ReadResult } from './types.ts';

export const ZIP_FORMAT = 'zip';

export interface ZipLimits {
  /** Entries in the central directory, directories included. */
  readonly maxEntries: number;
  /** Uncompressed size of one entry. */
  readonly maxEntryBytes: number;
  /** Uncompressed size of all entries together. */
  readonly maxTotalBytes: number;
  /** Uncompressed : compressed, checked for entries larger than `ratioCheckAboveBytes`. */
  readonly maxRatio: number;
  /** Small files may compress very well (a padded fixed-width file); the size limits bound them. */
  readonly ratioCheckAboveBytes: number;
}

const MB = 1024 * 1024;

export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 100,
  maxEntryBytes: 20 * MB,
  maxTotalBytes: 50 * MB,
  maxRatio: 100,
  ratioCheckAboveBytes: 1 * MB,
};

export interface ZipFile {
  /** The entry's path inside the archive. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type UnzipResult = { readonly files: ZipFile[] } | { readonly refused: string };

interface Entry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** Feeding the inflater 16 KiB at a time bounds one step's output to about 16 MiB (DEFLATE's ~1032:1). */
const INFLATE_STEP = 16 * 1024;

/** Unzips `bytes` within `limits`; never throws, refuses with a reason naming the limit or entry. */
export function safeUnzip(bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): UnzipResult {
  const dir = readCentralDirectory(bytes, limits);
  if ('refused' in dir) return dir;
  const entries = dir.entries.filter((e) => !isSkipped(e.name));
  const problem = checkEntries(entries, limits);
  if (problem) return { refused: problem };
  const files: ZipFile[] = [];
  for (const entry of entries) {
    const out = extract(bytes, entry);
    if (typeof out === 'string') return { refused: out };
    files.push({ name: entry.name, bytes: out });
  }
  return { files };
}

/** Directories and macOS resource forks (`__MACOSX/`, `._name`) carry no document. */
function isSkipped(name: string): boolean {
  return name.endsWith('/') || name.startsWith('__MACOSX/') || basename(name).startsWith('._');
}

function checkEntries(entries: readonly Entry[], limits: ZipLimits): string | null {
  let total = 0;
  for (const e of entries) {
    const name = displayName(e.name);
    if (e.flags & 0x1) return `entry ${name} is encrypted`;
    if (extensionOf(e.name) === 'zip') return `entry ${name} is a zip inside the zip: nested archives are not read`;
    if (e.method !== 0 && e.method !== 8) return `entry ${name} uses compression method ${e.method}; only stored and deflate are read`;
    if (e.size > limits.maxEntryBytes) {
      return `entry ${name} declares ${megabytes(e.size)} uncompressed, over the ${megabytes(limits.maxEntryBytes)} limit per entry`;
    }
    if (e.size > limits.ratioCheckAboveBytes && e.size > limits.maxRatio * e.compressedSize) {
      const ratio = e.compressedSize === 0 ? 'infinitely' : `${Math.round(e.size / e.compressedSize)}:1`;
      return `entry ${name} compresses ${ratio}, over the ${limits.maxRatio}:1 compression ratio limit`;
    }
    total += e.size;
    if (total > limits.maxTotalBytes) {
      return `entries declare over ${megabytes(limits.maxTotalBytes)} uncompressed in total, over the limit per archive`;
    }
  }
  return null;
}

function readCentralDirectory(bytes: Uint8Array, limits: ZipLimits): { entries: Entry[] } | { refused: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes);
  if (eocd < 0) return { refused: 'not a zip archive (no central directory)' };
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) return { refused: 'ZIP64 archives are not read' };
  if (count > limits.maxEntries) return { refused: `${count} entries, over the limit of ${limits.maxEntries} per archive` };
  if (cdOffset + cdSize > eocd) return { refused: 'corrupt zip: the central directory lies outside the archive' };
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const entry = readDirectoryEntry(bytes, view, p, cdOffset + cdSize);
    if (!entry) return { refused: `corrupt zip: central directory entry ${i + 1} is damaged` };
    entries.push(entry.entry);
    p = entry.next;
  }
  return { entries };
}

function findEndOfCentralDirectory(bytes: Uint8Array): number {
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) return i;
  }
  return -1;
}

function readDirectoryEntry(bytes: Uint8Array, view: DataView, p: number, end: number): { entry: Entry; next: number } | null {
  if (p + 46 > end || view.getUint32(p, true) !== 0x02014b50) return null;
  const flags = view.getUint16(p + 8, true);
  const nameLength = view.getUint16(p + 28, true);
  const next = p + 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  if (next > end) return null;
  const compressedSize = view.getUint32(p + 20, true);
  const size = view.getUint32(p + 24, true);
  if (compressedSize === 0xffffffff || size === 0xffffffff) return null;
  const nameBytes = bytes.subarray(p + 46, p + 46 + nameLength);
  // Bit 11: the name is UTF-8; otherwise it is CP437, read here as Latin-1 (a hint for people only).
  const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
  const entry: Entry = {
    name,
    flags,
    method: view.getUint16(p + 10, true),
    crc: view.getUint32(p + 16, true),
    compressedSize,
    size,
    localOffset: view.getUint32(p + 42, true),
  };
  return { entry, next };
}

/** The entry's bytes, or why they cannot be had. */
function extract(bytes: Uint8Array, entry: Entry): Uint8Array | string {
  const name = displayName(entry.name);
  const start = dataStart(bytes, entry);
  if (start < 0 || start + entry.compressedSize > bytes.length) return `corrupt zip: entry ${name} lies outside the archive`;
  const raw = bytes.subarray(start, start + entry.compressedSize);
  const out = entry.method === 0 ? raw.slice() : boundedInflate(raw, entry.size);
  if (out === 'over') return `entry ${name} inflates beyond the ${entry.size} bytes it declares (a zip bomb?)`;
  if (out === 'corrupt' || out.length !== entry.size) return `corrupt zip: entry ${name} does not inflate to its declared size`;
  if (crc32(out) >>> 0 !== entry.crc) return `corrupt zip: entry ${name} fails its CRC-32 check`;
  return out;
}

function dataStart(bytes: Uint8Array, entry: Entry): number {
  const p = entry.localOffset;
  if (p + 30 > bytes.length) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + p, 30);
  if (view.getUint32(0, true) !== 0x04034b50) return -1;
  return p + 30 + view.getUint16(26, true) + view.getUint16(28, true);
}

class OutputLimit extends Error {
  override readonly name = 'OutputLimit';
}

/** Inflates raw DEFLATE data, stopping as soon as the output passes `limit` bytes. */
function boundedInflate(data: Uint8Array, limit: number): Uint8Array | 'over' | 'corrupt' {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) throw new OutputLimit();
    chunks.push(chunk);
  });
  try {
    for (let at = 0; at < data.length; at += INFLATE_STEP) {
      const end = Math.min(data.length, at + INFLATE_STEP);
      inflater.push(data.subarray(at, end), end === data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (err) {
    return err instanceof OutputLimit ? 'over' : 'corrupt';
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** What a zip holds for the bill pipeline: the bill candidates, refusals, and what was passed over. */
export interface ZipItems {
  readonly items: Item[];
  /** `name (why)` for every entry that is not a bill file. */
  readonly ignored: string[];
}

/**
 * Unpacks a zip into bill candidates for `readItems`. Entries get the origin
 * `<prefix><zipName> > <entry>` (`attachment bills.zip > inv1.xml`); a refusal names the archive.
 */
export function zipItems(bytes: Uint8Array, zipName: string, prefix = '', limits: ZipLimits = ZIP_LIMITS): ZipItems {
  const unzipped = safeUnzip(bytes, limits);
  if ('refused' in unzipped) {
    return { items: [refusedItem(`${prefix}${zipName}`, `${zipName}: ${unzipped.refused}`, bytes, ZIP_FORMAT)], ignored: [] };
  }
  const items: Item[] = [];
  const ignored: string[] = [];
  for (const file of unzipped.files) {
    const filename = basename(file.name);
    const label = `${zipName} > ${displayName(file.name)}`;
    const verdict = classifyFile({ filename, contentType: '', bytes: file.bytes });
    if ('ignored' in verdict) ignored.push(`${label} (${verdict.ignored})`);
    else if (verdict.kind === 'message' || verdict.kind === 'zip') ignored.push(`${label} (an email or archive inside a zip is not read)`);
    else items.push({ kind: 'file', filename, bytes: file.bytes, origin: `${prefix}${label}` });
  }
  return { items, ignored };
}

/**
 * Reads a zip of bills given directly (`bills.zip`): every bill file inside is read by
 * `readAttachment`, numbered as parts of the zip. Same shape as `readEmail`.
 */
export async function readZip(input: ReadInput, readAttachment: ReadAttachment, limits: ZipLimits = ZIP_LIMITS): Promise<ReadResult[]> {
  const { items, ignored } = zipItems(input.bytes, displayName(input.filename), '', limits);
  if (items.length > 0) return readItems(items, readAttachment);
  const entries = ignored.length > 0 ? ignored.join(', ') : 'none';
  const message = `${displayName(input.filename)}: zip has no bill file (entries: ${entries})`;
  return [
    { part: 0, format: ZIP_FORMAT, bill: null, documentHash: sha256Hex(input.bytes), exceptions: [exception('UNREADABLE', message)] },
  ];
}
