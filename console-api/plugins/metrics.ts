/**
 * Prometheus metrics (`prom-client`, a registry of the app's own): process defaults, requests by route and status,
 * request durations, logins by outcome, open log streams. `GET /metrics` is served by routes/health.ts.
 */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class ConsoleMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "skipper_console_http_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "skipper_console_http_request_duration_seconds",
    help: "Time to answer an HTTP request",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: "skipper_console_logins_total",
    help: "Login attempts by outcome (ok, denied, limited)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly logStreams = new Gauge({
    name: "skipper_console_log_streams",
    help: "Live log WebSockets open",
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: "skipper_console_" });
  }
}

export function recordRequests(app: FastifyInstance, metrics: ConsoleMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
