/**
 * Gateway data plane vs nginx, side by side, on loopback.
 *
 *   node --import tsx bench/gateway-proxy.ts [--duration 5] [--rounds 2] [--quick] [--only http|ws]
 *                                            [--ws-connections 50]
 *
 * Needs `nginx` and `wrk` (Debian: apt-get install nginx wrk) and `taskset`. Layout on a 2-core machine: the proxy
 * under test (Skipper's data plane, or nginx with one worker) is pinned to core 1; the load generator (wrk, or the
 * WebSocket client below) and the shared upstreams (nginx `return 200` for HTTP, a `ws` echo server for WebSocket)
 * are pinned to core 0. Both proxies get the same Host → upstream map and keep-alive to the upstream. Every process is
 * started here and stopped by PID; configs live in a temp dir; ports are on 127.0.0.1.
 *
 * The gateway runs as it does in production: the data plane behind `gateway/server.ts`'s node:http server with the
 * same client limits, bundled into one ES module by esbuild and started with plain `node` (no TypeScript loader, which
 * alone would add ~30 MB of RSS). Its control plane is a stub: the registry is a fixed map here.
 *
 * Each measurement alternates nginx and the gateway, `--rounds` times (default 2), and keeps each side's best run,
 * which damps noise from other work on the machine. Prints requests/s, p50/p99 latency and proxy CPU per request at 50
 * and 200 connections, WebSocket echo messages/s, and the gateway's RSS, each with the ratio to nginx.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import type http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket, { WebSocketServer } from "ws";

const BASE = "bench.test";
const HTTP_HOST = `hello--web.${BASE}`;
const WS_HOST = `echo--sock.${BASE}`;
const PROXY_CORE = "1";
const LOAD_CORE = "0";
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

// ---------------------------------------------------------------------------------------------------------------
// Child modes: this file also runs the gateway proxy, the WebSocket echo upstream and the WebSocket load client.

async function serveGateway(port: number, webPort: number, sockPort: number): Promise<void> {
  const { createDataPlane } = await import("../gateway/proxy/data-plane.ts");
  const { createGatewayServer } = await import("../gateway/server.ts");
  const clusters = new Map([
    ["web", { ip: "127.0.0.1", port: webPort }],
    ["sock", { ip: "127.0.0.1", port: sockPort }],
  ]);
  const plane = createDataPlane({
    baseDomain: BASE,
    lookup: (id) => clusters.get(id),
    trustedProxies: () => false,
    allowPrivate: true,
    // wrk keeps up to 200 connections busy on one cluster; the production default (128) would answer 503.
    limits: { maxInFlightPerCluster: 1024 },
  });
  const control = {
    handle(_req: http.IncomingMessage, res: http.ServerResponse) {
      res.writeHead(404).end();
    },
    async close() {},
  };
  const server = createGatewayServer({ baseDomain: BASE, control, data: plane });
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
}

function serveEcho(port: number): void {
  const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
  wss.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(data, { binary })));
  process.on("SIGTERM", () => process.exit(0));
}

/** Each connection sends a 64-byte message and waits for its echo, again and again; prints messages/s as JSON. */
async function wsLoad(port: number, connections: number, seconds: number): Promise<void> {
  const payload = Buffer.alloc(64, 120);
  let count = 0;
  let running = true;
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host: WS_HOST }, perMessageDeflate: false });
          ws.on("open", () => resolve(ws));
          ws.on("error", reject);
        }),
    ),
  );
  const warm = 500;
  for (const ws of sockets) {
    ws.on("message", () => {
      count++;
      if (running) ws.send(payload);
    });
    ws.send(payload);
  }
  await sleep(warm);
  const start = count;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const messages = count - start;
  const elapsed = (performance.now() - t0) / 1000;
  running = false;
  for (const ws of sockets) ws.terminate();
  process.stdout.write(`${JSON.stringify({ messagesPerSec: messages / elapsed })}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function need(binary: string, hint: string): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const p = path.join(dir, binary);
    if (fs.existsSync(p)) return p;
  }
  console.error(`bench/gateway-proxy.ts: '${binary}' was not found on PATH. ${hint}`);
  process.exit(2);
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Bundle this file (and what it imports) like the production gateway is bundled; returns the .mjs path. */
async function bundleSelf(dir: string): Promise<string> {
  const { buildSync } = await import("esbuild");
  const outfile = path.join(dir, "gateway-bench.mjs");
  buildSync({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    external: ["esbuild"],
    outfile,
    logLevel: "error",
    // CommonJS dependencies (ws) require Node built-ins; an ES module bundle needs a require to offer them.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  });
  return outfile;
}

const children: ChildProcess[] = [];

function start(core: string, command: string, args: string[], name: string): ChildProcess {
  const child = spawn("taskset", ["-c", core, command, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-2000);
  });
  child.on("exit", (code, signal) => {
    if (code && code !== 0 && !stopping) console.error(`${name} exited with ${code ?? signal}: ${err.trim()}`);
  });
  return child;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {}
    }
  }
  await sleep(200);
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {}
    }
  }
}

/** CPU seconds (user + system) used so far by a process and its threads, from /proc. */
function cpuSeconds(pids: number[]): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {}
  }
  return total;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** nginx master and worker PIDs (the worker does the proxying). */
function nginxPids(master: number): number[] {
  const kids = execFileSync("pgrep", ["-P", String(master)], { encoding: "utf8" })
    .trim()
    .split("\n")
    .filter(Boolean);
  return [master, ...kids.map(Number)];
}

function nginxConfig(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.conf`);
  const temp = (t: string) => `${t}_temp_path ${path.join(dir, `${name}-${t}`)};`;
  fs.writeFileSync(
    file,
    `# written by bench/gateway-proxy.ts
worker_processes 1;
daemon off;
pid ${path.join(dir, `${name}.pid`)};
error_log ${path.join(dir, `${name}-error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  keepalive_requests 1000000;
${body}
}
`,
  );
  return file;
}

function upstreamConfig(dir: string, port: number): string {
  return nginxConfig(
    dir,
    "upstream",
    `  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "hello from the bench upstream\\n"; }
  }`,
  );
}

/** nginx as the reference reverse proxy: the same Host → upstream map as the gateway, keep-alive upstreams. */
function proxyConfig(dir: string, port: number, webPort: number, sockPort: number): string {
  const base = BASE.replaceAll(".", "\\.");
  return nginxConfig(
    dir,
    "proxy",
    `  upstream web { server 127.0.0.1:${webPort}; keepalive 256; }
  upstream sock { server 127.0.0.1:${sockPort}; keepalive 256; }
  map $host $cluster {
    default "";
    "~^([a-z0-9-]+--)?web\\.${base}$" web;
    "~^([a-z0-9-]+--)?sock\\.${base}$" sock;
  }
  map $http_upgrade $upstream_connection { default upgrade; "" ""; }
  server {
    listen 127.0.0.1:${port};
    location / {
      if ($cluster = "") { return 404; }
      proxy_pass http://$cluster;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Connection $upstream_connection;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_read_timeout 600s;
    }
  }`,
  );
}

interface HttpResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuUsPerReq: number;
}

function parseLatency(text: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([0-9.]+)(us|ms|s)\\s*$`, "m").exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

