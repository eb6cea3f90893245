/**
 * The registry's durable store: a snapshot plus an append-only write-ahead log, with group commit.
 *
 * Files, for a data path P: `P` (snapshot, see snapshot.ts), `P.wal.<gen>` (logs, see log-codec.ts), `P.tmp` (a
 * snapshot being written). Loading reads the snapshot (generation g) and replays every log with generation >= g in
 * order; entries are full states, so replaying one that the snapshot already holds changes nothing.
 *
 * Writes: `append` queues an entry and returns a promise that resolves once the entry is on disk (write + fdatasync).
 * Entries that arrive while a sync is running are written together by the next one (group commit), so the cost of
 * an fsync is shared by everyone waiting. A write never costs more than its own entry.
 *
 * Compaction, when the logs outgrow `compactRatio` times the last snapshot: switch appends to a new log generation
 * (between two group commits), take the records as they are at that moment (they are immutable, so this is a copy
 * of references), write them as a snapshot naming the new generation, rename it into place, then delete the older
 * logs. A crash at any point leaves either the old snapshot with all logs, or the new snapshot with logs it may
 * partly hold already: both load to the same state.
 *
 * A failed write or fsync is fatal: what is in memory may no longer be what is on disk, and retrying an fsync does
 * not make earlier data durable. The store rejects every later write and reports the error through `onFatal`.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { type DurableFs, fsyncDir, nodeDurableFs, writeAll } from "./durable-fs.ts";
import { lockRegistry } from "./lock.ts";
import { decodeLog, encodeEntry } from "./log-codec.ts";
import type { ClusterRecord, RegistryOp } from "./record.ts";
import { decodeSnapshot, type SnapshotStep, writeSnapshot } from "./snapshot.ts";

export type CompactionStep = "rotated" | SnapshotStep | "old-logs-removed";

export interface StoreOptions {
  /** Compact when the logs hold more than this many times the bytes of the last snapshot. @default 2 */
  readonly compactRatio?: number;
  /** ...and at least this many bytes. @default 4 MiB */
  readonly compactMinBytes?: number;
  /** Called at each step of a compaction (tests stop the process there to check recovery). */
  readonly onCompactionStep?: (step: CompactionStep) => Promise<void> | void;
  /** Called once when a write fails; the store is unusable afterwards. */
  readonly onFatal?: (err: Error) => void;
  /** Where to report what loading found (a torn tail, removed stale files). */
  readonly warn?: (message: string) => void;
  /** The writes, syncs, renames and removals of appends and compactions (tests record them). @default Node's */
  readonly fs?: DurableFs;
}

export interface LoadReport {
  readonly records: number;
  readonly snapshotGen: number;
  readonly logsReplayed: number;
  readonly entriesReplayed: number;
  readonly droppedBytes: number;
  readonly millis: number;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export class RegistryStore {
  readonly path: string;
  private readonly dir: string;
  private readonly opts: StoreOptions;
  private readonly fs: DurableFs;
  private gen: number;
  private fd: number;
  private logBytes: number;
  private snapshotBytes: number;
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private compaction: Promise<void> | undefined;
  private capture: () => ClusterRecord[] = () => [];
  private failure: Error | undefined;
  private closed = false;
  private unlock: () => void = () => {};
  /** Completed compactions, for tests and metrics. */
  compactions = 0;

  private constructor(path: string, opts: StoreOptions, gen: number, fd: number, logBytes: number, snapBytes: number) {
    this.path = path;
    this.dir = dirname(path);
    this.opts = opts;
    this.fs = opts.fs ?? nodeDurableFs;
    this.gen = gen;
    this.fd = fd;
    this.logBytes = logBytes;
    this.snapshotBytes = snapBytes;
  }

  private static logPath(path: string, gen: number): string {
    return `${path}.wal.${gen}`;
  }

  /** Open (creating if needed) the store at `path` and load what it holds. */
  static open(
    path: string,
    opts: StoreOptions = {},
  ): { store: RegistryStore; records: Map<string, ClusterRecord>; report: LoadReport } {
    const started = performance.now();
    const dir = dirname(path);
    const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) fsyncDirSync(dirname(created)); // make the new directory itself durable
    const unlock = lockRegistry(path);
    try {
      return RegistryStore.load(path, opts, started, unlock);
    } catch (err) {
      unlock();
      throw err;
    }
  }

