/**
 * How long a program error takes to print: the example stack evaluated with no config, so it stops on the missing
 * SSH key secret, in a child process per Node binary (this one, and /usr/bin/node when that is a different version,
 * as the reference in the same run), with and without `--enable-source-maps`. Prints wall time and peak RSS.
 *
 *   node --import tsx bench/missing-secret-error.ts
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const child = "bench/support/missing-secret-child.ts";
const binaries = [process.execPath];
if (existsSync("/usr/bin/node") && versionOf("/usr/bin/node") !== process.version) binaries.push("/usr/bin/node");

function versionOf(node: string): string {
  return spawnSync(node, ["-v"], { encoding: "utf8" }).stdout.trim();
}

console.log("| node | flags | wall time (s) | peak RSS (MiB) | printed the key's name |");
console.log("|---|---|---:|---:|---|");
for (const node of binaries) {
  for (const flags of [[], ["--enable-source-maps"]]) {
    const started = process.hrtime.bigint();
    const run = spawnSync("/usr/bin/time", ["-f", "%M", node, ...flags, "--import", "tsx", child], {
      encoding: "utf8",
      timeout: 300_000,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const lines = run.stderr.trim().split("\n");
    const rssKiB = Number(lines.at(-1));
    const named = run.stderr.includes("skipper:sshPrivateKey");
    console.log(
      `| ${versionOf(node)} | ${flags.join(" ") || "–"} | ${seconds.toFixed(2)} | ${(rssKiB / 1024).toFixed(0)} | ${named ? "yes" : "NO"} |`,
    );
  }
}
