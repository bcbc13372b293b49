/**
 * The BillStore on DynamoDB: the same code for AWS and for DynamoDB Local (only the client's
 * endpoint differs). Every decision is one `TransactWriteItems`: the bill, its audit rows,
 * the duplicate and document claims, PO-line reservations and vendor spend, each conditional
 * on the version the decision read. A lost race is a `ConflictError`; nothing is half-written.
 */
import { brotliDecompressSync, deflateSync, inflateSync } from 'node:zlib';
import { RECORD_DICTIONARY } from './record-dictionary.ts';
import { DynamoDBClient, TransactionCanceledException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { GoodsReceipt, MasterData, Policy, PurchaseOrder, Vendor } from '../../core/master.ts';
import { Decimal } from '../../core/money.ts';
import { normalizeId, normalizeName, normalizePoRef } from '../../core/normalize.ts';
import {
  ConflictError,
  type AuditRecord,
  type BillRecord,
  type BillStore,
  type DecisionCommit,
  type DuplicateEntry,
  type ImportOptions,
  type SpendChange,
  type TransitionCommit,
  type Versioned,
  NoMasterDataError,
  type BillPage,
  type BillQuery,
  type StateCounts,
  type MasterListReads,
  type WorklistReads,
  type ReadVersion,
  NonceSpentError,
} from '../../core/ports/store.ts';
import { billRow } from '../../core/worklist.ts';
import type { ClaimResult, MonthItems, SummaryClaims, SummaryReads } from '../../core/ports/summary.ts';
import { vendorNameKeys } from '../../core/resolve.ts';
import { utcMonthsOf } from '../../core/summary/month.ts';
import { BILL_STATES, type BillState } from '../../core/route.ts';
import { masterKeys, MASTER_POINTER as MP } from './master-keys.ts';
import { decimalMapFromJson, decimalMapToJson, policyFromJson, poFromJson, vendorFromJson } from './codec.ts';
import { BILLS_TABLE } from './table.ts';
import { billWorklistKeys, findItems, rowFromItem, worklistAttributes } from './worklist-keys.ts';
import { countByState, DEFAULT_PAGE, MAX_PAGE, planQuery, readPage } from './worklist-query.ts';

type Item = Record<string, unknown>;
/** A `GetItem` waiting to go out with the others asked for in the same turn. */
interface PendingGet {
  readonly pk: string;
  readonly sk: string;
  readonly resolve: (item: Item | undefined) => void;
  readonly reject: (err: unknown) => void;
  readonly promise: Promise<Item | undefined>;
}

function pendingGet(pk: string, sk: string): PendingGet {
  let resolve!: PendingGet['resolve'];
  let reject!: PendingGet['reject'];
  const promise = new Promise<Item | undefined>((res, rej) => ((resolve = res), (reject = rej)));
  return { pk, sk, resolve, reject, promise };
}
/** DynamoDB's limit of keys in one `BatchGetItem`. */
const MAX_BATCH_GET = 100;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Capacity units consumed, summed by operation, when `trackCapacity` is on. */
export interface CapacityMeter {
  read: number;
  write: number;
  /**
   * Write units as DynamoDB bills them, computed from the item sizes (2 per started KB of
   * each transactional item). DynamoDB Local's own figure does not double transactional writes.
   */
  billedWrite?: number;
}

/** Approximate DynamoDB item size: attribute names plus values (strings UTF-8, binary raw). */
export function itemSize(item: Item): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) {
    n += Buffer.byteLength(k);
    if (typeof v === 'string') n += Buffer.byteLength(v);
    else if (typeof v === 'number') n += Math.ceil(String(v).length / 2) + 1;
    else if (v instanceof Uint8Array) n += v.byteLength;
    else if (typeof v === 'boolean' || v === null) n += 1;
    else n += Buffer.byteLength(JSON.stringify(v));
  }
  return n;
}

export interface DynamoBillStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** Ask DynamoDB for consumed capacity and add it up here (benchmarks). */
  readonly capacity?: CapacityMeter;
}

const T = BILLS_TABLE;

/** How long a store trusts the master version it read (another process's import shows after this). */
const MASTER_POINTER_CACHE_MS = 2000;
/** How many master items (or vendor look-ups) one store keeps (a few MB at most). */
const MASTER_ITEMS_KEPT = 20_000;

const key = (pk: string, sk: string) => ({ [T.partitionKey]: pk, [T.sortKey]: sk });

export class DynamoBillStore implements BillStore, SummaryReads, SummaryClaims, WorklistReads, MasterListReads {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly capacity: CapacityMeter | undefined;

  constructor(options: DynamoBillStoreOptions) {
    this.tableName = options.tableName;
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.capacity = options.capacity;
  }

  private get rcc() {
    return this.capacity ? ({ ReturnConsumedCapacity: 'TOTAL' } as const) : {};
  }

  private meter(c: ConsumedCapacity | ConsumedCapacity[] | undefined, kind: 'read' | 'write'): void {
    if (!this.capacity || !c) return;
    for (const x of Array.isArray(c) ? c : [c]) this.capacity[kind] += x.CapacityUnits ?? 0;
  }

  /**
   * One item. Reads asked for in the same turn of the event loop (a decision asks for its claims,
   * the PO's billed quantities and the spend ledger at once; executions in flight side by side)
   * go out as one `BatchGetItem`: one round trip instead of several, each item read as its own `GetItem` would read it (strongly
   * consistent when asked; a batch is no snapshot, and neither were parallel gets).
   */
  private get(pk: string, sk: string, consistent = false): Promise<Item | undefined> {
    const batch = consistent ? this.consistentBatch : this.eventualBatch;
    const k = `${pk}\n${sk}`;
    let waiting = batch.get(k);
    if (!waiting) batch.set(k, (waiting = pendingGet(pk, sk)));
    if (batch.size === 1) setImmediate(() => void this.flushGets(consistent));
    return waiting.promise;
  }

