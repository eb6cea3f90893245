/**
 * Writing a synth result: everything goes into a fresh temporary folder beside the target, which then replaces the
 * target in one rename. A target that exists must carry the marker file a previous `kip synth` left there; any other
 * folder is refused, never deleted.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/** The file that marks a folder as written (and replaceable) by `kip synth`. */
export const MARKER_FILE = ".kip-synth";
const MARKER_TEXT = "Written by `kip synth`. The whole folder is replaced on every run: do not keep files here.\n";

/** Why `dir` may not be replaced, or undefined when it may (absent, empty, or ours). */
export function replaceProblem(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (!lstatSync(dir).isDirectory()) return `${dir} exists and is not a folder; choose another --out`;
  if (readdirSync(dir).length === 0) return undefined;
  if (existsSync(join(dir, MARKER_FILE))) return undefined;
  return `${dir} exists and was not written by kip synth (no ${MARKER_FILE} in it); choose another --out or remove it yourself`;
}

/** How many files are written at once (the file system, not the CPU, is the limit when there are thousands). */
const PARALLEL_WRITES = 16;

/** Write `files` (relative path → content) as the whole content of `dir`. */
export async function writeTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  const target = resolve(dir);
  const problem = replaceProblem(target);
  if (problem) throw new Error(problem);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.kip-synth-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, MARKER_FILE), MARKER_TEXT);
    const entries = [...files].map(([rel, content]) => {
      const path = join(tmp, rel);
      if (!path.startsWith(`${tmp}/`)) throw new Error(`refusing to write outside the output folder: ${rel}`);
      return [path, content] as const;
    });
    for (const folder of new Set(entries.map(([path]) => dirname(path)))) mkdirSync(folder, { recursive: true });
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < entries.length) {
        const [path, content] = entries[next++] as readonly [string, string];
        await writeFile(path, content);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_WRITES }, writer));
    if (existsSync(target)) rmSync(target, { recursive: true });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
