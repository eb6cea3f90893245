/**
 * The gateway's program: read the configuration (flags and environment, see config.ts) and run the gateway until a
 * stop signal. One process (run/single.ts) unless `--workers N` (N > 1): then a node:cluster primary that owns the
 * registry (run/primary.ts) and N workers that serve HTTP (run/worker.ts). `kip gateway serve` calls `runGateway`;
 * the bundled gateway runs this file as its entry.
 */
import cluster from "node:cluster";
import { isMainModule } from "../core/main-module.ts";
import { ConfigError, flagsFromArgs, type GatewayConfig, resolveConfig } from "./config.ts";
import { warn } from "./run/lifecycle.ts";
import { runPrimary } from "./run/primary.ts";
import { runSingle } from "./run/single.ts";
import { runWorker } from "./run/worker.ts";

/** Run the gateway described by `config` until a stop signal. */
export async function runGateway(config: GatewayConfig): Promise<void> {
  if (config.workers <= 1) return runSingle(config);
  return cluster.isPrimary ? runPrimary(config) : runWorker(config);
}

if (isMainModule(import.meta.url)) {
  try {
    await runGateway(resolveConfig(flagsFromArgs(process.argv.slice(2))));
  } catch (err) {
    warn(err instanceof ConfigError ? err.message : String((err as Error).stack ?? err));
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}
