/** The gateway in one process: it owns the registry and serves both planes. */
import { Registry as MetricsRegistry } from "prom-client";
import type { GatewayConfig } from "../config.ts";
import { onStopSignal, readyLine, say } from "./lifecycle.ts";
import { openOwner } from "./owner.ts";
import { drain, serve } from "./serve.ts";

export async function runSingle(config: GatewayConfig): Promise<void> {
  const owner = openOwner(config);
  const ownMetrics = owner.metrics(() => 1);
  const serving = await serve(config, {
    lookup: owner.registry.lookup,
    operations: owner.rules,
    limiter: owner.limiter,
    metrics: (own) => MetricsRegistry.merge([ownMetrics, own.registry]).metrics(),
  });
  onStopSignal(async () => {
    await drain(serving, config.drainTimeoutMs);
    await owner.close();
    say("skipper gateway stopped: in-flight requests finished, registry flushed");
  });
  say(readyLine(config, serving.port, owner.registry, 1));
}