  private static load(
    path: string,
    opts: StoreOptions,
    started: number,
    unlock: () => void,
  ): { store: RegistryStore; records: Map<string, ClusterRecord>; report: LoadReport } {
    const dir = dirname(path);
    rmSync(`${path}.tmp`, { force: true });
    const records = new Map<string, ClusterRecord>();
    const snapData = readIfExists(path);
    let snapshotGen = 0;
    if (snapData) {
      const snap = decodeSnapshot(path, snapData);
      snapshotGen = snap.gen;
      for (const r of snap.records) records.set(r.id, r);
    }
    const prefix = `${basename(path)}.wal.`;
    const gens = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && /^\d+$/.test(f.slice(prefix.length)))
      .map((f) => Number(f.slice(prefix.length)))
      .sort((a, b) => a - b);
    let entries = 0;
    let dropped = 0;
    let logBytes = 0;
    let replayed = 0;
    for (const g of gens) {
      const file = RegistryStore.logPath(path, g);
      if (g < snapshotGen) {
        rmSync(file, { force: true }); // folded into the snapshot by a compaction that stopped before deleting it
        continue;
      }
      const log = decodeLog(readFileSync(file));
      for (const op of log.ops) {
        if ("put" in op) records.set(op.put.id, op.put);
        else records.delete(op.del);
      }
      entries += log.ops.length;
      replayed++;
      if (log.droppedBytes > 0) {
        dropped += log.droppedBytes;
        opts.warn?.(
          `registry log ${file}: dropped ${log.droppedBytes} bytes after the last whole entry (a write cut short by a crash; it was never acknowledged)`,
        );
        const fd = openSync(file, "r+");
        ftruncateSync(fd, log.validBytes);
        fsyncSync(fd);
        closeSync(fd);
      }
      logBytes += log.validBytes;
    }
    const gen = Math.max(snapshotGen, gens.at(-1) ?? 0);
    const fd = openSync(RegistryStore.logPath(path, gen), "a", 0o600);
    fsyncSync(fd);
    fsyncDirSync(dir);
    const store = new RegistryStore(path, opts, gen, fd, logBytes, snapData?.length ?? 0);
    store.unlock = unlock;
    const report: LoadReport = {
      records: records.size,
      snapshotGen,
      logsReplayed: replayed,
      entriesReplayed: entries,
      droppedBytes: dropped,
      millis: performance.now() - started,
    };
    return { store, records, report };
  }

  /** Give the store the function that lists the live records when it compacts. */
  setSnapshotSource(capture: () => ClusterRecord[]): void {
    this.capture = capture;
  }

  /** Queue `op`; resolves once it is durable. */
  append(op: RegistryOp): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("the registry store is closed"));
    this.queue.push(encodeEntry(op));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.writing) void this.drain();
    return done;
  }

  /** Bytes in the logs since the last snapshot. */
  get logSize(): number {
    return this.logBytes;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0 && !this.failure) {
      const batch = Buffer.from(this.queue.join(""));
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        await writeAll(this.fs, this.fd, batch);
        await this.fs.fdatasync(this.fd);
      } catch (err) {
        this.fail(err as Error, waiters);
        break;
      }
      this.logBytes += batch.length;
      for (const w of waiters) w.resolve();
      this.maybeCompact();
    }
    this.writing = false;
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of idle) f();
  }

  private fail(err: Error, waiting: Waiter[]): void {
    this.failure = new Error(`registry store ${this.path}: write failed, refusing further writes: ${err.message}`);
    for (const w of [...waiting, ...this.waiters]) w.reject(this.failure);
    this.waiters = [];
    this.queue = [];
    this.opts.onFatal?.(this.failure);
  }

  private maybeCompact(): void {
    if (this.compaction || this.closed) return;
    const limit = Math.max(
      this.opts.compactMinBytes ?? 4 * 1024 * 1024,
      (this.opts.compactRatio ?? 2) * this.snapshotBytes,
    );
    if (this.logBytes <= limit) return;
    this.compaction = this.compact()
      .catch((err: Error) => this.fail(err, []))
      .finally(() => {
        this.compaction = undefined;
      });
  }

  /**
   * Compact now (tests, benchmarks); normally triggered by log growth. The log switch waits for a running group
   * commit to finish, so it never closes a descriptor that a write is using.
   */
  async compactNow(): Promise<void> {
    while (this.compaction) await this.compaction;
    while (this.writing) await this.flush();
    this.compaction = this.compact().finally(() => {
      this.compaction = undefined;
    });
    return this.compaction;
  }

  /** Must start between two group commits (or when idle): the synchronous part switches the log descriptor. */
  private async compact(): Promise<void> {
    const step = this.opts.onCompactionStep ?? (() => {});
    const newGen = this.gen + 1;
    const fd = openSync(RegistryStore.logPath(this.path, newGen), "a", 0o600);
    fsyncDirSync(this.dir);
    closeSync(this.fd);
    this.fd = fd;
    this.gen = newGen;
    const records = this.capture();
    const logBytesAtRotation = this.logBytes;
    await step("rotated");
    const size = await writeSnapshot(this.fs, this.path, `${this.path}.tmp`, this.dir, newGen, records, step);
    const prefix = `${basename(this.path)}.wal.`;
    for (const f of readdirSync(this.dir)) {
      if (f.startsWith(prefix) && Number(f.slice(prefix.length)) < newGen) await this.fs.remove(join(this.dir, f));
    }
    await fsyncDir(this.fs, this.dir);
    await step("old-logs-removed");
    this.snapshotBytes = size;
    this.logBytes -= logBytesAtRotation;
    this.compactions++;
  }

  /** Resolves when every queued entry is durable. */
  flush(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flush, let a running compaction finish, and close the log. Further appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.compaction;
    closeSync(this.fd);
    this.unlock();
  }

  /** Size of the open log file, for diagnostics. */
  currentLogFileSize(): number {
    return fstatSync(this.fd).size;
  }
}