async function runWrk(
  port: number,
  connections: number,
  seconds: number,
  cpuPids: () => number[],
): Promise<HttpResult> {
  const before = cpuSeconds(cpuPids());
  const out = await new Promise<string>((resolve, reject) => {
    const wrk = spawn(
      "taskset",
      [
        "-c",
        LOAD_CORE,
        "wrk",
        "-t1",
        `-c${connections}`,
        `-d${seconds}s`,
        "--latency",
        "-H",
        `Host: ${HTTP_HOST}`,
        `http://127.0.0.1:${port}/`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    wrk.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    wrk.on("error", reject);
    wrk.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const cpu = cpuSeconds(cpuPids()) - before;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
    [...out.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
  return {
    rps: Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1] ?? 0),
    p50: parseLatency(out, "50"),
    p99: parseLatency(out, "99"),
    errors,
    cpuUsPerReq: requests > 0 ? (cpu * 1e6) / requests : Number.NaN,
  };
}

let bundle = "";

async function runWsLoad(port: number, connections: number, seconds: number): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => {
    const args = [
      "-c",
      LOAD_CORE,
      process.execPath,
      bundle,
      "--ws-load",
      String(port),
      String(connections),
      String(seconds),
    ];
    const child = spawn("taskset", args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`WebSocket load client exited with ${code}`)),
    );
  });
  return (JSON.parse(out.trim().split("\n").pop()!) as { messagesPerSec: number }).messagesPerSec;
}

