/**
 * A worker of a multi-process gateway: serves HTTP with a replica of the registry that the primary keeps up to
 * date, sends control-plane operations to the primary, and answers the primary's requests for its metrics.
 */
import { AggregatorRegistry } from "prom-client";
import type { GatewayConfig } from "../config.ts";
import { PrimaryLink } from "../control/ipc.ts";
import { RegistryReplica } from "../registry/registry.ts";
import { drain, type Serving, serve } from "./serve.ts";

export async function runWorker(config: GatewayConfig): Promise<void> {
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
  // Constructing an AggregatorRegistry in a worker makes prom-client answer the primary's requests for metrics,
  // from the registries named here.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([serving.metrics.registry]);
  link.send({ t: "listening", port: serving.port });
}
