/**
 * The file operations the registry's durability rests on (writes, fsyncs, renames, removals), behind one seam. The
 * store uses Node's file system; tests pass a recording one to check the order of writes, syncs and
 * acknowledgements (an entry is acknowledged only after a sync that covers it), or a failing one.
 */
import { close, fdatasync, fsync, open, rename, rm, write } from "node:fs";
import { promisify } from "node:util";

export interface DurableFs {
  open(path: string, flags: string, mode?: number): Promise<number>;
  /** write(2): may write fewer bytes than asked; resolves with how many it wrote. */
  write(fd: number, buf: Buffer, offset: number, length: number): Promise<number>;
  /** Make the file's data durable (not necessarily its metadata). */
  fdatasync(fd: number): Promise<void>;
  /** Make the file's data and metadata durable (a directory: its entries). */
  fsync(fd: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Remove a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
}

const writeAsync = promisify(write);

/** Node's own file system. */
export const nodeDurableFs: DurableFs = {
  open: promisify(open) as (path: string, flags: string, mode?: number) => Promise<number>,
  write: async (fd, buf, offset, length) => (await writeAsync(fd, buf, offset, length)).bytesWritten,
  fdatasync: promisify(fdatasync),
  fsync: promisify(fsync),
  close: promisify(close),
  rename: promisify(rename),
  remove: (path) => promisify(rm)(path, { force: true }),
};

/** Write every byte of `buf` at the end of `fd` (write(2) may write less than asked). */
export async function writeAll(fs: DurableFs, fd: number, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += await fs.write(fd, buf, off, buf.length - off);
}

/** Make a directory's entries (a created, renamed or deleted file) durable. */
export async function fsyncDir(fs: DurableFs, dir: string): Promise<void> {
  const fd = await fs.open(dir, "r");
  try {
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
}
