/**
 * `kip diff` of the example stack (stacks/skipper.ts) against HEAD, against its reference measured in the same run:
 * two `kip synth` runs of the same stack one after the other (what a CI job diffing two synth folders by hand pays).
 * Both are the real CLI in child processes, alternated round by round so load on a shared machine hits both alike.
 * Prints each round, the medians and the ratio diff / (two synths); the target is ≤ 1.3.
 * Run: `node --import tsx bench/kip-diff.ts [rounds]` (default 5).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { median, timedKip } from "./support/kip.ts";

const ROUNDS = Number(process.argv[2] ?? 5);

const out = mkdtempSync(join(tmpdir(), "kip-diff-bench-"));
try {
  console.log(`kip diff vs two kip synth, stacks/skipper.ts, ${ROUNDS} rounds, ${cpus().length} CPUs`);
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  timedKip(["synth", "stacks/skipper.ts", "--out", join(out, "warm")]); // first run warms the file cache
  const synths: number[] = [];
  const diffs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const two =
      timedKip(["synth", "stacks/skipper.ts", "--out", join(out, "a")]) +
      timedKip(["synth", "stacks/skipper.ts", "--out", join(out, "b")]);
    const diff = timedKip(["diff", "stacks/skipper.ts", "--base", "HEAD", "--json", "--quiet"]);
    synths.push(two);
    diffs.push(diff);
    console.log(`round ${r + 1}: two synths ${(two / 1000).toFixed(2)} s, diff ${(diff / 1000).toFixed(2)} s`);
  }
  const ratio = median(diffs) / median(synths);
  console.log(
    `median: two synths ${(median(synths) / 1000).toFixed(2)} s, kip diff ${(median(diffs) / 1000).toFixed(2)} s, ` +
      `ratio ${ratio.toFixed(2)} (target ≤ 1.3)`,
  );
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
