/**
 * Serving HTTP in one process: the control plane, the data plane and the server in front of them, with this
 * process's metrics; and draining them on the way out.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayConfig } from "../config.ts";
import { type ControlPlane, createControlPlane } from "../control/api.ts";
import { TrustedProxies } from "../control/client-address.ts";
import { ControlCounters, ServingMetrics } from "../control/metrics.ts";
import type { ControlOperations } from "../control/outcome.ts";
import type { RateDecision } from "../control/rate-limit.ts";
import { createDataPlane, type DataPlane } from "../proxy/data-plane.ts";
import type { ClusterLookup } from "../registry/registry.ts";
import { createGatewayServer } from "../server.ts";
import { warn } from "./lifecycle.ts";

export interface Serving {
  readonly server: Server;
  readonly data: DataPlane;
  readonly control: ControlPlane;
  readonly metrics: ServingMetrics;
  readonly port: number;
}

export interface ServeParts {
  readonly lookup: ClusterLookup;
  readonly operations: ControlOperations;
  readonly limiter: { take(address: string): RateDecision | Promise<RateDecision> };
  /** Render /metrics, given this process's own metrics. */
  readonly metrics: (own: ServingMetrics) => Promise<string>;
}

export async function serve(config: GatewayConfig, parts: ServeParts): Promise<Serving> {
  const trusted = new TrustedProxies(config.trustedProxies);
  const counters = new ControlCounters();
  const data = createDataPlane({
    baseDomain: config.baseDomain,
    lookup: parts.lookup,
    trustedProxies: (address) => trusted.has(address),
    allowPrivate: config.allowPrivate,
  });
  const metrics = new ServingMetrics(counters, () => data.stats() as unknown as Record<string, number>);
  const control = await createControlPlane({
    operations: parts.operations,
    trusted,
    limiter: parts.limiter,
    counters,
    ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
    metrics: () => parts.metrics(metrics),
  });
  const server = createGatewayServer({
    baseDomain: config.baseDomain,
    control,
    data,
    observe: (plane, seconds) => metrics.observe(plane, seconds),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, data, control, metrics, port: (server.address() as AddressInfo).port };
}

/** Stop accepting, let in-flight requests finish (closing keep-alive connections as they go idle), then close. */
export async function drain(s: Serving, timeoutMs: number): Promise<void> {
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
