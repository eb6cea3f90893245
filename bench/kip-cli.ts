/**
 * `kip` start-up and editing speed. Run: `node --import tsx bench/kip-cli.ts [--runs N]` (default 15 runs each).
 *
 * 1. Cold start of `kip --help` against `node -e 0` measured in the same run, interleaved, as separate processes:
 *    - the checkout's `cli/bin/kip.js` (TypeScript through tsx's loader);
 *    - the compiled package: the bin in the package's layout (next to `dist/`, no `cli/main.ts`), as installed from
 *      the tarball; the script builds `dist/` first when it is missing (`npm run build`).
 *    Both bins turn on Node's on-disk compile cache; the first (warm-up) run fills it.
 *    Targets: under 150 ms and under 3× `node -e 0`.
 * 2. `kip app add` on a generated stack of 200 apps (one service per 10): the whole command as a child process (parse,
 *    validate before/after, edit, re-parse, atomic write), the file restored between runs. Target: under 1 s.
 * Prints medians and minimums; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateStackFile } from "../cli/codegen/stack-file.ts";
import type { AppSpec, ServiceSpec, StackSpec } from "../core/spec.ts";

const tmp = mkdtempSync(join(tmpdir(), "kip-bench-"));
const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const KIP = join(REPO, "cli", "bin", "kip.js");
const at = process.argv.indexOf("--runs");
const RUNS = at > 0 ? Number(process.argv[at + 1]) : 15;

interface Timing {
  readonly wall: number;
  /** User + system CPU time of the child (from /usr/bin/time), the steadier figure on a busy machine. */
  readonly cpu: number;
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

function timeMs(cmd: string, args: readonly string[], cwd = REPO): Timing {
  const out = join(tmp, "time.txt");
  const [bin, argv] = TIME ? [TIME, ["-f", "%U %S", "-o", out, cmd, ...args]] : [cmd, [...args]];
  const started = process.hrtime.bigint();
  const r = spawnSync(bin, argv, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const [user, sys] = TIME
    ? readFileSync(out, "utf8").trim().split(/\s+/).slice(-2).map(Number)
    : [Number.NaN, Number.NaN];
  return { wall, cpu: (user! + sys!) * 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const min = (xs: number[]): number => Math.min(...xs);
const fmt = (ms: number): string => `${ms.toFixed(0).padStart(5)} ms`;

try {
  console.log(
    `kip-cli bench: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, ${RUNS} runs each`,
  );
  if (!existsSync(join(REPO, "dist", "cli", "main.js"))) {
    console.log("building dist/ (npm run build)…");
    const b = spawnSync("npm", ["run", "build"], { cwd: REPO, stdio: "inherit" });
    if (b.status !== 0) throw new Error("npm run build failed");
  }
  // The package's layout: its bin next to dist/ and no cli/main.ts, so the bin takes the compiled branch.
  mkdirSync(join(tmp, "pkg", "cli", "bin"), { recursive: true });
  copyFileSync(KIP, join(tmp, "pkg", "cli", "bin", "kip.js"));
  symlinkSync(join(REPO, "dist"), join(tmp, "pkg", "dist"));
  const distLauncher = join(tmp, "pkg", "cli", "bin", "kip.js");
  // Warm the OS file cache and tsx's transform cache once; "cold" below means a new process each time.
  timeMs(process.execPath, [KIP, "--help"]);
  timeMs(process.execPath, [distLauncher, "--help"]);
  const node: Timing[] = [];
  const checkout: Timing[] = [];
  const dist: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(timeMs(process.execPath, ["-e", "0"]));
    checkout.push(timeMs(process.execPath, [KIP, "--help"]));
    dist.push(timeMs(process.execPath, [distLauncher, "--help"]));
  }
  const nodeWall = median(node.map((t) => t.wall));
  const nodeCpu = median(node.map((t) => t.cpu));
  console.log(
    "\n1. cold start                   wall: median    min  ratio | cpu: median    min  ratio   (to node -e 0)",
  );
  const row = (name: string, ts: Timing[]) => {
    const w = ts.map((t) => t.wall);
    const c = ts.map((t) => t.cpu);
    console.log(
      `   ${name.padEnd(30)} ${fmt(median(w))} ${fmt(min(w))} ${(median(w) / nodeWall).toFixed(2)}× | ` +
        `${fmt(median(c))} ${fmt(min(c))} ${(median(c) / nodeCpu).toFixed(2)}×`,
    );
  };
  row("node -e 0", node);
  row("kip --help (package, dist/)", dist);
  row("kip --help (checkout, tsx)", checkout);

  // 2. kip app add on 200 apps.
  const services: Record<string, ServiceSpec> = {};
  const apps: Record<string, AppSpec> = {};
  for (let s = 0; s < 20; s++) services[`svc-${s}`] = { engine: s % 2 ? "redis" : "postgres" };
  for (let a = 0; a < 200; a++) {
    apps[`app-${a}`] = {
      image: `ghcr.io/acme/app:${a}.0.0`,
      port: 8080,
      replicas: 2,
      bind: [`svc-${Math.floor(a / 10)}`],
      env: { INDEX: String(a) },
    };
  }
  const spec: StackSpec = {
    cluster: { hosts: [{ address: "203.0.113.10" }], k3s: { version: "v1.31.4+k3s1" } },
    domain: { gateway: "skipper.run" },
    services,
    apps,
  };
  const stack = join(tmp, "skipper.ts");
  const source = generateStackFile(spec, { project: "bench", packageName: "skipper" });
  writeFileSync(stack, source);
  const add = [
    "app",
    "add",
    "extra",
    "--image",
    "ghcr.io/acme/extra:1.0.0",
    "--port",
    "3000",
    "--bind",
    "svc-3",
    "--file",
    stack,
  ];
  const checkoutAdd: Timing[] = [];
  const distAdd: Timing[] = [];
  const runs = Math.max(3, Math.ceil(RUNS / 3));
  for (let i = 0; i < runs; i++) {
    checkoutAdd.push(timeMs(process.execPath, [KIP, ...add], tmp));
    writeFileSync(stack, source);
    distAdd.push(timeMs(process.execPath, [distLauncher, ...add], tmp));
    if (!readFileSync(stack, "utf8").includes('extra: { image: "ghcr.io/acme/extra:1.0.0"'))
      throw new Error("app not added");
    writeFileSync(stack, source);
  }
  console.log(
    `\n2. kip app add on a stack of 200 apps (${(source.length / 1024).toFixed(0)} KiB), whole command, ${runs} runs`,
  );
  const addRow = (name: string, ts: Timing[]) =>
    console.log(
      `   ${name.padEnd(30)} wall ${fmt(median(ts.map((t) => t.wall)))} median ${fmt(min(ts.map((t) => t.wall)))} min | ` +
        `cpu ${fmt(median(ts.map((t) => t.cpu)))} median ${fmt(min(ts.map((t) => t.cpu)))} min`,
    );
  addRow("package (dist/)", distAdd);
  addRow("checkout (tsx)", checkoutAdd);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
