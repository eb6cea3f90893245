/**
 * The gateway process: open the registry, compose the control plane (control/), the data plane (proxy/) and the
 * HTTP server (server.ts), print one line when ready, and on SIGTERM/SIGINT stop taking connections, let in-flight
 * requests finish (up to --drain-timeout), then flush and close the registry.
 *
 * With `--workers N` (N > 1) the process becomes a node:cluster primary: it alone owns the registry (one writer) and
 * runs N workers that serve HTTP on the shared port (see control/ipc.ts for what travels between them).
 */
import cluster, { type Worker } from "node:cluster";
import { realpathSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { ConfigError, flagsFromArgs, type GatewayConfig, resolveConfig } from "./config.ts";
import { type ControlPlane, createControlPlane } from "./control/api.ts";
import { TrustedProxies } from "./control/client-address.ts";
import { ClusterRules } from "./control/clusters.ts";
import { PrimaryLink, type PrimaryMessage, runOperation, type WorkerMessage } from "./control/ipc.ts";
import {
  ControlCounters,
  type ControlSnapshot,
  renderMetrics,
  type StatsObject,
  snapshotControl,
  sumStats,
} from "./control/metrics.ts";
import type { ControlOperations } from "./control/outcome.ts";
import { type RateDecision, RateLimiter } from "./control/rate-limit.ts";
import { createDataPlane, type DataPlane } from "./proxy/data-plane.ts";
import { type ClusterLookup, Registry, RegistryReplica } from "./registry/registry.ts";
import { createGatewayServer } from "./server.ts";

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`skipper gateway: ${line}\n`);

function openRegistry(config: GatewayConfig): Registry {
  const registry = Registry.open(config.dataPath, {
    warn,
    onFatal: (err) => {
      // Memory and disk may now disagree; a restart reloads what is durable.
      warn(`${err.message}; exiting`);
      process.exit(70);
    },
  });
  return registry;
}

/** Expiry and rate-limiter housekeeping; returns a function that stops it. */
function housekeeping(rules: ClusterRules, limiter: RateLimiter, ttlMs: number): () => void {
  const every = Math.min(60_000, Math.max(50, Math.floor(ttlMs / 4)));
  const expiry = setInterval(() => {
    rules.expire().catch((err: Error) => warn(`expiry sweep failed: ${err.message}`));
  }, every);
  const sweep = setInterval(() => limiter.sweep(), 60_000);
  expiry.unref();
  sweep.unref();
  return () => {
    clearInterval(expiry);
    clearInterval(sweep);
  };
}

interface Serving {
  readonly server: Server;
  readonly data: DataPlane;
  readonly control: ControlPlane;
  readonly counters: ControlCounters;
  readonly port: number;
}

interface ServeParts {
  readonly lookup: ClusterLookup;
  readonly operations: ControlOperations;
  readonly limiter: { take(address: string): RateDecision | Promise<RateDecision> };
  /** Given this process's data plane and counters, render /metrics. */
  readonly metrics: (data: DataPlane, counters: ControlCounters) => Promise<string>;
}

async function serve(config: GatewayConfig, parts: ServeParts): Promise<Serving> {
  const trusted = new TrustedProxies(config.trustedProxies);
  const counters = new ControlCounters();
  const data = createDataPlane({
    baseDomain: config.baseDomain,
    lookup: parts.lookup,
    trustedProxies: (address) => trusted.has(address),
    allowPrivate: config.allowPrivate,
  });
  const control = await createControlPlane({
    operations: parts.operations,
    trusted,
    limiter: parts.limiter,
    counters,
    ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
    metrics: () => parts.metrics(data, counters),
  });
  const server = createGatewayServer({ baseDomain: config.baseDomain, control, data });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, data, control, counters, port: (server.address() as AddressInfo).port };
}

/** Stop accepting, let in-flight requests finish (closing keep-alive connections as they go idle), then close. */
async function drain(s: Serving, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => s.server.close(() => resolve()));
  const idle = setInterval(() => s.server.closeIdleConnections(), 50);
  s.server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  if ((await Promise.race([closed, late])) === "late") {
    warn(`requests still running after ${timeoutMs} ms; closing their connections`);
    s.server.closeAllConnections();
    // Upgraded sockets (WebSocket tunnels) are no longer the HTTP server's to close, yet keep it open: the data
    // plane closes them.
    await s.data.close();
    await closed;
  }
  clearTimeout(timer);
  clearInterval(idle);
  await s.data.close();
  await s.control.close();
}

function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        warn(`stopping after ${signal} failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
}

function readyLine(config: GatewayConfig, port: number, registry: Registry, workers: number): string {
  return (
    `skipper gateway ready: http://${config.host}:${port} base=${config.baseDomain} ` +
    `registrations=${registry.size} loaded_ms=${registry.report.millis.toFixed(0)} data=${config.dataPath} workers=${workers}`
  );
}

function makeRules(config: GatewayConfig, registry: Registry): ClusterRules {
  return new ClusterRules(registry, {
    baseDomain: config.baseDomain,
    allowPrivate: config.allowPrivate,
    ttlMs: config.heartbeatTtlMs,
    ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
  });
}

function registryFigures(registry: Registry) {
  return { compactions: registry.compactions, logBytes: registry.logBytes };
}