  private readonly consistentBatch = new Map<string, PendingGet>();
  private readonly eventualBatch = new Map<string, PendingGet>();

  private async flushGets(consistent: boolean): Promise<void> {
    const pending = consistent ? this.consistentBatch : this.eventualBatch;
    const gets = [...pending.values()];
    pending.clear();
    try {
      if (gets.length === 1) {
        const g = gets[0]!;
        const r = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(g.pk, g.sk), ConsistentRead: consistent, ...this.rcc }));
        this.meter(r.ConsumedCapacity, 'read');
        g.resolve(r.Item);
        return;
      }
      const found = new Map<string, Item>();
      for (let i = 0; i < gets.length; i += MAX_BATCH_GET) {
        let keys: Item[] = gets.slice(i, i + MAX_BATCH_GET).map((g) => key(g.pk, g.sk));
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt === 8) throw new Error(`BatchGetItem: ${keys.length} keys still unprocessed after ${attempt} attempts`);
          const r = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: consistent } }, ...this.rcc }));
          this.meter(r.ConsumedCapacity, 'read');
          for (const item of r.Responses?.[this.tableName] ?? []) found.set(`${item[T.partitionKey] as string}\n${item[T.sortKey] as string}`, item);
          keys = (r.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
          if (keys.length > 0) await new Promise((res) => setTimeout(res, Math.min(1000, 20 * 2 ** attempt)));
        }
      }
      for (const g of gets) g.resolve(found.get(`${g.pk}\n${g.sk}`));
    } catch (err) {
      for (const g of gets) g.reject(err);
    }
  }

  private async query(pk: string, opts: { index?: boolean; skPrefix?: string; skRange?: readonly [string, string]; consistent?: boolean } = {}): Promise<Item[]> {
    const out: Item[] = [];
    let start: Record<string, unknown> | undefined;
    const pkName = opts.index ? T.gsi1.partitionKey : T.partitionKey;
    const sk = opts.skRange
      ? { cond: ' AND #sk BETWEEN :a AND :b', values: { ':a': opts.skRange[0], ':b': opts.skRange[1] } }
      : opts.skPrefix
        ? { cond: ' AND begins_with(#sk, :sk)', values: { ':sk': opts.skPrefix } }
        : null;
    do {
      const r = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(opts.index ? { IndexName: T.gsi1.indexName } : opts.skRange || opts.consistent ? { ConsistentRead: true } : {}),
          KeyConditionExpression: `#pk = :pk${sk?.cond ?? ''}`,
          ExpressionAttributeNames: { '#pk': pkName, ...(sk ? { '#sk': T.sortKey } : {}) },
          ExpressionAttributeValues: { ':pk': pk, ...(sk?.values ?? {}) },
          ExclusiveStartKey: start,
          ...this.rcc,
        }),
      );
      this.meter(r.ConsumedCapacity, 'read');
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  // --- master data ------------------------------------------------------------------------
  //
  // Imports are atomic: a new master version is written completely under its own keys, then
  // made current in one step (the `MASTER`/`CURRENT` pointer). Every read goes to the current
  // version; an interrupted import leaves its half-written version unreferenced and the previous
  // one current (`masterImportStatus` says so). Data imported before versions existed (no
  // pointer) is read where it is.

  /** The current master version, cached briefly (an import through this store updates it at once). */
  private current: { version: string; at: number } | null = null;

  /**
   * Reads the `MASTER`/`CURRENT` pointer afresh at the next read: for a re-match after an import
   * made through another store (`bm import` writes the table itself, then asks the running stack).
   */
  forgetMasterVersion(): void {
    this.current = null;
  }

  private async masterVersion(): Promise<string> {
    if (this.current && Date.now() - this.current.at < MASTER_POINTER_CACHE_MS) return this.current.version;
    const item = await this.get(MP.pk, MP.current, true);
    const version = (item?.version as string | undefined) ?? '';
    // Nothing imported yet (or only before versions existed) is not cached: the first import shows at once.
    this.current = version ? { version, at: Date.now() } : null;
    return version;
  }

  async importMaster(master: MasterData, options: ImportOptions = {}): Promise<void> {
    const previous = await this.get(MP.pk, MP.current, true);
    const version = `M${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const startedAt = new Date().toISOString();
    const importedAt = master.imported_at ?? startedAt;
    // Say an import is under way before writing anything: if it never finishes, the next start sees it.
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(MP.pk, MP.importing), version, started_at: startedAt } }));
    const m = masterKeys(version);
    const items: Item[] = [{ ...key('POLICY', m.policy), data: JSON.stringify(master.policy) }];
    for (const vendor of master.vendors) {
      // What an empty ytd_as_of covers: everything before this import.
      const v = { ...vendor, imported_at: importedAt };
      const data = JSON.stringify(v);
      items.push({ ...key(`VENDOR#${v.vendor_id}`, m.vendor), data, ...listingKeys(version, 'VENDOR', `${normalizeName(v.name) || '~'}#${v.vendor_id}`) });
      if (normalizeId(v.tax_id)) items.push({ ...key(`VTAX#${normalizeId(v.tax_id)}`, m.byVendor(v.vendor_id)), data });
      for (const n of vendorNameKeys(v)) items.push({ ...key(`VNAME#${n}`, m.byVendor(v.vendor_id)), data });
    }
    for (const po of master.purchaseOrders) {
      items.push({
        ...key(`PO#${normalizePoRef(po.po_number)}`, m.po),
        data: JSON.stringify(po),
        ...listingKeys(version, 'PO', normalizePoRef(po.po_number)),
        ...(po.status === 'open' ? { [T.gsi1.partitionKey]: m.openPo(po.vendor_id), [T.gsi1.sortKey]: po.po_number } : {}),
      });
    }
    // Goods receipts as imported, for people (the decision reads the received sums on the PO lines).
    master.goodsReceipts.forEach((g, i) => {
      const po = normalizePoRef(g.po_number);
      items.push({
        ...key(`PO#${po}`, `${m.po}#GRN#${String(i).padStart(6, '0')}`),
        data: JSON.stringify(g),
        ...listingKeys(version, 'GRN', `${po}#${String(i).padStart(6, '0')}`),
      });
    });
    options.onProgress?.(0, items.length);
    for (let i = 0; i < items.length; i += 25) {
      if (i > 0) options.onProgress?.(i, items.length);
      let batch: Item[] = items.slice(i, i + 25);
      for (let attempt = 0; batch.length > 0; attempt++) {
        const r = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: batch.map((Item) => ({ PutRequest: { Item } })) }, ...this.rcc }),
        );
        this.meter(r.ConsumedCapacity, 'write');
        batch = (r.UnprocessedItems?.[this.tableName] ?? []).map((w) => w.PutRequest!.Item as Item);
        if (batch.length > 0) await new Promise((res) => setTimeout(res, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
    options.onProgress?.(items.length, items.length);
    // Everything is written: make it current in one step, unless another import got there first.
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...key(MP.pk, MP.current),
              version,
              previous: (previous?.version as string | undefined) ?? null,
              imported_at: new Date().toISOString(),
              counts: JSON.stringify({ vendors: master.vendors.length, purchase_orders: master.purchaseOrders.length }),
            },
            ConditionExpression: previous ? '#v = :prev' : 'attribute_not_exists(pk)',
            ...(previous ? { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':prev': previous.version } } : {}),
          },
        },
        { Delete: { TableName: this.tableName, Key: key(MP.pk, MP.importing) } },
      ]);
    } catch (err) {
      if (err instanceof ConflictError) throw new ConflictError('another master data import finished meanwhile: import again');
      throw err;
    }
    this.current = { version, at: Date.now() };
  }

  /** The current master version, and an import that started and never finished (interrupted), if any. */
  async masterImportStatus(): Promise<{ current: { version: string; imported_at: string | null } | null; interrupted: { version: string; started_at: string } | null }> {
    const [cur, pending] = await Promise.all([this.get(MP.pk, MP.current, true), this.get(MP.pk, MP.importing, true)]);
    return {
      current: cur ? { version: cur.version as string, imported_at: (cur.imported_at as string | undefined) ?? null } : null,
      interrupted: pending ? { version: pending.version as string, started_at: pending.started_at as string } : null,
    };
  }

  /**
   * The items of a master version never change once it is current (a new import writes a new
   * version), so each is read once per process and kept: the policy, a vendor, a PO are otherwise
   * read again for every bill, several times. Read strongly consistent, so what is kept is never
   * a copy that missed the import's last writes; data from before versions (version '') is never
   * kept. Bounded; a new version empties it. Callers get freshly parsed objects each time.
   */
  private readonly masterItems = new Map<string, Promise<Item | undefined | Item[]>>();
  private masterItemsVersion = '';

  private masterItem(version: string, pk: string, sk: string): Promise<Item | undefined> {
    if (!version) return this.get(pk, sk);
    return this.keptMaster(version, `${pk}\n${sk}`, () => this.get(pk, sk, true)) as Promise<Item | undefined>;
  }

  private masterQuery(version: string, pk: string, skPrefix: string): Promise<Item[]> {
    if (!version) return this.query(pk, { skPrefix });
    return this.keptMaster(version, `${pk}\n${skPrefix}*`, () => this.query(pk, { skPrefix, consistent: true })) as Promise<Item[]>;
  }

  private keptMaster(version: string, k: string, read: () => Promise<Item | undefined | Item[]>): Promise<Item | undefined | Item[]> {
    if (this.masterItemsVersion !== version || this.masterItems.size >= MASTER_ITEMS_KEPT) {
      this.masterItems.clear();
      this.masterItemsVersion = version;
    }
    let p = this.masterItems.get(k);
    if (!p) {
      p = read();
      this.masterItems.set(k, p);
      // A failed read is not kept: the next one asks again.
      p.catch(() => this.masterItems.get(k) === p && this.masterItems.delete(k));
    }
    return p;
  }

  async policy(): Promise<Policy> {
    const version = await this.masterVersion();
    const item = await this.masterItem(version, 'POLICY', masterKeys(version).policy);
    if (!item) throw new NoMasterDataError();
    return policyFromJson(JSON.parse(item.data as string));
  }

  async vendorsByTaxId(normalizedTaxId: string): Promise<Vendor[]> {
    const version = await this.masterVersion();
    return (await this.masterQuery(version, `VTAX#${normalizedTaxId}`, masterKeys(version).byVendorPrefix)).map((i) => vendorFromJson(JSON.parse(i.data as string)));
  }

  async vendorsByName(normalizedName: string): Promise<Vendor[]> {
    const version = await this.masterVersion();
    return (await this.masterQuery(version, `VNAME#${normalizedName}`, masterKeys(version).byVendorPrefix)).map((i) => vendorFromJson(JSON.parse(i.data as string)));
  }

  async vendor(vendorId: string): Promise<Vendor | null> {
    const version = await this.masterVersion();
    const item = await this.masterItem(version, `VENDOR#${vendorId}`, masterKeys(version).vendor);
    return item ? vendorFromJson(JSON.parse(item.data as string)) : null;
  }

  async purchaseOrder(normalizedRef: string): Promise<PurchaseOrder | null> {
    const version = await this.masterVersion();
    const item = await this.masterItem(version, `PO#${normalizedRef}`, masterKeys(version).po);
    return item ? poFromJson(JSON.parse(item.data as string)) : null;
  }

  async openPurchaseOrders(vendorId: string): Promise<PurchaseOrder[]> {
    const m = masterKeys(await this.masterVersion());
    return (await this.query(m.openPo(vendorId), { index: true })).map((i) => poFromJson(JSON.parse(i.data as string)));
  }

  // --- ledger -----------------------------------------------------------------------------

  async billedQuantities(poNumber: string): Promise<Versioned<ReadonlyMap<string, Decimal>>> {
    const item = await this.get(`PO#${normalizePoRef(poNumber)}`, 'BILLED', true);
    return { value: decimalMapFromJson(item ? JSON.parse(item.lines as string) : {}), version: (item?.version as number) ?? 0 };
  }

  /** The spend ledger's version alone (its head), its entries not read. */
  async vendorSpendVersion(vendorId: string): Promise<number> {
    return ((await this.get(`VENDOR#${vendorId}`, 'SPEND', true))?.version as number | undefined) ?? 0;
  }

  /**
   * The ledger's version first, then its entries: an entry written in between raises the version,
   * so a decision on this read fails its condition and is taken again.
   */
  async vendorSpend(vendorId: string, fromIso: string): Promise<Versioned<Decimal>> {
    const head = await this.get(`VENDOR#${vendorId}`, 'SPEND', true);
    const version = (head?.version as number) ?? 0;
    if (version === 0) return { value: Decimal.ZERO, version };
    let sum = Decimal.ZERO;
    for (const e of await this.query(`VENDOR#${vendorId}`, { skRange: [`SPEND#${fromIso}`, 'SPEND#\uffff'] })) sum = sum.add(Decimal.parse(e.amount as string));
    return { value: sum, version };
  }

  async duplicateClaim(k: string): Promise<Versioned<readonly DuplicateEntry[]>> {
    const item = await this.get(`DUP#${k}`, 'DUP', true);
    return { value: item ? (JSON.parse(item.entries as string) as DuplicateEntry[]) : [], version: (item?.version as number) ?? 0 };
  }

  async documentClaim(k: string): Promise<string | null> {
    const item = await this.get(`DOC#${k}`, 'DOC', true);
    return (item?.bill_id as string) ?? null;
  }

  // --- bills ------------------------------------------------------------------------------

  async commitDecision(c: DecisionCommit): Promise<void> {
    const items: TransactItem[] = [];
    const b = c.bill;
    items.push({
      Put:
        c.replaces === undefined
          ? { TableName: this.tableName, Item: billItem(b), ConditionExpression: 'attribute_not_exists(pk)' }
          : { TableName: this.tableName, Item: billItem(b), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': c.replaces } },
    });
    c.audit.forEach((a, i) => {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: auditItem({ ...a, bill_id: b.bill_id, seq: i + 1 }, b.version),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    });
    // The claims' entries as the decision read them: each write is conditional on that version.
    if (c.duplicateClaim) {
      const { key: k, version, previous, entry } = c.duplicateClaim;
      // A bill decided again (review, re-send, re-match) keeps one entry: its latest.
      items.push(versionedPut(this.tableName, `DUP#${k}`, 'DUP', version, { entries: JSON.stringify([...previous.filter((e) => e.bill_id !== entry.bill_id), entry]) }));
    }
    if (c.similarClaim) {
      const { key: k, version, previous, entry } = c.similarClaim;
      items.push(versionedPut(this.tableName, `DUP#${k}`, 'DUP', version, { entries: JSON.stringify([...previous, entry]) }));
    }
    if (c.documentClaim) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...key(`DOC#${c.documentClaim}`, 'DOC'), bill_id: b.bill_id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    items.push(...this.reservationItems(c.reservations));
    if (c.spend) items.push(...this.spendItems(c.spend));
    items.push(...this.findWrites(b, c.replaces === undefined));
    items.push(...this.readChecks(c.readVersions ?? [], items));
    await this.transact(items);
  }

  /**
   * A condition on each version the decision read and the transaction does not write (one item
   * may appear once in a transaction; a write already carries its own condition).
   */
  private readChecks(reads: readonly ReadVersion[], items: readonly TransactItem[]): TransactItem[] {
    const id = (k: Item | undefined) => (k ? `${String(k[T.partitionKey])}\n${String(k[T.sortKey])}` : '');
    const written = new Set(items.map((t) => id((t.Put?.Item ?? t.ConditionCheck?.Key ?? t.Update?.Key ?? t.Delete?.Key) as Item | undefined)));
    const checks: TransactItem[] = [];
    for (const r of reads) {
      const k = r.of === 'claim' ? key(`DUP#${r.key}`, 'DUP') : r.of === 'billed' ? key(`PO#${normalizePoRef(r.key)}`, 'BILLED') : key(`VENDOR#${r.key}`, 'SPEND');
      if (written.has(id(k))) continue;
      written.add(id(k));
      checks.push({
        ConditionCheck:
          r.version === 0
            ? { TableName: this.tableName, Key: k, ConditionExpression: 'attribute_not_exists(pk)' }
            : { TableName: this.tableName, Key: k, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': r.version } },
      });
    }
    return checks;
  }

  /**
   * The bill's search items (invoice number, PO, vendor), rewritten with every write of the bill.
   * One that no longer applies (a review removed the PO) is overwritten by its bare key, which
   * leaves the index: a Put, not a Delete, so that no function that writes bills needs the right to
   * delete under `BILL#` (lib/table-access.ts).
   */
  private findWrites(b: BillRecord, isNew: boolean): TransactItem[] {
    const { put, remove } = findItems(b);
    return [
      ...put.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
      ...(isNew ? [] : remove.map((Item) => ({ Put: { TableName: this.tableName, Item } }))),
    ];
  }

  async commitTransition(c: TransitionCommit): Promise<void> {
    const items: TransactItem[] = [];
    const b = c.bill;
    items.push({
      Put: {
        TableName: this.tableName,
        Item: billItem(b),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': c.expectedVersion },
      },
    });
    c.audit.forEach((a, i) => {
      items.push({
        Put: { TableName: this.tableName, Item: auditItem({ ...a, bill_id: b.bill_id, seq: i + 1 }, b.version), ConditionExpression: 'attribute_not_exists(pk)' },
      });
    });
    if (c.nonce) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...key(`NONCE#${c.nonce.value}`, 'NONCE'), bill_id: b.bill_id, [T.ttlAttribute]: c.nonce.expiresAtSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (c.spend) items.push(...this.spendItems(c.spend));
    items.push(...this.reservationItems(c.reservations ?? []));
    items.push(...this.findWrites(b, false));
    if (c.similarClaim) {
      items.push(versionedPut(this.tableName, `DUP#${c.similarClaim.key}`, 'DUP', c.similarClaim.version, { entries: JSON.stringify(c.similarClaim.entries) }));
    }
    if (c.releaseDocumentClaim) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: key(`DOC#${c.releaseDocumentClaim}`, 'DOC'),
          ConditionExpression: 'bill_id = :b',
          ExpressionAttributeValues: { ':b': b.bill_id },
        },
      });
    }
    for (const r of c.releases) {
      const next = new Map(r.previous);
      for (const [line, q] of r.subtract) next.set(line, (next.get(line) ?? Decimal.ZERO).sub(q));
      items.push(versionedPut(this.tableName, `PO#${normalizePoRef(r.po_number)}`, 'BILLED', r.version, { lines: JSON.stringify(decimalMapToJson(next)) }));
    }
    if (c.duplicateClaim) {
      const d = c.duplicateClaim;
      if (d.entries) items.push(versionedPut(this.tableName, `DUP#${d.key}`, 'DUP', d.version, { entries: JSON.stringify(d.entries) }));
      else if (d.version > 0) {
        items.push({
          ConditionCheck: { TableName: this.tableName, Key: key(`DUP#${d.key}`, 'DUP'), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': d.version } },
        });
      }
    }
    try {
      await this.transact(items);
    } catch (err) {
      if (err instanceof ConflictError && c.nonce) {
        // Tell a replay (the nonce is spent) from a race (something else changed): only the first is final.
        if (await this.nonceSpent(c.nonce.value)) throw new NonceSpentError('this link was used already', { cause: err });
      }
      throw err;
    }
  }

  private reservationItems(rs: DecisionCommit['reservations']): TransactItem[] {
    return rs.map((r) => {
      const next = new Map(r.previous);
      for (const [line, q] of r.add) next.set(line, (next.get(line) ?? Decimal.ZERO).add(q));
      return versionedPut(this.tableName, `PO#${normalizePoRef(r.po_number)}`, 'BILLED', r.version, { lines: JSON.stringify(decimalMapToJson(next)) });
    });
  }

  /** The ledger's head (its version is the condition) and one dated entry. */
  private spendItems(s: SpendChange): TransactItem[] {
    return [
      versionedPut(this.tableName, `VENDOR#${s.vendor_id}`, 'SPEND', s.version, { last_at: s.at }),
      {
        Put: {
          TableName: this.tableName,
          Item: { ...key(`VENDOR#${s.vendor_id}`, `SPEND#${s.at}#${s.bill_id}`), amount: s.add.toString(), bill_id: s.bill_id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  async spendNonce(nonce: string, billId: string, expiresAtSeconds: number): Promise<void> {
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: { ...key(`NONCE#${nonce}`, 'NONCE'), bill_id: billId, [T.ttlAttribute]: expiresAtSeconds },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    } catch (err) {
      if (err instanceof ConflictError) throw new NonceSpentError('this link was used already', { cause: err });
      throw err;
    }
  }

  async nonceSpent(nonce: string): Promise<boolean> {
    return (await this.get(`NONCE#${nonce}`, 'NONCE', true)) !== undefined;
  }

  private async transact(items: TransactItem[]): Promise<void> {
    if (this.capacity) {
      let billed = 0;
      for (const it of items) {
        const item = (it.Put?.Item ?? it.Update?.Key ?? it.ConditionCheck?.Key ?? it.Delete?.Key ?? {}) as Item;
        billed += 2 * Math.max(1, Math.ceil(itemSize(item) / 1024));
      }
      this.capacity.billedWrite = (this.capacity.billedWrite ?? 0) + billed;
    }
    try {
      const r = await this.doc.send(new TransactWriteCommand({ TransactItems: items, ...this.rcc }));
      this.meter(r.ConsumedCapacity, 'write');
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const codes = (err.CancellationReasons ?? []).map((x) => x.Code ?? 'None');
        if (codes.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict')) {
          throw new ConflictError(`transaction cancelled: ${codes.join(', ')}`, { cause: err });
        }
      }
      throw err;
    }
  }

  /**
   * Claims a workflow execution name (local stack only: Step Functions enforces unique names
   * itself), keeping the execution's input as Step Functions keeps it for a redrive. False when
   * the name was claimed before: `executionRecord` then says whether that execution finished.
   */
  async claimExecutionName(name: string, at: string, input?: unknown): Promise<boolean> {
    try {
      // One conditional Put (not a transaction of one: the same guarantee, a cheaper request).
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(`EXEC#${name}`, 'EXEC'), at, status: 'RUNNING', ...(input === undefined ? {} : { input: JSON.stringify(input) }) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** A claimed execution: RUNNING until its outcome is recorded (`finishExecution`). */
  async executionRecord(name: string): Promise<{ status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: unknown; at: string; outcome: unknown } | null> {
    const item = await this.get(`EXEC#${name}`, 'EXEC', true);
    if (!item) return null;
    return {
      // Claims written before outcomes were recorded count as finished, as they were then.
      status: (item.status as 'RUNNING' | 'SUCCEEDED' | 'FAILED' | undefined) ?? 'SUCCEEDED',
      input: typeof item.input === 'string' ? JSON.parse(item.input) : null,
      at: item.at as string,
      outcome: typeof item.outcome === 'string' ? JSON.parse(item.outcome) : null,
    };
  }

  /** Records an execution's outcome: its bills are recorded (SUCCEEDED), or its failure with the reason (FAILED). */
  async finishExecution(name: string, status: 'SUCCEEDED' | 'FAILED', outcome: unknown, at: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(`EXEC#${name}`, 'EXEC'),
        UpdateExpression: 'SET #s = :s, outcome = :o, finished_at = :at',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status, ':o': JSON.stringify(outcome), ':at': at },
      }),
    );
  }

  /** Executions claimed and never finished (a crash, the database gone): what `bm redrive` runs again. */
  async unfinishedExecutions(): Promise<{ name: string; input: unknown; at: string }[]> {
    const out: { name: string; input: unknown; at: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#sk = :exec AND #s = :running',
          ExpressionAttributeNames: { '#sk': T.sortKey, '#s': 'status' },
          ExpressionAttributeValues: { ':exec': 'EXEC', ':running': 'RUNNING' },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) out.push({ name: (i[T.partitionKey] as string).slice('EXEC#'.length), input: typeof i.input === 'string' ? JSON.parse(i.input) : null, at: i.at as string });
      start = r.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }

  async getBill(billId: string): Promise<BillRecord | null> {
    const item = await this.get(`BILL#${billId}`, 'BILL', true);
    return item ? billFromItem(item) : null;
  }

  async listBills(options: { state?: BillState; limit?: number } = {}): Promise<BillRecord[]> {
    const states = options.state ? [options.state] : BILL_STATES;
    const all: BillRecord[] = [];
    for (const s of states) all.push(...(await this.query(`STATE#${s}`, { index: true })).map(billFromItem));
    all.sort((a, b) => (a.created_at + a.bill_id).localeCompare(b.created_at + b.bill_id));
    return options.limit ? all.slice(-options.limit) : all;
  }

  // --- the worklist (worklist-query.ts; docs/data-model.md) ---------------------------------------

  private readonly sendQuery = async (input: QueryCommandInput): Promise<QueryCommandOutput> => {
    const r = await this.doc.send(new QueryCommand({ ...input, ...this.rcc }));
    this.meter(r.ConsumedCapacity, 'read');
    return r;
  };

  async findBills(query: BillQuery): Promise<BillPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE)));
    const vendorIds = query.search?.trim() ? await this.vendorIdsNamed(query.search.trim()) : [];
    const plan = planQuery(query, vendorIds);
    // gsi1 projects whole bills; a bill written before the worklist existed has no row yet.
    return readPage(this.sendQuery, this.tableName, plan, limit, query.cursor, (item) => (typeof item.wl === 'string' ? rowFromItem(item) : billRow(billFromItem(item))));
  }

  async countBills(options: { readonly upTo?: number } = {}): Promise<StateCounts> {
    return countByState(this.sendQuery, this.tableName, options.upTo);
  }

  /** Vendors whose name starts with the text, or whose name or alias is the text (normalized), at most 20. */
  private async vendorIdsNamed(text: string): Promise<string[]> {
    const name = normalizeName(text);
    if (!name) return [];
    const version = await this.masterVersion();
    const r = await this.sendQuery({
      TableName: this.tableName,
      IndexName: T.gsi3.indexName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :name)',
      ExpressionAttributeNames: { '#pk': T.gsi3.partitionKey, '#sk': T.gsi3.sortKey },
      ExpressionAttributeValues: { ':pk': listingPk(version, 'VENDOR'), ':name': name },
      Limit: 20,
    });
    const ids = (r.Items ?? []).map((i) => (i[T.gsi3.sortKey] as string).slice((i[T.gsi3.sortKey] as string).lastIndexOf('#') + 1));
    for (const v of await this.vendorsByName(name)) if (!ids.includes(v.vendor_id)) ids.push(v.vendor_id);
    return ids.slice(0, 20);
  }

  private async listing(kind: 'VENDOR' | 'PO' | 'GRN', skPrefix?: string): Promise<Item[]> {
    const version = await this.masterVersion();
    const out: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.sendQuery({
        TableName: this.tableName,
        IndexName: T.gsi3.indexName,
        KeyConditionExpression: skPrefix ? '#pk = :pk AND begins_with(#sk, :p)' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': T.gsi3.partitionKey, ...(skPrefix ? { '#sk': T.gsi3.sortKey } : {}) },
        ExpressionAttributeValues: { ':pk': listingPk(version, kind), ...(skPrefix ? { ':p': skPrefix } : {}) },
        ExclusiveStartKey: start,
      });
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async listVendors(): Promise<Vendor[]> {
    return (await this.listing('VENDOR')).map((i) => vendorFromJson(JSON.parse(i.data as string)));
  }

  async listPurchaseOrders(): Promise<PurchaseOrder[]> {
    return (await this.listing('PO')).map((i) => poFromJson(JSON.parse(i.data as string)));
  }

  async listReceipts(poNumber?: string): Promise<GoodsReceipt[]> {
    return (await this.listing('GRN', poNumber ? `${normalizePoRef(poNumber)}#` : undefined)).map((i) => grnFromJson(JSON.parse(i.data as string)));
  }

  /**
   * Gives items written before the worklist existed their worklist keys: bills (and their search
   * items) and the current master data's list keys. A one-off migration that reads the whole
   * table once (the only Scan outside `unfinishedExecutions`); run when an older table is opened.
   */
  async backfillWorklist(): Promise<{ bills: number; master: number }> {
    let bills = 0;
    let master = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'attribute_not_exists(#g3) AND (#sk = :bill OR begins_with(#sk, :vendor) OR begins_with(#sk, :po))',
          ExpressionAttributeNames: { '#g3': T.gsi3.partitionKey, '#sk': T.sortKey },
          ExpressionAttributeValues: { ':bill': 'BILL', ':vendor': 'VENDOR', ':po': 'PO' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) {
        const pk = item[T.partitionKey] as string;
        const sk = item[T.sortKey] as string;
        if (sk === 'BILL') {
          const b = billFromItem(item);
          const { put } = findItems(b);
          try {
            await this.transact([
              { Put: { TableName: this.tableName, Item: billItem(b), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': b.version } } },
              ...put.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
            ]);
            bills++;
          } catch (err) {
            if (!(err instanceof ConflictError)) throw err; // written meanwhile: it has its keys now
          }
          continue;
        }
        const m = /^(VENDOR|PO)(?:@(.+))?$/.exec(sk);
        if (!m || typeof item.data !== 'string') continue;
        const version = m[2] ?? '';
        const data = JSON.parse(item.data) as { name?: string; vendor_id?: string; po_number?: string };
        const listing =
          m[1] === 'VENDOR' ? listingKeys(version, 'VENDOR', `${normalizeName(data.name) || '~'}#${data.vendor_id}`) : listingKeys(version, 'PO', normalizePoRef(data.po_number));
        await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...item, ...listing } }));
        if (pk) master++;
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return { bills, master };
  }

  // --- the month index (monthly summary) --------------------------------------------------------

  /**
   * Bills that arrived in `[startIso, endIso)` and audit rows dated in it: one query per UTC month
   * the interval touches (two for a month in a zone other than UTC), on the month index.
   */
  async monthItems(startIso: string, endIso: string): Promise<MonthItems> {
    const bills: BillRecord[] = [];
    const events: AuditRecord[] = [];
    const start = new Date(Date.parse(startIso)).toISOString();
    const end = new Date(Date.parse(endIso)).toISOString();
    for (const month of utcMonthsOf(Date.parse(start), Date.parse(end))) {
      let from: Record<string, unknown> | undefined;
      do {
        const r = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: T.gsi2.indexName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': T.gsi2.partitionKey, '#sk': T.gsi2.sortKey },
            // BETWEEN is inclusive, but every key is `<time>#…`, longer than `end`: an item at `end` itself sorts after it.
            ExpressionAttributeValues: { ':pk': `MONTH#${month}`, ':from': start, ':to': end },
            ExclusiveStartKey: from,
            ...this.rcc,
          }),
        );
        this.meter(r.ConsumedCapacity, 'read');
        for (const item of r.Items ?? []) {
          const sk = item[T.gsi2.sortKey] as string;
          if (sk.includes('#B#')) bills.push(billFromItem(item));
          else events.push(JSON.parse(item.data as string) as AuditRecord);
        }
        from = r.LastEvaluatedKey;
      } while (from);
    }
    return { bills, events };
  }

  async claimSummary(month: string, opts: { nowMs: number; leaseMs: number; resend: boolean; runId: string }): Promise<ClaimResult> {
    const at = new Date(opts.nowMs).toISOString();
    const staleBefore = new Date(opts.nowMs - opts.leaseMs).toISOString();
    try {
      const r = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(`SUMMARY#${month}`, 'SUMMARY'), status: 'sending', run_id: opts.runId, claimed_at: at },
          // Free, or a claim whose run died (lease over), or — asked to resend — anything.
          ConditionExpression: opts.resend
            ? 'attribute_not_exists(pk) OR #s = :sent OR claimed_at < :stale'
            : 'attribute_not_exists(pk) OR (#s = :sending AND claimed_at < :stale)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: opts.resend ? { ':sent': 'sent', ':stale': staleBefore } : { ':sending': 'sending', ':stale': staleBefore },
          ...this.rcc,
        }),
      );
      this.meter(r.ConsumedCapacity, 'write');
      return 'claimed';
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      const item = await this.get(`SUMMARY#${month}`, 'SUMMARY', true);
      return item?.status === 'sent' ? 'sent' : 'busy';
    }
  }

  async summarySent(month: string, opts: { runId: string; at: string; messageId: string; narrative: string }): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(`SUMMARY#${month}`, 'SUMMARY'),
        UpdateExpression: 'SET #s = :sent, sent_at = :at, message_id = :mid, narrative = :n, sends = if_not_exists(sends, :zero) + :one',
        ConditionExpression: 'run_id = :run',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': opts.at, ':mid': opts.messageId, ':n': opts.narrative, ':zero': 0, ':one': 1, ':run': opts.runId },
      }),
    );
  }

  async audit(billId: string): Promise<AuditRecord[]> {
    return (await this.query(`BILL#${billId}`, { skPrefix: 'AUDIT#' })).map((i) => JSON.parse(i.data as string) as AuditRecord);
  }
}

