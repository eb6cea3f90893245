/**
 * What the on-disk bundle cache saves: `kip synth stacks/skipper.ts` (whose console bundles the console-api with
 * esbuild) with a warm cache against the same run with an empty one, the real CLI in child processes,
 * alternated round by round so load on a shared machine hits both alike. Prints each round, the medians and the ratio
 * warm / cold. Run: `node --import tsx bench/bundle-cache.ts [rounds]` (default 5).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { median, timedKip } from "./support/kip.ts";

const ROUNDS = Number(process.argv[2] ?? 5);

/** Wall time of one `kip synth` with the bundle cache in `cache`. */
const synth = (cache: string, out: string): number =>
  timedKip(["synth", "stacks/skipper.ts", "--out", out], { ...process.env, SKIPPER_BUNDLE_CACHE: cache });

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
