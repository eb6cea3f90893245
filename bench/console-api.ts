/**
 * Console-api benchmark. Prints figures; asserts nothing.
 *
 * 1. Throughput and latency of `GET /api/v1/projects/bench/apps` for a project of 500 apps (Deployments with a Running
 *    pod and an Ingress each, in the in-memory Kubernetes API, run in a process of its own as an API server would
 *    be), with a valid access token, beside a bare Fastify route that returns the same JSON, in the same run and the
 *    same server process. The ratio is the console-api's overhead (authentication, project check, Kubernetes reads
 *    through the 1 s read cache and client-node's decoding, view building, schema serialisation).
 * 2. Idle RSS of the console-api as shipped: `console-api/main.ts` bundled with esbuild the way the stack bundles it,
 *    started with node against an in-memory Kubernetes API, measured after start and after a login and a listing.
 *
 *   node --import tsx bench/console-api.ts [--apps 500] [--seconds 5] [--connections 16]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    serve: { type: "boolean", default: false },
    kube: { type: "boolean", default: false },
    kubeconfig: { type: "string" },
    apps: { type: "string", default: "500" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "16" },
  },
});
const APPS = Number(flags.apps);
const PROJECT = "bench";
const ADMIN = { email: "bench@example.com", password: "benchmark-password-1" };

async function seedObjects() {
  const { LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_PROJECT, ANNOTATION_DECLARED_REPLICAS } = await import(
    "../core/labels.ts"
  );
  const objects: import("../core/k8s.ts").K8sObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "skipper-console" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: PROJECT, labels: { [LABEL_PROJECT]: PROJECT } } },
  ];
  for (let i = 0; i < APPS; i++) {
    const name = `app-${String(i).padStart(3, "0")}`;
    const selector = { [LABEL_INSTANCE]: name, [LABEL_MANAGED_BY]: "skipper" };
    objects.push(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: PROJECT, labels: selector, annotations: { [ANNOTATION_DECLARED_REPLICAS]: "1" } },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels: selector },
            spec: { containers: [{ name, image: `registry.example/${name}:1` }] },
          },
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name, namespace: PROJECT },
        spec: {
          rules: [
            {
              host: `${name}-c1.gw.example`,
              http: {
                paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
    );
  }
  return objects;
}

/** Child: the in-memory Kubernetes API (the test double) in a process of its own; prints its kubeconfig's path. */
async function serveKube(): Promise<void> {
  const { startMemoryKube } = await import("../console-api/memory-kube/index.ts");
  const kube = await startMemoryKube({ objects: await seedObjects(), simulateWorkloads: true });
  await new Promise((r) => setImmediate(r));
  const dir = join(REPO, "node_modules", ".cache", "skipper-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `kubeconfig-${process.pid}`);
  writeFileSync(file, kube.kubeconfig);
  process.stdout.write(`${JSON.stringify({ kubeconfig: file })}\n`);
  process.on("SIGTERM", () => process.exit(0));
}

/** Child: the console-api and the bare route in one process, against the kube child; prints where they are. */
async function serve(kubeconfig: string): Promise<void> {
  const Fastify = (await import("fastify")).default;
  const { createConsoleApp } = await import("../console-api/app.ts");
  const { generateSigningKey } = await import("../console-api/auth/tokens.ts");
  const { loadKubeConfig } = await import("../console-api/kube/client.ts");
  const { ensureFirstAdmin } = await import("../console-api/users/bootstrap.ts");
  const app = await createConsoleApp({
    kube: loadKubeConfig({ kind: "file", path: kubeconfig }),
    signingKey: generateSigningKey(),
    secureCookies: false,
    print: () => {},
    processMetrics: false,
  });
  await ensureFirstAdmin(app.console.users, ADMIN);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const consoleUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const login = await fetch(`${consoleUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const payload = await (
    await fetch(`${consoleUrl}/api/v1/projects/${PROJECT}/apps`, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
  ).json();
  const bare = Fastify({ logger: false });
  bare.get("/apps", async () => payload);
  await bare.listen({ port: 0, host: "127.0.0.1" });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
  process.stdout.write(
    `${JSON.stringify({ consoleUrl, bareUrl, accessToken, apps: (payload as { apps: unknown[] }).apps.length })}\n`,
  );
  process.on("SIGTERM", () => process.exit(0));
}

interface Load {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly bytes: number;
  readonly errors: number;
}

/** `connections` keep-alive clients requesting `url` back to back for `seconds`. */
async function load(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let bytes = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request(url, { agent, headers }, (res) => {
        res.on("data", (d: Buffer) => {
          bytes += d.length;
        });
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - started);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    bytes,
    errors,
  };
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`${what}: no line matching ${pattern} in 240 s; got ${out}`)),
      60_000,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${out}`)));
  });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? "0");
  return kb / 1024;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function throughput(): Promise<void> {
  const seconds = Number(flags.seconds);
  const connections = Number(flags.connections);
  const kube = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--kube", "--apps", String(APPS)],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const { kubeconfig } = JSON.parse(await waitForLine(kube, /^\{/, "in-memory Kubernetes API")) as {
    kubeconfig: string;
  };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--serve", "--kubeconfig", kubeconfig],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const ready = JSON.parse(await waitForLine(child, /^\{/, "bench server")) as {
      consoleUrl: string;
      bareUrl: string;
      accessToken: string;
      apps: number;
    };
    const auth = { authorization: `Bearer ${ready.accessToken}` };
    const consoleUrl = `${ready.consoleUrl}/api/v1/projects/${PROJECT}/apps`;
    const bareUrl = `${ready.bareUrl}/apps`;
    // Warm both (JIT, caches), then measure each in turn.
    await load(bareUrl, {}, 1, connections);
    await load(consoleUrl, auth, 1, connections);
    const bare = await load(bareUrl, {}, seconds, connections);
    const api = await load(consoleUrl, auth, seconds, connections);
    const row = (name: string, r: Load) =>
      `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99
        .toFixed(1)
        .padStart(6)} ms   ${(r.bytes / r.requests / 1024).toFixed(0)} KiB/response   errors ${r.errors}`;
    console.log(
      `GET /api/v1/projects/${PROJECT}/apps, ${ready.apps} apps, ${connections} connections, ${seconds} s each`,
    );
    console.log(row("bare Fastify route, same JSON", bare));
    console.log(row("console-api (auth, k8s reads, views)", api));
    console.log(
      `console-api / bare: ${(api.perSecond / bare.perSecond).toFixed(2)} of the throughput, p99 ×${(api.p99 / bare.p99).toFixed(2)}`,
    );
  } finally {
    child.kill("SIGTERM");
    kube.kill("SIGTERM");
  }
}