/** The master data list a record of a version is in (gsi3): `MLIST#<version>#VENDOR` / `#PO` / `#GRN`. */
function listingPk(version: string, kind: 'VENDOR' | 'PO' | 'GRN'): string {
  return `MLIST#${version}#${kind}`;
}

function listingKeys(version: string, kind: 'VENDOR' | 'PO' | 'GRN', sk: string): Item {
  return { [T.gsi3.partitionKey]: listingPk(version, kind), [T.gsi3.sortKey]: sk };
}

function grnFromJson(j: Record<string, unknown>): GoodsReceipt {
  return {
    grn_number: String(j.grn_number),
    po_number: String(j.po_number),
    line_no: String(j.line_no),
    received_quantity: Decimal.parse(String(j.received_quantity)),
    received_date: typeof j.received_date === 'string' ? j.received_date : null,
  };
}

function versionedPut(tableName: string, pk: string, sk: string, version: number, attrs: Item): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...key(pk, sk), ...attrs, version: version + 1 },
      ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
      ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
    },
  };
}

/**
 * The bill item: keys and state in the clear (for conditions and the state index), the worklist
 * row and what the worklist filters on (worklist-keys.ts), the rest compressed.
 */
export function billItem(b: BillRecord): Item {
  const arrived = utcIso(b.created_at);
  return {
    ...key(`BILL#${b.bill_id}`, 'BILL'),
    ...billWorklistKeys(b),
    ...worklistAttributes(b),
    ...(arrived ? { [T.gsi2.partitionKey]: `MONTH#${arrived.slice(0, 7)}`, [T.gsi2.sortKey]: `${arrived}#B#${b.bill_id}` } : {}),
    state: b.state,
    version: b.version,
    detail: compressRecord(b),
  };
}

