/**
 * The parts of the documents the local workflow is processing, kept in memory while their
 * execution runs. In AWS the parts are S3 objects because a state's payload is limited
 * (payloads by reference, `core/parts.ts`); the same definition runs here, and its parts need
 * not reach the disk: they are read back by the same execution, in the same process, and a
 * crash runs the whole execution again from the journal, which reads the document again. On
 * the disk each document's parts cost two new folders and a file (about 1 ms of system time a
 * bill on ext4), and were never removed.
 *
 * Everything else goes to the document store as before, and so do parts beyond `limitBytes`
 * held at once (a very large document, or very many at a time): those stay on the disk, as
 * they always did.
 */
import type { DocumentStore } from '../../core/ports/documents.ts';

const PARTS = 'parts/';

/** The parts held at once, at most: past it, parts are written to the document store. */
export const PARTS_IN_MEMORY_BYTES = 64 * 1024 * 1024;

export class PartsInMemory implements DocumentStore {
  /** By submission (`parts/<hash>/`), then by key. */
  private readonly held = new Map<string, Map<string, Uint8Array>>();
  private heldBytes = 0;

  constructor(
    private readonly store: DocumentStore,
    private readonly limitBytes: number = PARTS_IN_MEMORY_BYTES,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const root = rootOf(key);
    if (root === null) return this.store.put(key, bytes);
    const parts = this.held.get(root) ?? new Map<string, Uint8Array>();
    const before = parts.get(key)?.byteLength ?? 0;
    if (this.heldBytes - before + bytes.byteLength > this.limitBytes) return this.store.put(key, bytes);
    parts.set(key, bytes);
    this.held.set(root, parts);
    this.heldBytes += bytes.byteLength - before;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const root = rootOf(key);
    return (root !== null ? this.held.get(root)?.get(key) : undefined) ?? this.store.get(key);
  }

  /** The execution of the submission whose parts are under `root` has ended: its parts go. */
  release(root: string): void {
    const parts = this.held.get(root);
    if (!parts) return;
    for (const bytes of parts.values()) this.heldBytes -= bytes.byteLength;
    this.held.delete(root);
  }

  /** Bytes held now (for tests). */
  get bytesHeld(): number {
    return this.heldBytes;
  }
}

/** `parts/<hash>/` of a part's key, or null for any other key. */
function rootOf(key: string): string | null {
  if (!key.startsWith(PARTS)) return null;
  const end = key.indexOf('/', PARTS.length);
  return end < 0 ? null : key.slice(0, end + 1);
}
