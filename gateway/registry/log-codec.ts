/**
 * The framing of the registry's write-ahead log: one entry per line, `<crc32 as 8 hex digits> <json>\n`.
 *
 * A crash can leave the last entry half-written (a torn write). The checksum and the closing newline let the reader
 * find the first entry that is not whole and stop there. Stopping there never loses an acknowledged write: the store
 * acknowledges only after fdatasync, which makes every byte before that point durable, so a damaged entry and all
 * that follow it were never acknowledged.
 */
import { crc32 } from "node:zlib";
import { asOp, type RegistryOp } from "./record.ts";

/** One log line for `op`, newline included. */
export function encodeEntry(op: RegistryOp): string {
  const json = JSON.stringify(op);
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

export interface DecodedLog {
  readonly ops: RegistryOp[];
  /** Bytes from the start of the file that hold whole, valid entries. */
  readonly validBytes: number;
  /** Bytes after `validBytes` that were dropped (a torn or damaged tail); 0 when the file is clean. */
  readonly droppedBytes: number;
}

const NEWLINE = 0x0a;

/** Decode a log file's contents, stopping at the first entry that is incomplete or fails its checksum. */
export function decodeLog(data: Buffer): DecodedLog {
  const ops: RegistryOp[] = [];
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf(NEWLINE, pos);
    if (end === -1) break;
    const op = decodeLine(data.toString("utf8", pos, end));
    if (!op) break;
    ops.push(op);
    pos = end + 1;
  }
  return { ops, validBytes: pos, droppedBytes: data.length - pos };
}

function decodeLine(line: string): RegistryOp | undefined {
  if (line.length < 10 || line[8] !== " ") return undefined;
  const json = line.slice(9);
  const sum = Number.parseInt(line.slice(0, 8), 16);
  if (!/^[0-9a-f]{8}$/.test(line.slice(0, 8)) || crc32(json) !== sum) return undefined;
  try {
    return asOp(JSON.parse(json));
  } catch {
    return undefined;
  }
}
