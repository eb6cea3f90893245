/**
 * The gateway's Prometheus metrics, with prom-client.
 *
 * Two sets, by who holds the figures:
 * - `ServingMetrics`, in every process that serves HTTP: both planes' requests, responses, in-flight counts and
 *   latency histograms, and the data plane's counters. Under `--workers`, each worker has its own and the primary
 *   sums them with prom-client's `AggregatorRegistry` (counters, gauges and histogram buckets add up).
 * - `ownerMetrics`, in the process that owns the registry (the only process, or the primary): registrations,
 *   registry events, compactions, log size, workers.
 * Counters that the planes already keep (plain numbers on their hot paths) are read when /metrics is scraped.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The control plane's own counters (api.ts keeps them). */
export class ControlCounters {
  /** Control-plane responses by status code. */
  readonly responses = new Map<number, number>();
  inFlight = 0;
  rateLimited = 0;

  countResponse(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
  }
}

export type Plane = "data" | "control";

/** Request latency buckets, in seconds: from a cached 404 to a slow upstream. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The data plane's counters that count failed upstream exchanges (see gateway/proxy/data-plane.ts). */
const PROXY_ERROR_KEYS = ["connectFailuresTotal", "upstreamErrorsTotal", "upstreamTimeoutsTotal"] as const;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** A counter whose value is read from `value()` at scrape time. */
function readCounter(registry: Registry, name: string, help: string, value: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

/** A gauge whose value is read from `value()` at scrape time. */
function readGauge(registry: Registry, name: string, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(value());
    },
  });
}

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<"plane">;

  /** `data()` reads the data plane's counters (numbers; names ending in `Total` are counters). */
  constructor(control: ControlCounters, data: () => Readonly<Record<string, number>>) {
    const r = this.registry;
    this.latency = new Histogram({
      name: "skipper_gateway_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response, by plane",
      labelNames: ["plane"],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    new Counter({
      name: "skipper_gateway_requests_total",
      help: "Control-plane responses by status code",
      labelNames: ["plane", "code"],
      registers: [r],
      collect() {
        this.reset();
        for (const [code, n] of control.responses) this.inc({ plane: "control", code: String(code) }, n);
      },
    });
    new Gauge({
      name: "skipper_gateway_in_flight",
      help: "Requests in progress",
      labelNames: ["plane"],
      registers: [r],
      collect() {
        this.set({ plane: "control" }, control.inFlight);
        this.set({ plane: "data" }, data()["inFlight"] ?? 0);
      },
    });
    readCounter(
      r,
      "skipper_gateway_rate_limited_total",
      "Control-plane requests refused with 429",
      () => control.rateLimited,
    );
    readCounter(
      r,
      "skipper_gateway_proxy_errors_total",
      "Proxied requests that failed upstream (connect failures, upstream errors, upstream timeouts)",
      () => PROXY_ERROR_KEYS.reduce((sum, k) => sum + (data()[k] ?? 0), 0),
    );
    for (const key of Object.keys(data())) {
      const name = `skipper_gateway_data_${snake(key)}`;
      const help = `data plane ${key}`;
      if (key.endsWith("Total")) readCounter(r, name, help, () => data()[key] ?? 0);
      else readGauge(r, name, help, () => data()[key] ?? 0);
    }
  }

  /** Record one request's latency. */
  observe(plane: Plane, seconds: number): void {
    this.latency.observe({ plane }, seconds);
  }
}

/** What the registry's owner reports. */
export interface OwnerFigures {
  registrations(): number;
  events(): Readonly<Record<string, number>>;
  /** Proof-of-address challenges by result (passed, or why they failed). */
  proofs(): Readonly<Record<string, number>>;
  proofsInFlight(): number;
  compactions(): number;
  logBytes(): number;
  workers(): number;
}

/** The registry owner's metrics (one process holds them, so they are never summed). */
export function ownerMetrics(f: OwnerFigures): Registry {
  const r = new Registry();
  readGauge(r, "skipper_gateway_registrations", "Clusters registered now", f.registrations);
  new Counter({
    name: "skipper_gateway_registration_events_total",
    help: "Registry changes by kind (created, renewed, moved, heartbeats, released, expired, refused)",
    labelNames: ["event"],
    registers: [r],
    collect() {
      this.reset();
      for (const [event, n] of Object.entries(f.events())) this.inc({ event }, n);
    },
  });
  new Counter({
    name: "skipper_gateway_address_proofs_total",
    help: "Proof-of-address challenges by result (passed, unreachable, timeout, redirect, status, too-large, bad-signature, busy)",
    labelNames: ["result"],
    registers: [r],
    collect() {
      this.reset();
      for (const [result, n] of Object.entries(f.proofs())) this.inc({ result }, n);
    },
  });
  readGauge(r, "skipper_gateway_address_proofs_in_flight", "Proof-of-address challenges running now", f.proofsInFlight);
  readCounter(r, "skipper_gateway_registry_compactions_total", "Registry log compactions", f.compactions);
  readGauge(r, "skipper_gateway_registry_log_bytes", "Registry log bytes since the last snapshot", f.logBytes);
  readGauge(r, "skipper_gateway_workers", "Processes serving requests", f.workers);
  return r;
}
