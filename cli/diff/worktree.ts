/**
 * The base side of `kip diff`: the repository at a git ref, checked out as a temporary detached worktree in the
 * system's temporary folder (never inside the user's tree, whose files and index stay untouched), and removed again
 * afterwards. The checkout has no `node_modules`; each folder from the project up to the repository root that has one
 * in the working tree gets a symbolic link to it, so the stack at the ref resolves its packages (Skipper, Pulumi)
 * exactly as the working tree does. The packages are therefore the working tree's: a change to package versions
 * alone shows no difference.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";

export interface BaseCheckout {
  /** The git ref as given. */
  readonly ref: string;
  /** The full commit id it resolved to. */
  readonly commit: string;
  /** The repository's root in the working tree. */
  readonly root: string;
  /** The worktree's folder (the repository root at `commit`). */
  readonly dir: string;
  /** `path` (inside the working tree) mapped into the worktree. */
  map(path: string): string;
  /** Remove the worktree and its temporary folder (safe to call twice). */
  remove(): void;
}

/** Run git with hooks switched off (a checkout for a diff must not run the user's post-checkout hook). */
function git(cwd: string, args: readonly string[]): string {
  return execFileSync("git", ["-c", "core.hooksPath=/dev/null", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

function gitError(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr;
  return (stderr && String(stderr).trim()) || (err instanceof Error ? err.message : String(err));
}

/** The root of the git repository holding `dir`, or a clear error when there is none (or no git). */
export function repositoryRoot(dir: string): string {
  try {
    return git(dir, ["rev-parse", "--show-toplevel"]);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") {
      throw new Error("kip diff needs git on PATH (it reads the base side from the repository's history)");
    }
    throw new Error(
      `${dir} is not inside a git repository (${gitError(err)}); kip diff compares with a git ref. ` +
        "Run it in the project's repository, or use kip synth to render the stack once",
    );
  }
}

/** Check out `ref` of the repository holding `cwd` into a temporary worktree. */
export function checkoutBase(cwd: string, ref: string): BaseCheckout {
  const root = repositoryRoot(cwd);
  if (ref.startsWith("-")) throw new Error(`--base: '${ref}' is not a git ref`);
  let commit: string;
  try {
    commit = git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  } catch {
    throw new Error(
      `--base: '${ref}' is not a commit in ${root} (a new repository needs a first commit; in CI fetch the base ` +
        "branch, e.g. actions/checkout with fetch-depth: 0)",
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), "kip-diff-"));
  const dir = join(tmp, "base");
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    try {
      git(root, ["worktree", "remove", "--force", dir]);
    } catch {
      // Already gone or never added: the folder goes below and prune forgets the record.
    }
    rmSync(tmp, { recursive: true, force: true });
    try {
      git(root, ["worktree", "prune"]);
    } catch {
      // Nothing to prune.
    }
  };
  try {
    git(root, ["worktree", "add", "--detach", "--quiet", dir, commit]);
  } catch (err) {
    remove();
    throw new Error(`could not check out ${ref} into a temporary worktree: ${gitError(err)}`);
  }
  const map = (path: string): string => {
    const rel = relative(root, path);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`${path} is outside the repository ${root}`);
    return join(dir, rel);
  };
  try {
    // node_modules of every folder from the project up to the root, linked where the checkout has none.
    const rel = relative(root, cwd);
    const parts = rel ? rel.split(sep) : [];
    for (let n = parts.length; n >= 0; n--) {
      const sub = parts.slice(0, n);
      const from = join(root, ...sub, "node_modules");
      const to = join(dir, ...sub, "node_modules");
      if (!existsSync(from) || existsSync(to)) continue;
      mkdirSync(join(dir, ...sub), { recursive: true });
      symlinkSync(from, to, "dir");
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { ref, commit, root, dir, map, remove };
}
