/**
 * What the on-disk bundle cache saves: `kip synth stacks/skipper.ts` (whose console bundles the console-api with
 * esbuild) with a warm cache against the same run with an empty one, the real CLI in child processes,
 * alternated round by round so load on a shared machine hits both alike. Prints each round, the medians and the ratio
 * warm / cold. Run: `node --import tsx bench/bundle-cache.ts [rounds]` (default 5).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const KIP = join(REPO, "cli", "bin", "kip.js");
const ROUNDS = Number(process.argv[2] ?? 5);

/** Wall time of one `kip synth` with the bundle cache in `cache`. */
function synth(cache: string, out: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [KIP, "synth", "stacks/skipper.ts", "--out", out], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, SKIPPER_BUNDLE_CACHE: cache },
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`kip synth failed (${run.status}): ${run.stderr}`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const work = mkdtempSync(join(tmpdir(), "skipper-bench-bundle-"));
try {
  const warmCache = join(work, "warm");
  synth(warmCache, join(work, "out")); // fills the warm cache
  const cold: number[] = [];
  const warm: number[] = [];
  console.log(
    `kip synth stacks/skipper.ts, ${ROUNDS} rounds; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log("round  cold cache ms  warm cache ms");
  for (let round = 1; round <= ROUNDS; round++) {
    const empty = join(work, `cold-${round}`);
    cold.push(synth(empty, join(work, "out")));
    rmSync(empty, { recursive: true, force: true });
    warm.push(synth(warmCache, join(work, "out")));
    console.log(
      `${String(round).padStart(5)}  ${cold.at(-1)!.toFixed(0).padStart(13)}  ${warm.at(-1)!.toFixed(0).padStart(13)}`,
    );
  }
  const c = median(cold);
  const w = median(warm);
  console.log(`median cold ${c.toFixed(0)} ms, warm ${w.toFixed(0)} ms, warm/cold ${(w / c).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