/**
 * The record is deflated (zlib) with a preset dictionary of its own shape (`RECORD_DICTIONARY`):
 * about a third smaller than Brotli at quality 10 and a twentieth of its CPU (0.05 against ~1.2
 * CPU-ms a record; docs/benchmarks.md). The zlib header names the dictionary by its Adler-32, so a
 * record says how it was written; records written before, with Brotli (at quality 11, then 10),
 * read as they were: a Brotli stream never starts with zlib's header byte.
 */
function compressRecord(b: BillRecord): Buffer {
  return deflateSync(Buffer.from(JSON.stringify(b)), { dictionary: DICTIONARY });
}

const DICTIONARY = Buffer.from(RECORD_DICTIONARY, 'utf8');
/** The dictionary's Adler-32 as a zlib header carries it (bytes 2–5 of a record written with it). */
export const RECORD_DICTIONARY_ID = deflateSync(Buffer.alloc(0), { dictionary: DICTIONARY }).readUInt32BE(2);

/** The record's JSON; `what` names the item in an error. */
function decompressRecord(detail: Uint8Array, what: string): Buffer {
  // zlib: CMF 0x78 (deflate, 32 KiB window) and FLG with FDICT; the header's 16 bits a multiple of 31.
  const zlibHeader = detail.length > 6 && detail[0] === 0x78 && (detail[1]! & 0x20) !== 0 && ((detail[0] << 8) | detail[1]!) % 31 === 0;
  if (!zlibHeader) return brotliDecompressSync(detail);
  const id = Buffer.from(detail.buffer, detail.byteOffset, detail.byteLength).readUInt32BE(2);
  if (id !== RECORD_DICTIONARY_ID) throw new Error(`${what}: the bill record was written with an unknown dictionary (Adler-32 ${id.toString(16)})`);
  return inflateSync(detail, { dictionary: DICTIONARY });
}

export function billFromItem(item: Item): BillRecord {
  const record = JSON.parse(decompressRecord(item.detail as Uint8Array, String(item[T.partitionKey])).toString('utf8')) as BillRecord;
  return { ...record, state: item.state as BillState, version: item.version as number };
}

/** An audit row's item (exported for bulk loads in benchmarks, which write what the store writes). */
export function auditItem(a: AuditRecord, billVersion: number): Item {
  const sk = `AUDIT#${String(billVersion).padStart(6, '0')}#${String(a.seq).padStart(3, '0')}`;
  const at = utcIso(a.at);
  return {
    ...key(`BILL#${a.bill_id}`, sk),
    ...(at ? { [T.gsi2.partitionKey]: `MONTH#${at.slice(0, 7)}`, [T.gsi2.sortKey]: `${at}#A#${a.bill_id}#${sk.slice(6)}` } : {}),
    data: JSON.stringify(a),
  };
}

/** A timestamp as UTC ISO 8601 (what the month index sorts by), or null when it is not one. */
function utcIso(text: string): string | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
