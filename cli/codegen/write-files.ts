/**
 * Writing what `kip` generated without leaving half a result behind: every file is written to a temporary name in
 * its final folder first, and only when all of them are written are they renamed into place (a rename within one
 * folder is atomic). On any failure the temporary files are removed and nothing visible has changed.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Files of `dir` that are not hidden version-control metadata (a fresh `git init` folder counts as empty). */
export function visibleEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n !== ".git");
}

/** Write `files` (relative name → content) into `dir`, all or nothing. Creates `dir` when missing. */
export function writeFilesAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const target = resolve(dir);
  const created = !existsSync(target);
  if (!created && !statSync(target).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const pending: { tmp: string; final: string }[] = [];
  try {
    if (created) mkdirSync(target, { recursive: true });
    for (const [rel, content] of files) {
      const final = resolve(target, rel);
      if (!final.startsWith(`${target}/`)) throw new Error(`refusing to write outside ${dir}: ${rel}`);
      mkdirSync(dirname(final), { recursive: true });
      const tmp = join(dirname(final), `.${rel.replace(/[/\\]/g, "_")}.kip-${tag}.tmp`);
      writeFileSync(tmp, content, { flag: "wx", mode: 0o644 });
      pending.push({ tmp, final });
    }
    for (const p of pending) renameSync(p.tmp, p.final);
  } catch (err) {
    for (const p of pending) rmSync(p.tmp, { force: true });
    if (created) rmSync(target, { recursive: true, force: true });
    throw err;
  }
}

/** Replace one existing file atomically, keeping its permission bits. */
export function replaceFileAtomically(file: string, content: string): void {
  const mode = statSync(file).mode & 0o7777;
  const tmp = join(dirname(file), `.${Date.now()}-${randomBytes(4).toString("hex")}.kip.tmp`);
  try {
    writeFileSync(tmp, content, { flag: "wx", mode });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
