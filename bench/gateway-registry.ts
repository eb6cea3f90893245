/**
 * Registry benchmark: restart load time and memory with many registrations, and write throughput with and without
 * group commit. Prints figures (for the README), asserts nothing.
 *
 *   node --import tsx bench/gateway-registry.ts [registrations=100000]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleEntry } from "../components/code-bundle.ts";
import type { ClusterRecord } from "../gateway/registry/record.ts";
import { Registry } from "../gateway/registry/registry.ts";

const N = Number(process.argv[2] ?? 100_000);
const KIP = join(dirname(fileURLToPath(import.meta.url)), "../cli/bin/kip.js");

function record(i: number, now = Date.now()): ClusterRecord {
  return {
    id: `cluster-${i}`,
    ip: `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 443,
    tokenHash: Buffer.alloc(32, i).toString("base64url"),
    createdAt: now,
    lastSeen: now,
  };
}

/** `n` durable writes one after another: writes per second, and CPU time per write (independent of the disk). */
async function sequentialWrites(reg: Registry, n: number): Promise<{ rate: number; cpuMicros: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await reg.put(record(i));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / (wall / 1000), cpuMicros: (cpu.user + cpu.system) / n };
}

const row = (label: string, value: string) => console.log(`${label.padEnd(76)} ${value}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadMillis(path: string, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = Registry.open(path);
    times.push(r.report.millis);
    if (r.size !== N) throw new Error(`loaded ${r.size} records, expected ${N}`);
    void r.close();
  }
  return median(times);
}

/**
 * RSS of the real gateway process once ready, with the registry at `path`: run as `kip gateway serve` (TypeScript
 * through tsx) or as the esbuild bundle the Gateway component deploys (`node main.mjs`).
 */
async function gatewayRss(path: string, program: string[]): Promise<{ rssMiB: number; readyMs: number }> {
  const started = performance.now();
  const args = [...program, "--port", "0", "--host", "127.0.0.1", "--base-domain", "gw.test", "--data", path];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    child.once("exit", () => reject(new Error("gateway exited")));
  });
  const readyMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 1500)); // let start-up garbage be collected
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return { rssMiB: kib / 1024, readyMs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "skipper-bench-registry-"));
  const path = join(dir, "registry");
  try {
    console.log(`gateway registry benchmark: ${N} registrations, data in ${dir}`);

    // Write throughput: one writer awaiting each write (an fsync per write) vs many concurrent writers.
    const soloWrites = 500;
    const solo = Registry.open(join(dir, "solo"));
    const empty = await sequentialWrites(solo, soloWrites);
    await solo.close();
    row(
      "writes/s, 1 writer (each waits for its fsync)",
      `${empty.rate.toFixed(0)} (CPU ${empty.cpuMicros.toFixed(0)} µs/write)`,
    );
    let t0 = performance.now();

    const grouped = Registry.open(join(dir, "grouped"));
    const writers = 64;
    const perWriter = 100;
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) await grouped.put(record(w * perWriter + i));
      }),
    );
    const groupRate = (writers * perWriter) / ((performance.now() - t0) / 1000);
    await grouped.close();
    row(`writes/s, ${writers} concurrent writers (group commit)`, groupRate.toFixed(0));

    // Fill the registry, then time single durable writes at that size: the cost must not grow with N.
    const reg = Registry.open(path, { compactMinBytes: Number.MAX_SAFE_INTEGER });
    t0 = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => reg.put(record(i))));
    row(`bulk insert of ${N} (one group commit)`, `${(performance.now() - t0).toFixed(0)} ms`);
    // The disk's fsync latency swings with other work on the machine: alternate small and full registries.
    const small = Registry.open(join(dir, "small"));
    await Promise.all(Array.from({ length: 10 }, (_, i) => small.put(record(i))));
    const rounds: Array<{ small: number; full: number; smallCpu: number; fullCpu: number }> = [];
    for (let round = 0; round < 5; round++) {
      const a = await sequentialWrites(small, 200);
      const b = await sequentialWrites(reg, 200);
      rounds.push({ small: a.rate, full: b.rate, smallCpu: a.cpuMicros, fullCpu: b.cpuMicros });
    }
    await small.close();
    const pick = (k: "small" | "full" | "smallCpu" | "fullCpu") => median(rounds.map((r) => r[k]));
    row(
      `writes/s, 1 writer, 10 vs ${N} registered (median of 5 alternating rounds)`,
      `${pick("small").toFixed(0)} vs ${pick("full").toFixed(0)} (CPU ${pick("smallCpu").toFixed(0)} vs ${pick("fullCpu").toFixed(0)} µs/write)`,
    );
    await reg.close();

    row(
      `restart load, ${N} from the log only (${(statSync(`${path}.wal.0`).size / 2 ** 20).toFixed(1)} MiB)`,
      `${loadMillis(path).toFixed(0)} ms (median of 5)`,
    );
    const c = Registry.open(path);
    t0 = performance.now();
    await c.compactNow();
    row(`compaction of ${N} into a snapshot`, `${(performance.now() - t0).toFixed(0)} ms`);
    await c.close();
    row(
      `restart load, ${N} from the snapshot (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB)`,
      `${loadMillis(path).toFixed(0)} ms (median of 5)`,
    );

    const bundle = join(dir, "main.mjs");
    writeFileSync(bundle, bundleEntry({ entry: "gateway/main.ts" }).code);
    const programs: Array<[string, string[]]> = [
      ["bundled (node main.mjs, as deployed)", [bundle]],
      ["kip gateway serve (tsx)", [KIP, "gateway", "serve"]],
    ];
    for (const [label, program] of programs) {
      const empty = await gatewayRss(join(dir, "empty"), program);
      row(
        `gateway RSS, ${label}, no registrations`,
        `${empty.rssMiB.toFixed(1)} MiB (ready in ${empty.readyMs.toFixed(0)} ms)`,
      );
      const full = await gatewayRss(path, program);
      row(
        `gateway RSS, ${label}, ${N} registrations`,
        `${full.rssMiB.toFixed(1)} MiB (ready in ${full.readyMs.toFixed(0)} ms)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