/** Alternate a and b `rounds` times; keep each side's best result by `score`. */
async function alternate<T>(
  rounds: number,
  a: () => Promise<T>,
  b: () => Promise<T>,
  score: (r: T) => number,
): Promise<[T, T]> {
  let bestA: T | undefined;
  let bestB: T | undefined;
  for (let i = 0; i < rounds; i++) {
    const ra = await a();
    if (bestA === undefined || score(ra) > score(bestA)) bestA = ra;
    const rb = await b();
    if (bestB === undefined || score(rb) > score(bestB)) bestB = rb;
  }
  return [bestA!, bestB!];
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i === -1 ? Number.NaN : Number(args[i + 1]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const duration = option(args, "--duration", quick ? 3 : 5);
  const rounds = option(args, "--rounds", quick ? 1 : 2);
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined; // "http" or "ws"
  const wsConns = option(args, "--ws-connections", 50);
  const nginx = need("nginx", "Install it with: apt-get install nginx");
  need("wrk", "Install it with: apt-get install wrk");
  need("taskset", "It is part of util-linux.");
  if (os.cpus().length < 2)
    console.error("note: fewer than 2 cores; proxy and load share a core, figures are not comparable");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skipper-bench-"));
  const [webPort, sockPort, nginxPort, gwPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  try {
    bundle = await bundleSelf(dir);
    start(
      LOAD_CORE,
      nginx,
      ["-p", dir, "-e", path.join(dir, "upstream-error.log"), "-c", upstreamConfig(dir, webPort)],
      "nginx upstream",
    );
    start(LOAD_CORE, process.execPath, [bundle, "--echo", String(sockPort)], "echo upstream");
    const ngx = start(
      PROXY_CORE,
      nginx,
      ["-p", dir, "-e", path.join(dir, "proxy-error.log"), "-c", proxyConfig(dir, nginxPort, webPort, sockPort)],
      "nginx proxy",
    );
    const gw = start(
      PROXY_CORE,
      process.execPath,
      [bundle, "--gateway", String(gwPort), String(webPort), String(sockPort)],
      "gateway",
    );
    await Promise.all([
      waitForPort(webPort, "nginx upstream"),
      waitForPort(sockPort, "echo upstream"),
      waitForPort(nginxPort, "nginx proxy"),
      waitForPort(gwPort, "gateway"),
    ]);
    await sleep(500);
    const idleRss = rssMb(gw.pid!);
    const ngxPids = () => nginxPids(ngx.pid!);
    const gwPids = () => [gw.pid!];

    console.log(
      `bench/gateway-proxy.ts: ${duration}s per run, best of ${rounds} alternating runs; ` +
        `proxy on core ${PROXY_CORE}, load + upstreams on core ${LOAD_CORE}; load average ${os.loadavg()[0]!.toFixed(2)}`,
    );
    // Warm both (JIT, keep-alive pools) before measuring.
    await runWrk(gwPort, 50, 2, gwPids);
    await runWrk(nginxPort, 50, 2, ngxPids);

    const rows: string[][] = [];
    const head = ["test", "nginx", "gateway", "gateway/nginx"];
    for (const c of only === "ws" ? [] : [50, 200]) {
      const [n, g] = await alternate(
        rounds,
        () => runWrk(nginxPort, c, duration, ngxPids),
        () => runWrk(gwPort, c, duration, gwPids),
        (r) => r.rps,
      );
      rows.push([`HTTP ${c} conns: req/s`, fmt(n.rps), fmt(g.rps), fmt(g.rps / n.rps, 2)]);
      rows.push([`HTTP ${c} conns: p50 ms`, fmt(n.p50, 2), fmt(g.p50, 2), fmt(g.p50 / n.p50, 2)]);
      rows.push([`HTTP ${c} conns: p99 ms`, fmt(n.p99, 2), fmt(g.p99, 2), fmt(g.p99 / n.p99, 2)]);
      rows.push([
        `HTTP ${c} conns: proxy CPU us/req`,
        fmt(n.cpuUsPerReq, 1),
        fmt(g.cpuUsPerReq, 1),
        fmt(g.cpuUsPerReq / n.cpuUsPerReq, 2),
      ]);
      if (n.errors + g.errors > 0) rows.push([`HTTP ${c} conns: errors`, String(n.errors), String(g.errors), ""]);
    }
    if (only !== "http") {
      const [nWs, gWs] = await alternate(
        rounds,
        () => runWsLoad(nginxPort, wsConns, duration),
        () => runWsLoad(gwPort, wsConns, duration),
        (r) => r,
      );
      rows.push([`WebSocket echo ${wsConns} conns: msgs/s`, fmt(nWs), fmt(gWs), fmt(gWs / nWs, 2)]);
    }
    rows.push(["gateway RSS MB, idle after start", "", fmt(idleRss, 1), ""]);
    rows.push(["gateway RSS MB, after the load", "", fmt(rssMb(gw.pid!), 1), ""]);
    console.log(`load average after: ${os.loadavg()[0]!.toFixed(2)}`);

    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(line(head));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) console.log(line(r));
  } finally {
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
if (mode === "--gateway") await serveGateway(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else if (mode === "--echo") serveEcho(Number(process.argv[3]));
else if (mode === "--ws-load") await wsLoad(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else {
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  await main();
}
