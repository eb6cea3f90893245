/**
 * Prometheus text exposition of the gateway's counters. The control plane counts its own requests here; the data
 * plane's counters arrive as a plain object of numbers (nested one level for labelled series) and are rendered
 * under `skipper_gateway_data_*`, so this file does not depend on the data plane's internals.
 */

/** Numbers, or one level of label value → number (rendered as `{key="label"}`). */
export type StatsObject = Readonly<Record<string, number | Readonly<Record<string, number>>>>;

export class ControlCounters {
  /** Control-plane responses by status code. */
  readonly responses = new Map<number, number>();
  inFlight = 0;
  rateLimited = 0;

  countResponse(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
  }
}

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^a-zA-Z0-9_]/g, "_")
    .toLowerCase();
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Accumulates metric families and renders them. */
export class MetricsText {
  private readonly lines: string[] = [];

  family(
    name: string,
    type: "counter" | "gauge",
    help: string,
    samples: ReadonlyArray<readonly [Record<string, string>, number]>,
  ): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const keys = Object.keys(labels);
      const l = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(",")}}` : "";
      this.lines.push(`${name}${l} ${Number.isFinite(value) ? value : 0}`);
    }
    return this;
  }

  one(name: string, type: "counter" | "gauge", help: string, value: number): this {
    return this.family(name, type, help, [[{}, value]]);
  }

  /** Render a stats object as `prefix_<snake_key>` gauges (counters when the key ends in `total`). */
  stats(prefix: string, stats: StatsObject | undefined, labelName = "kind"): this {
    if (!stats) return this;
    for (const [key, value] of Object.entries(stats)) {
      const name = `${prefix}_${snake(key)}`;
      const type = name.endsWith("_total") ? "counter" : "gauge";
      if (typeof value === "number") this.one(name, type, `data plane ${key}`, value);
      else if (value && typeof value === "object") {
        this.family(
          name,
          type,
          `data plane ${key}`,
          Object.entries(value).map(([k, v]) => [{ [labelName]: k }, v] as const),
        );
      }
    }
    return this;
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** The control plane's counters as plain data (they travel from worker processes to the primary). */
export interface ControlSnapshot {
  readonly responses: Readonly<Record<string, number>>;
  readonly inFlight: number;
  readonly rateLimited: number;
}

export function snapshotControl(c: ControlCounters): ControlSnapshot {
  return { responses: Object.fromEntries(c.responses), inFlight: c.inFlight, rateLimited: c.rateLimited };
}

/** Add up snapshots of several processes (numbers, and one level of labelled numbers). */
export function sumStats<T extends StatsObject>(items: readonly T[]): T {
  const out: Record<string, number | Record<string, number>> = {};
  for (const item of items) {
    for (const [k, v] of Object.entries(item)) {
      if (typeof v === "number") out[k] = ((out[k] as number | undefined) ?? 0) + v;
      else {
        const into = (out[k] as Record<string, number> | undefined) ?? {};
        out[k] = into;
        for (const [lk, lv] of Object.entries(v)) into[lk] = (into[lk] ?? 0) + lv;
      }
    }
  }
  return out as T;
}

export interface GatewayFigures {
  readonly registrations: number;
  readonly events: Readonly<Record<string, number>>;
  readonly control: ControlSnapshot;
  readonly data?: StatsObject;
  readonly registry: { readonly compactions: number; readonly logBytes: number };
  readonly workers: number;
}

/** The data plane's counters that count failed upstream exchanges (gateway/proxy/data-plane.ts). */
const PROXY_ERROR_KEYS = ["connectFailuresTotal", "upstreamErrorsTotal", "upstreamTimeoutsTotal"] as const;

/** The whole /metrics page. */
export function renderMetrics(f: GatewayFigures): string {
  const m = new MetricsText()
    .one("skipper_gateway_registrations", "gauge", "Clusters registered now", f.registrations)
    .family(
      "skipper_gateway_registration_events_total",
      "counter",
      "Registry changes by kind (created, renewed, moved, heartbeats, released, expired, refused)",
      Object.entries(f.events).map(([event, n]) => [{ event }, n] as const),
    )
    .family(
      "skipper_gateway_requests_total",
      "counter",
      "Control-plane responses by status code",
      Object.entries(f.control.responses).map(([code, n]) => [{ plane: "control", code }, n] as const),
    )
    .family("skipper_gateway_in_flight", "gauge", "Requests in progress", [
      [{ plane: "control" }, f.control.inFlight],
      [{ plane: "data" }, typeof f.data?.["inFlight"] === "number" ? f.data["inFlight"] : 0],
    ])
    .one(
      "skipper_gateway_proxy_errors_total",
      "counter",
      "Proxied requests that failed upstream (connect failures, upstream errors, upstream timeouts)",
      PROXY_ERROR_KEYS.reduce((sum, k) => sum + (typeof f.data?.[k] === "number" ? f.data[k] : 0), 0),
    )
    .one(
      "skipper_gateway_rate_limited_total",
      "counter",
      "Control-plane requests refused with 429",
      f.control.rateLimited,
    )
    .one("skipper_gateway_registry_compactions_total", "counter", "Registry log compactions", f.registry.compactions)
    .one(
      "skipper_gateway_registry_log_bytes",
      "gauge",
      "Registry log bytes since the last snapshot",
      f.registry.logBytes,
    )
    .one("skipper_gateway_workers", "gauge", "Processes serving requests", f.workers)
    .stats("skipper_gateway_data", f.data);
  return m.toString();
}
