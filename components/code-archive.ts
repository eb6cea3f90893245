/**
 * A deterministic `.tar.gz` of a small file tree, for programs that ship as more than one file (the console-api: its
 * bundle, the WebAssembly build of argon2 with its loader, the web console's assets). `core/render/console.ts` splits
 * the archive across ConfigMaps and an init container unpacks it with the Node image's busybox `tar`.
 *
 * Same files in, same bytes out: entries sorted by path, every timestamp and owner zero, fixed modes, and the tar's
 * SHA-256 (what the pod template carries) does not depend on the zlib version that compressed it.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/** One file of the tree; `path` is relative and uses `/`. */
export interface ArchiveFile {
  readonly path: string;
  readonly data: Uint8Array;
}

export interface Archive {
  /** The gzip-compressed tar. */
  readonly gzip: Buffer;
  /** Hex SHA-256 of the uncompressed tar (checked by the unpacking container). */
  readonly tarSha256: string;
  /** Size of the uncompressed tar in bytes. */
  readonly tarBytes: number;
  /** Number of regular files. */
  readonly files: number;
}

const BLOCK = 512;
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

function checkPath(p: string): void {
  if (p === "" || p.startsWith("/") || p.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new Error(`archive path ${JSON.stringify(p)} must be relative, without empty, '.' or '..' segments`);
  }
  if (Buffer.byteLength(p) > 255) throw new Error(`archive path ${p} is longer than the 255 bytes ustar allows`);
}

/** Split a path into ustar's prefix (≤155 bytes) and name (≤100 bytes). */
function splitName(p: string): [prefix: string, name: string] {
  if (Buffer.byteLength(p) <= 100) return ["", p];
  for (let i = p.indexOf("/"); i !== -1; i = p.indexOf("/", i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`archive path ${p} cannot be stored in a ustar header`);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(p: string, size: number, type: "0" | "5"): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(p);
  h.write(name, 0, 100, "utf8");
  h.write(octal(type === "5" ? DIR_MODE : FILE_MODE, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(0, 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(type, 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** The uncompressed tar: a directory entry for every parent, then the files, all sorted by path. */
export function tarFiles(files: readonly ArchiveFile[]): Buffer {
  const byPath = new Map<string, ArchiveFile>();
  for (const f of files) {
    checkPath(f.path);
    if (byPath.has(f.path)) throw new Error(`archive path ${f.path} given twice`);
    byPath.set(f.path, f);
  }
  const dirs = new Set<string>();
  for (const p of byPath.keys()) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of dirs) if (byPath.has(d)) throw new Error(`archive path ${d} is both a file and a directory`);
  const entries = [
    ...[...dirs].map((d) => ({ path: `${d}/`, dir: true })),
    ...[...byPath.keys()].map((p) => ({ path: p, dir: false })),
  ];
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  for (const e of entries) {
    if (e.dir) {
      chunks.push(header(e.path, 0, "5"));
      continue;
    }
    const data = (byPath.get(e.path) as ArchiveFile).data;
    chunks.push(header(e.path, data.byteLength, "0"), Buffer.from(data));
    const pad = (BLOCK - (data.byteLength % BLOCK)) % BLOCK;
    if (pad) chunks.push(Buffer.alloc(pad));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

/** Tar and gzip `files` (maximum compression; the header's OS byte fixed to Unix for the same bytes everywhere). */
export function archiveFiles(files: readonly ArchiveFile[]): Archive {
  const tar = tarFiles(files);
  const gzip = gzipSync(tar, { level: 9 });
  gzip[9] = 3;
  return {
    gzip,
    tarSha256: createHash("sha256").update(tar).digest("hex"),
    tarBytes: tar.byteLength,
    files: files.length,
  };
}
