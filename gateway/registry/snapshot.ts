/**
 * The registry's snapshot file: every live record at one moment, written by compaction.
 *
 * Layout (one JSON value per line): a header `{"v":1,"gen":N}` naming the first log generation that is NOT folded
 * into the snapshot, one line per record, and a trailer `{"count":C,"crc":X}` (CRC-32 of the record lines). The file
 * is written to a temporary name, fsynced, renamed over the old one and the directory fsynced, so a reader sees the
 * old snapshot or the new one, never a mix; the trailer still catches a file damaged by other means.
 */
import { crc32 } from "node:zlib";
import { type DurableFs, fsyncDir, writeAll } from "./durable-fs.ts";
import { asRecord, type ClusterRecord } from "./record.ts";

const FORMAT_VERSION = 1;
const CHUNK = 4096;

export interface Snapshot {
  readonly gen: number;
  readonly records: ClusterRecord[];
}

export type SnapshotStep = "snapshot-written" | "snapshot-renamed";

/**
 * Write `records` as the snapshot at `path` (through `tmpPath`), durable when the promise resolves. Yields to the
 * event loop between chunks so a large registry does not stall request handling. Returns the size in bytes.
 */
export async function writeSnapshot(
  fs: DurableFs,
  path: string,
  tmpPath: string,
  dir: string,
  gen: number,
  records: readonly ClusterRecord[],
  onStep: (step: SnapshotStep) => Promise<void> | void = () => {},
): Promise<number> {
  const fd = await fs.open(tmpPath, "w", 0o600);
  let bytes = 0;
  let crc = 0;
  try {
    const head = Buffer.from(`${JSON.stringify({ v: FORMAT_VERSION, gen })}\n`);
    await writeAll(fs, fd, head);
    bytes += head.length;
    for (let i = 0; i < records.length; i += CHUNK) {
      let text = "";
      for (const r of records.slice(i, i + CHUNK)) text += `${JSON.stringify(r)}\n`;
      crc = crc32(text, crc);
      const buf = Buffer.from(text);
      await writeAll(fs, fd, buf);
      bytes += buf.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const tail = Buffer.from(`${JSON.stringify({ count: records.length, crc })}\n`);
    await writeAll(fs, fd, tail);
    bytes += tail.length;
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await onStep("snapshot-written");
  await fs.rename(tmpPath, path);
  await fsyncDir(fs, dir);
  await onStep("snapshot-renamed");
  return bytes;
}

/**
 * Parse a snapshot file's contents. Throws an error naming `path` when it is damaged. Works line by line on the
 * buffer rather than on one big string, so loading a large registry does not leave a large heap behind.
 */
export function decodeSnapshot(path: string, data: Buffer): Snapshot {
  const damaged = (why: string) =>
    new Error(
      `registry snapshot ${path} is damaged (${why}); restore it from a backup, or move it away to start from the logs alone`,
    );
  const NL = 0x0a;
  const firstNl = data.indexOf(NL);
  const lastNl = data.length >= 2 ? data.lastIndexOf(NL, data.length - 2) : -1;
  if (firstNl === -1 || lastNl < firstNl || data[data.length - 1] !== NL) throw damaged("incomplete file");
  let head: { v?: unknown; gen?: unknown };
  let tail: { count?: unknown; crc?: unknown };
  try {
    head = JSON.parse(data.toString("utf8", 0, firstNl));
    tail = JSON.parse(data.toString("utf8", lastNl + 1, data.length - 1));
  } catch {
    throw damaged("unreadable header or trailer");
  }
  if (head.v !== FORMAT_VERSION) throw damaged(`unknown format version ${String(head.v)}`);
  if (typeof head.gen !== "number" || !Number.isInteger(head.gen) || head.gen < 0) throw damaged("bad generation");
  if (crc32(data.subarray(firstNl + 1, lastNl + 1)) !== tail.crc) throw damaged("checksum mismatch");
  const records: ClusterRecord[] = [];
  let start = firstNl + 1;
  while (start <= lastNl) {
    const end = data.indexOf(NL, start);
    let record: ClusterRecord | undefined;
    try {
      record = asRecord(JSON.parse(data.toString("utf8", start, end)));
    } catch {
      record = undefined;
    }
    if (!record) throw damaged(`bad record on line ${records.length + 2}`);
    records.push(record);
    start = end + 1;
  }
  if (records.length !== tail.count) throw damaged(`expected ${String(tail.count)} records, found ${records.length}`);
  return { gen: head.gen, records };
}
