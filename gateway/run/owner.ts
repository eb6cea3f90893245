/**
 * The process that owns the registry (the only process, or the primary under `--workers`): it opens the durable
 * registry, applies the control plane's rules to it, expires silent clusters, keeps the rate limiter tidy, and
 * reports the registry's figures.
 */
import type { GatewayConfig } from "../config.ts";
import { ClusterRules } from "../control/clusters.ts";
import { ownerMetrics } from "../control/metrics.ts";
import { RateLimiter } from "../control/rate-limit.ts";
import { Registry } from "../registry/registry.ts";
import { warn } from "./lifecycle.ts";

export interface Owner {
  readonly registry: Registry;
  readonly rules: ClusterRules;
  readonly limiter: RateLimiter;
  /** The owner's metrics registry; `workers` tells how many processes serve requests. */
  metrics(workers: () => number): ReturnType<typeof ownerMetrics>;
  /** Stop the housekeeping timers and close the registry (flushing it). */
  close(): Promise<void>;
}

export function openOwner(config: GatewayConfig): Owner {
  const registry = Registry.open(config.dataPath, {
    warn,
    onFatal: (err) => {
      // Memory and disk may now disagree; a restart reloads what is durable.
      warn(`${err.message}; exiting`);
      process.exit(70);
    },
  });
  const rules = new ClusterRules(registry, {
    baseDomain: config.baseDomain,
    allowPrivate: config.allowPrivate,
    ttlMs: config.heartbeatTtlMs,
    ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
    proof: { timeoutMs: config.proofTimeoutMs, maxInFlight: config.proofMaxInFlight },
  });
  const limiter = new RateLimiter(config.rateLimitPerMinute, config.rateLimitBurst);
  const every = Math.min(60_000, Math.max(50, Math.floor(config.heartbeatTtlMs / 4)));
  const expiry = setInterval(() => {
    rules.expire().catch((err: Error) => warn(`expiry sweep failed: ${err.message}`));
  }, every);
  const sweep = setInterval(() => limiter.sweep(), 60_000);
  expiry.unref();
  sweep.unref();
  return {
    registry,
    rules,
    limiter,
    metrics: (workers) =>
      ownerMetrics({
        registrations: () => registry.size,
        events: () => ({ ...rules.counters }),
        proofs: () => ({ ...rules.proofs.counts }),
        proofsInFlight: () => rules.proofs.inFlight,
        compactions: () => registry.compactions,
        logBytes: () => registry.logBytes,
        workers,
      }),
    async close() {
      clearInterval(expiry);
      clearInterval(sweep);
      await registry.close();
    },
  };
}