/** The console-api bundled as the stack bundles it (esbuild, minified, argon2's platform packages external). */
async function writeBundle(): Promise<string> {
  const { bundleEntry } = await import("../components/code-bundle.ts");
  const started = performance.now();
  const bundle = bundleEntry({ entry: "console-api/main.ts", external: ["@node-rs/argon2-*"] });
  const dir = join(REPO, "node_modules", ".cache", "skipper-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "console-api.mjs");
  writeFileSync(file, bundle.code);
  console.log(
    `bundle: ${(Buffer.byteLength(bundle.code) / 1024).toFixed(0)} KiB (esbuild, minified) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return file;
}

async function bundledRss(file: string, nodeFlags: readonly string[]): Promise<void> {
  const { startMemoryKube } = await import("../console-api/memory-kube/index.ts");
  const dir = join(REPO, "node_modules", ".cache", "skipper-bench");
  const kube = await startMemoryKube({ objects: await seedObjects(), simulateWorkloads: true });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kube.kubeconfig);
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, file], {
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      KUBECONFIG: kubeconfig,
      SKIPPER_ADMIN_EMAIL: ADMIN.email,
      SKIPPER_ADMIN_PASSWORD: ADMIN.password,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await waitForLine(child, /listening on/, "bundled console-api");
    await new Promise((r) => setTimeout(r, 3000));
    const idle = rssMiB(child.pid!);
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    for (let i = 0; i < 20; i++) {
      await (
        await fetch(`${base}/api/v1/projects/${PROJECT}/apps`, { headers: { authorization: `Bearer ${accessToken}` } })
      ).arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 3000));
    const used = rssMiB(child.pid!);
    console.log(
      `bundled console-api RSS (node ${nodeFlags.join(" ") || "without flags"}): ${idle.toFixed(1)} MiB idle after start, ${used.toFixed(1)} MiB idle after a login (argon2id) and 20 listings of ${APPS} apps (target < 80 MiB)`,
    );
  } finally {
    child.kill("SIGTERM");
    await kube.close();
  }
}

if (flags.kube) await serveKube();
else if (flags.serve) await serve(flags.kubeconfig!);
else {
  console.log(`node ${process.version}, ${(await import("node:os")).cpus().length} CPUs`);
  await throughput();
  const file = await writeBundle();
  await bundledRss(file, []);
  await bundledRss(file, ["--max-semi-space-size=1", "--optimize-for-size"]);
}
