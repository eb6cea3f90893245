/**
 * One process at a time may write a registry: two writers appending to one log would interleave their entries. The
 * lock is a file beside the data holding the owner's pid. A lock left by a process that no longer runs (a crash, a
 * `kill -9`) is taken over; a live owner makes the open fail with a message that says what to do.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Take the lock for the data at `path`; returns the function that releases it. */
export function lockRegistry(path: string): () => void {
  const lockPath = `${path}.lock`;
  const mine = String(process.pid);
  try {
    writeFileSync(lockPath, mine, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const owner = Number(readFileSync(lockPath, "utf8").trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new Error(
        `registry ${path} is in use by process ${owner} (lock file ${lockPath}); stop that gateway first, or delete the lock file if process ${owner} is not a gateway`,
      );
    }
    writeFileSync(lockPath, mine, { mode: 0o600 });
  }
  return () => {
    try {
      if (readFileSync(lockPath, "utf8").trim() === mine) rmSync(lockPath, { force: true });
    } catch {
      // already gone
    }
  };
}