/** One process: registry, both planes and the server. */
async function runSingle(config: GatewayConfig): Promise<void> {
  const registry = openRegistry(config);
  const rules = makeRules(config, registry);
  const limiter = new RateLimiter(config.rateLimitPerMinute, config.rateLimitBurst);
  const stopHousekeeping = housekeeping(rules, limiter, config.heartbeatTtlMs);
  const serving = await serve(config, {
    lookup: registry.lookup,
    operations: rules,
    limiter,
    metrics: async (data, counters) =>
      renderMetrics({
        registrations: registry.size,
        events: { ...rules.counters },
        control: snapshotControl(counters),
        data: data.stats() as unknown as StatsObject,
        registry: registryFigures(registry),
        workers: 1,
      }),
  });
  onStopSignal(async () => {
    await drain(serving, config.drainTimeoutMs);
    stopHousekeeping();
    await registry.close();
    say("skipper gateway stopped: in-flight requests finished, registry flushed");
  });
  say(readyLine(config, serving.port, registry, 1));
}

/** The primary of a multi-process gateway: owns the registry, answers the workers. */
async function runPrimary(config: GatewayConfig): Promise<void> {
  const registry = openRegistry(config);
  const rules = makeRules(config, registry);
  const limiter = new RateLimiter(config.rateLimitPerMinute, config.rateLimitBurst);
  const stopHousekeeping = housekeeping(rules, limiter, config.heartbeatTtlMs);
  const subscribed = new Set<Worker>();
  const figures = new Map<number, { data: StatsObject; control: ControlSnapshot }>();
  const listening = new Set<number>();
  let stopping = false;
  let announced = false;

  const post = (w: Worker, m: PrimaryMessage) => {
    if (w.isConnected()) w.send(m);
  };
  registry.onChange((op) => {
    for (const w of subscribed) post(w, { t: "op", op });
  });
  const metrics = () => {
    const parts = [...figures.values()];
    return renderMetrics({
      registrations: registry.size,
      events: { ...rules.counters },
      control: sumStats(parts.map((p) => p.control as unknown as StatsObject)) as unknown as ControlSnapshot,
      data: sumStats(parts.map((p) => p.data)),
      registry: registryFigures(registry),
      workers: listening.size,
    });
  };
  const onMessage = (w: Worker, m: WorkerMessage) => {
    switch (m.t) {
      case "hello":
        post(w, { t: "state", records: Array.from(registry.values()) });
        subscribed.add(w);
        return;
      case "call":
        runOperation(rules, m.op, m.args).then(
          (value) => post(w, { t: "result", id: m.id, value }),
          (err: Error) => {
            warn(`control operation ${m.op} failed: ${err.message}`);
            post(w, { t: "result", id: m.id, value: { status: 500, body: { error: "internal error" } } });
          },
        );
        return;
      case "rate":
        post(w, { t: "result", id: m.id, value: limiter.take(m.address) });
        return;
      case "metrics":
        post(w, { t: "result", id: m.id, value: metrics() });
        return;
      case "stats":
        figures.set(w.id, { data: m.data, control: m.control });
        return;
      case "listening":
        listening.add(w.id);
        if (!announced && listening.size === config.workers) {
          announced = true;
          say(readyLine(config, m.port, registry, config.workers));
        }
        return;
    }
  };
  cluster.setupPrimary({ serialization: "advanced" });
  const fork = () => {
    const w = cluster.fork();
    w.on("message", (m: WorkerMessage) => onMessage(w, m));
  };
  cluster.on("exit", (w, code, signal) => {
    subscribed.delete(w);
    figures.delete(w.id);
    listening.delete(w.id);
    if (!stopping) {
      warn(`worker ${w.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    }
  });
  for (let i = 0; i < config.workers; i++) fork();
  onStopSignal(async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const exited = workers.map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once("exit", () => resolve()))),
    );
    for (const w of workers) post(w, { t: "drain" });
    const deadline = setTimeout(() => {
      for (const w of workers) w.process.kill("SIGKILL");
    }, config.drainTimeoutMs + 5000);
    await Promise.all(exited);
    clearTimeout(deadline);
    stopHousekeeping();
    await registry.close();
    say("skipper gateway stopped: workers drained, registry flushed");
  });
}

/** A worker of a multi-process gateway: serves HTTP with a replica of the registry. */
async function runWorker(config: GatewayConfig): Promise<void> {
  // The primary is the only writer; without it this worker must not keep serving stale routes. It may already be
  // gone if it died while this process was starting.
  process.on("disconnect", () => process.exit(1));
  if (!process.connected) process.exit(1);
  const replica = new RegistryReplica();
  let loaded: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    loaded = resolve;
  });
  let serving: Serving | undefined;
  let draining = false;
  const stop = async () => {
    if (draining) return;
    draining = true;
    if (serving) await drain(serving, config.drainTimeoutMs);
    process.exit(0);
  };
  const link = new PrimaryLink(process as unknown as ConstructorParameters<typeof PrimaryLink>[0], (m) => {
    if (m.t === "state") {
      replica.load(m.records);
      loaded();
    } else if (m.t === "op") replica.apply(m.op);
    else if (m.t === "drain") void stop();
  });
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  link.send({ t: "hello" });
  await ready;
  serving = await serve(config, {
    lookup: replica.lookup,
    operations: link.operations,
    limiter: link.limiter,
    metrics: () => link.metrics(),
  });
  const s = serving;
  const push = setInterval(() => {
    link.send({ t: "stats", data: s.data.stats() as unknown as StatsObject, control: snapshotControl(s.counters) });
  }, 1000);
  push.unref();
  link.send({ t: "listening", port: serving.port });
}

/** Run the gateway described by `config` until a stop signal. */
export async function runGateway(config: GatewayConfig): Promise<void> {
  if (config.workers <= 1) return runSingle(config);
  return cluster.isPrimary ? runPrimary(config) : runWorker(config);
}

/** True when this module is the program being run (the bundled gateway), not imported by `kip`. */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  try {
    await runGateway(resolveConfig(flagsFromArgs(process.argv.slice(2))));
  } catch (err) {
    warn(err instanceof ConfigError ? err.message : String((err as Error).stack ?? err));
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}
