/**
 * `kip synth` at scale: generated stacks of 10, 100 and 1000 apps (one service per 10 apps, bound by those apps),
 * each rendered by the real CLI in a child process. Prints wall time, peak RSS (the child's `maxRSS` at exit) and the
 * growth per 10× apps. Run: `node --import tsx bench/synth.ts [sizes…]` (default 10 100 1000; 3 runs each, median).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const KIP = join(REPO, "cli", "bin", "kip.js");
const ENGINES = ["postgres", "redis", "mysql", "mongodb"] as const;
const RUNS = 3;

/** A stack file with `apps` apps in projects of 100, a service per 10 apps bound by them. */
function stackSource(apps: number): string {
  const services: string[] = [];
  const appLines: string[] = [];
  for (let s = 0; s < Math.ceil(apps / 10); s++) {
    const project = `p${Math.floor((s * 10) / 100)}`;
    services.push(`"svc-${s}": { engine: "${ENGINES[s % ENGINES.length]}", project: "${project}" },`);
  }
  for (let a = 0; a < apps; a++) {
    const project = `p${Math.floor(a / 100)}`;
    const health = a % 2 === 0 ? `, health: { path: "/healthz" }` : "";
    appLines.push(
      `"app-${a}": { image: "ghcr.io/acme/app:${a}", port: 8080, replicas: 2, project: "${project}", ` +
        `bind: ["svc-${Math.floor(a / 10)}"], env: { INDEX: "${a}" }${health} },`,
    );
  }
  const url = (p: string): string => JSON.stringify(pathToFileURL(join(REPO, p)).href);
  return `import { defineStack } from ${url("components/define-stack.ts")};
import { bareMetal } from ${url("providers/bare-metal.ts")};
export default defineStack({
  cluster: { provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] }), k3s: { version: "v1.31.4+k3s1" } },
  domain: { gateway: "skipper.run" },
  services: {
    ${services.join("\n    ")}
  },
  apps: {
    ${appLines.join("\n    ")}
  },
});
`;
}

interface Sample {
  readonly seconds: number;
  /** CPU time of the child, user + system. */
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  readonly resources: number;
}

function synthOnce(dir: string, file: string, n: number, run: number): Sample {
  const rssFile = join(dir, `rss-${n}-${run}.json`);
  const out = join(dir, `out-${n}-${run}`);
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--require", join(dir, "rss.cjs"), KIP, "synth", file, "--out", out], {
    cwd: REPO,
    env: { ...process.env, KIP_RSS_OUT: rssFile },
    encoding: "utf8",
    timeout: 300_000,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`kip synth failed for ${n} apps:\n${child.stderr}`);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { resources: unknown[] };
  rmSync(out, { recursive: true, force: true });
  const usage = JSON.parse(readFileSync(rssFile, "utf8")) as {
    maxRSS: number;
    userCPUTime: number;
    systemCPUTime: number;
  };
  return {
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rssMiB: usage.maxRSS / 1024,
    resources: summary.resources.length,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const ns = sizes.length > 0 ? sizes : [10, 100, 1000];
  const dir = mkdtempSync(join(tmpdir(), "kip-bench-"));
  try {
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
    writeFileSync(
      join(dir, "rss.cjs"),
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.KIP_RSS_OUT, JSON.stringify(process.resourceUsage())));\n`,
    );
    const rows: { n: number; resources: number; seconds: number; cpuSeconds: number; rssMiB: number }[] = [];
    for (const n of ns) {
      const file = join(dir, `stack-${n}.ts`);
      writeFileSync(file, stackSource(n));
      const samples = Array.from({ length: RUNS }, (_, run) => synthOnce(dir, file, n, run));
      rows.push({
        n,
        resources: samples[0]?.resources ?? 0,
        seconds: median(samples.map((s) => s.seconds)),
        cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
        rssMiB: median(samples.map((s) => s.rssMiB)),
      });
      process.stderr.write(`bench: ${n} apps done\n`);
    }
    const header =
      "| apps | services | resources | wall time (s) | CPU time (s) | peak RSS (MiB) | time ×, per 10× apps | RSS ×, per 10× apps |";
    console.log(header);
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach((r, i) => {
      const prev = rows[i - 1];
      // Growth normalised to a 10× step in apps (sizes need not be exactly 10× apart).
      const ratio = (a: number, b: number, dn: number): string => ((a / b) ** (1 / Math.log10(dn))).toFixed(2);
      const dn = prev ? r.n / prev.n : 1;
      console.log(
        `| ${r.n} | ${Math.ceil(r.n / 10)} | ${r.resources} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ` +
          `${r.rssMiB.toFixed(0)} | ` +
          `${prev ? ratio(r.seconds, prev.seconds, dn) : "–"} | ${prev ? ratio(r.rssMiB, prev.rssMiB, dn) : "–"} |`,
      );
    });
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
    console.log(
      `\nmedian of ${RUNS} runs each; node ${process.version}; ${process.platform}/${process.arch}; ` +
        `${cpus().length} CPUs; load average at the end ${load}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
