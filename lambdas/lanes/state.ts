/**
 * What the lanes remember between runs, in the bills table under `LANE#…` keys (lambdas/adapters/aws/table.ts):
 *
 * | item                                     | key                                                  |
 * |------------------------------------------|------------------------------------------------------|
 * | a master drop, by the hash of its bytes  | pk `LANE#DROP#<sha256>`, sk `DROP`                   |
 * | import history (newest last)             | pk `LANE#IMPORTS`, sk `<at>#<sha256 prefix>`          |
 * | a master record's changes (old → new)    | pk `LANE#MASTER#<kind>#<id>`, sk `AUDIT#<at>#<hash>#<i>` |
 * | Drive sync: the last revision seen       | pk `LANE#DRIVE#<file id>`, sk `STATE`                |
 * | a portal's cursor                        | pk `LANE#PORTAL#<portal id>`, sk `CURSOR`            |
 * | a portal listing entry already landed    | pk `LANE#PORTAL#<portal id>`, sk `SEEN#<item id>`     |
 * | a downloaded bill, by its hash           | pk `LANE#PORTALDOC#<sha256>`, sk `DOC`               |
 *
 * Items carry a `version` for conditional writes (a lost race is a `LaneConflictError`).
 */

export interface Stored<T> {
  readonly value: T;
  readonly version: number;
}

export class LaneConflictError extends Error {
  override readonly name = 'LaneConflictError';
}

export interface LaneState {
  get<T>(pk: string, sk: string): Promise<Stored<T> | null>;
  /** Writes only if the stored version is `expectedVersion` (0: no item yet); else `LaneConflictError`. */
  put<T>(pk: string, sk: string, value: T, expectedVersion: number): Promise<void>;
  /** Writes unconditionally, as version 1 (history and audit rows with deterministic keys: a rerun rewrites the same row). */
  record<T>(pk: string, sk: string, value: T): Promise<void>;
  /** Items of one partition whose sort key starts with `skPrefix`, in sort-key order. */
  list<T>(pk: string, skPrefix?: string): Promise<{ sk: string; value: T }[]>;
}

export const LANE_KEYS = {
  drop: (hash: string) => ({ pk: `LANE#DROP#${hash}`, sk: 'DROP' }),
  imports: 'LANE#IMPORTS',
  masterAudit: (kind: string, id: string) => `LANE#MASTER#${kind}#${id}`,
  drive: (fileId: string) => ({ pk: `LANE#DRIVE#${fileId}`, sk: 'STATE' }),
  portal: (portalId: string) => `LANE#PORTAL#${portalId}`,
  portalDoc: (hash: string) => ({ pk: `LANE#PORTALDOC#${hash}`, sk: 'DOC' }),
} as const;

/** The lanes' state in memory: for unit tests of pure parts only (the suites use DynamoDB Local). */
export class MemoryLaneState implements LaneState {
  private readonly items = new Map<string, { value: unknown; version: number }>();
  async get<T>(pk: string, sk: string): Promise<Stored<T> | null> {
    const i = this.items.get(`${pk}\u0000${sk}`);
    return i ? { value: structuredClone(i.value) as T, version: i.version } : null;
  }
  async put<T>(pk: string, sk: string, value: T, expectedVersion: number): Promise<void> {
    const k = `${pk}\u0000${sk}`;
    if ((this.items.get(k)?.version ?? 0) !== expectedVersion) throw new LaneConflictError(`${pk} ${sk} changed meanwhile`);
    this.items.set(k, { value: structuredClone(value), version: expectedVersion + 1 });
  }
  async record<T>(pk: string, sk: string, value: T): Promise<void> {
    this.items.set(`${pk}\u0000${sk}`, { value: structuredClone(value), version: 1 });
  }
  async list<T>(pk: string, skPrefix = ''): Promise<{ sk: string; value: T }[]> {
    return [...this.items.entries()]
      .map(([k, v]) => ({ k: k.split('\u0000'), v }))
      .filter(({ k }) => k[0] === pk && k[1]!.startsWith(skPrefix))
      .sort((a, b) => (a.k[1]! < b.k[1]! ? -1 : 1))
      .map(({ k, v }) => ({ sk: k[1]!, value: structuredClone(v.value) as T }));
  }
}
