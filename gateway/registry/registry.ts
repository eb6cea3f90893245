/**
 * The registry: every registered cluster in memory (a Map by id, for the data plane's lookups) backed by the durable
 * store. A change is applied to memory at once, so concurrent requests see it and cannot both claim one id, and the
 * returned promise resolves when it is on disk; callers acknowledge only then.
 *
 * Listeners see every change in order (the primary forwards them to worker processes).
 */
import type { ClusterRecord, RegistryOp } from "./record.ts";
import { type LoadReport, RegistryStore, type StoreOptions } from "./store.ts";

export type ChangeListener = (op: RegistryOp) => void;

/** What the data plane needs: where a cluster id's traffic goes. */
export type ClusterLookup = (clusterId: string) => { readonly ip: string; readonly port: number } | undefined;

export class Registry {
  readonly report: LoadReport;
  private readonly records: Map<string, ClusterRecord>;
  private readonly store: RegistryStore;
  private readonly listeners: ChangeListener[] = [];

  private constructor(store: RegistryStore, records: Map<string, ClusterRecord>, report: LoadReport) {
    this.store = store;
    this.records = records;
    this.report = report;
    store.setSnapshotSource(() => Array.from(records.values()));
  }

  static open(path: string, opts: StoreOptions = {}): Registry {
    const { store, records, report } = RegistryStore.open(path, opts);
    return new Registry(store, records, report);
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): ClusterRecord | undefined {
    return this.records.get(id);
  }

  /** Bound lookup for the data plane. */
  readonly lookup: ClusterLookup = (id) => this.records.get(id);

  values(): IterableIterator<ClusterRecord> {
    return this.records.values();
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Insert or replace a record; resolves when durable. */
  put(record: ClusterRecord): Promise<void> {
    this.records.set(record.id, record);
    return this.emit({ put: record });
  }

  /** Remove a record; resolves when durable. Returns false (and writes nothing) when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!this.records.delete(id)) return false;
    await this.emit({ del: id });
    return true;
  }

  /** Ids whose last sign of life is older than `ttlMs` at `now`. */
  expiredIds(now: number, ttlMs: number): string[] {
    const cutoff = now - ttlMs;
    const ids: string[] = [];
    for (const r of this.records.values()) if (r.lastSeen < cutoff) ids.push(r.id);
    return ids;
  }

  private emit(op: RegistryOp): Promise<void> {
    const durable = this.store.append(op);
    for (const l of this.listeners) l(op);
    return durable;
  }

  /** Resolves when every change so far is durable. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  compactNow(): Promise<void> {
    return this.store.compactNow();
  }

  /** Bytes in the logs since the last snapshot. */
  get logBytes(): number {
    return this.store.logSize;
  }

  get compactions(): number {
    return this.store.compactions;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** A read-only copy of the registry kept up to date from a stream of changes (worker processes). */
export class RegistryReplica {
  private readonly records = new Map<string, ClusterRecord>();

  load(records: Iterable<ClusterRecord>): void {
    this.records.clear();
    for (const r of records) this.records.set(r.id, r);
  }

  apply(op: RegistryOp): void {
    if ("put" in op) this.records.set(op.put.id, op.put);
    else this.records.delete(op.del);
  }

  get size(): number {
    return this.records.size;
  }

  readonly lookup: ClusterLookup = (id) => this.records.get(id);
}
