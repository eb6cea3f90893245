/**
 * Where `kip kubeconfig` writes and how: the file given with --output, else the first file of KUBECONFIG, else
 * ~/.kube/config. The old file is copied to a timestamped backup first; the new one is written beside it and renamed
 * into place (a crash leaves the old file or the new one, never half of one), with mode 0600 because it holds a
 * private key. A read-only file is left alone: kip says so instead of writing through it.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";

/** The kubeconfig file to merge into. */
export function kubeconfigTarget(
  output: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string {
  if (output) return resolve(output);
  const first = (env["KUBECONFIG"] ?? "").split(delimiter).find((p) => p.trim() !== "");
  return first ? resolve(first) : join(home, ".kube", "config");
}

export interface ReadTarget {
  /** The file actually written (a symbolic link's target). */
  readonly path: string;
  /** Its text, or undefined when it does not exist yet. */
  readonly text: string | undefined;
}

/** Read the target, refusing one kip must not rewrite (read-only, not a file). */
export function readTarget(path: string): ReadTarget {
  if (!existsSync(path)) {
    if (existsSync(dirname(path)) && !statSync(dirname(path)).isDirectory()) {
      throw new Error(`${dirname(path)} is not a folder; choose another file with --output`);
    }
    return { path, text: undefined };
  }
  const real = lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  const st = statSync(real);
  if (!st.isFile()) throw new Error(`${path} is not a regular file; choose another file with --output`);
  if ((st.mode & 0o222) === 0) {
    throw new Error(
      `${path} is read-only (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}); kip leaves read-only ` +
        "kubeconfigs alone. Make it writable (chmod u+w) or write another file with --output",
    );
  }
  return { path: real, text: readFileSync(real, "utf8") };
}

export interface Written {
  readonly path: string;
  /** The backup of the previous file, when there was one. */
  readonly backup?: string;
}

/** Back up the old file (if any) and put `text` in its place, mode 0600. */
export function writeTarget(target: ReadTarget, text: string, now = new Date()): Written {
  const { path } = target;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let backup: string | undefined;
  if (target.text !== undefined) {
    backup = `${path}.kip-backup-${now
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z")}`;
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
  }
  const tmp = join(dir, `.${basename(path)}.kip-${process.pid}`);
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new Error(`cannot write ${path} (${code}); write another file with --output`);
    }
    throw err;
  }
  return { path, ...(backup ? { backup } : {}) };
}
