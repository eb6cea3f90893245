/** What the benchmarks that run `kip` share: where the repository and the bin are, timing one run, the median. */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const KIP = join(REPO, "cli", "bin", "kip.js");

/** Wall milliseconds of `kip <args>` run from the repository (throws with its stderr when it fails). */
export function timedKip(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [KIP, ...args], { cwd: REPO, encoding: "utf8", env });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`kip ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return ms;
}

/** The middle value (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}
