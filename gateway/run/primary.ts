/**
 * The primary of a multi-process gateway (`--workers N`): it alone owns the registry (one writer), runs N workers
 * that serve HTTP on the shared port, carries out their control-plane operations, feeds their registry replicas,
 * and answers /metrics by summing the workers' figures (prom-client's AggregatorRegistry) and adding its own.
 * See control/ipc.ts for what travels between them.
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { GatewayConfig } from "../config.ts";
import { type PrimaryMessage, runOperation, type WorkerMessage } from "../control/ipc.ts";
import { onStopSignal, readyLine, say, warn } from "./lifecycle.ts";
import { openOwner } from "./owner.ts";

export async function runPrimary(config: GatewayConfig): Promise<void> {
  const owner = openOwner(config);
  const { registry, rules, limiter } = owner;
  const subscribed = new Set<Worker>();
  const listening = new Set<number>();
  const aggregator = new AggregatorRegistry();
  const ownMetrics = owner.metrics(() => listening.size);
  let stopping = false;
  let announced = false;

  const post = (w: Worker, m: PrimaryMessage) => {
    if (w.isConnected()) w.send(m);
  };
  registry.onChange((op) => {
    for (const w of subscribed) post(w, { t: "op", op });
  });
  const metrics = async () => (await aggregator.clusterMetrics()) + (await ownMetrics.metrics());
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
        metrics().then(
          (value) => post(w, { t: "result", id: m.id, value }),
          (err: Error) => {
            warn(`gathering metrics failed: ${err.message}`);
            post(w, { t: "result", id: m.id, value: `# gathering metrics failed: ${err.message}\n` });
          },
        );
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
    await owner.close();
    say("skipper gateway stopped: workers drained, registry flushed");
  });
}
