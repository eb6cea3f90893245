/**
 * Compose's `deploy.resources` → an app's `resources`. `reservations` are what the container is guaranteed
 * (Kubernetes requests), `limits` what it may use at most; `cpus` are cores (`0.5` → `500m`), memory takes Compose's
 * byte units, which are binary (`512M` = `512m` = `512mb` → `512Mi`). A limit without a reservation also becomes the
 * request, as Kubernetes itself defaults it. Anything else under `resources` (`pids`, `devices`,
 * `generic_resources`) and values that do not parse are reported; the validator judges the rest like any stack.
 */
import { isMap, isScalar, type YAMLMap } from "yaml";
import type { ResourcesSpec } from "../../core/spec.ts";
import type { Report } from "./import.ts";

const MEMORY = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i;
const MEMORY_UNITS: Readonly<Record<string, string>> = { k: "Ki", kb: "Ki", m: "Mi", mb: "Mi", g: "Gi", gb: "Gi" };

/** `0.5` or `"0.5"` cores as millicores, or undefined. */
function cpus(value: unknown): string | undefined {
  const cores = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(cores) || cores <= 0) return undefined;
  return `${Math.max(1, Math.round(cores * 1000))}m`;
}

/** A Compose byte value as a Kubernetes quantity, or undefined. */
function memory(value: unknown): string | undefined {
  const m = MEMORY.exec(String(value ?? "").trim());
  if (!m) return undefined;
  const unit = (m[2] ?? "b").toLowerCase();
  return unit === "b" ? m[1] : `${m[1]}${MEMORY_UNITS[unit]}`;
}

/** `node` is the `resources` mapping, `key` its key (the line a finding about the whole mapping points at). */
export function composeResources(
  node: YAMLMap,
  path: string,
  report: Report,
  key: unknown = node,
): ResourcesSpec | undefined {
  const found: Record<"reservations" | "limits", { cpu?: string; memory?: string }> = { reservations: {}, limits: {} };
  for (const pair of node.items) {
    const kind = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if ((kind !== "reservations" && kind !== "limits") || !isMap(pair.value)) {
      report(pair.key, `${path}.${kind}`, "not mapped");
      continue;
    }
    for (const item of pair.value.items) {
      const key = String(isScalar(item.key) ? item.key.value : item.key);
      const raw = isScalar(item.value) ? item.value.value : undefined;
      const at = `${path}.${kind}.${key}`;
      if (key === "cpus") {
        const v = cpus(raw);
        if (v) found[kind].cpu = v;
        else report(item.key, at, `${JSON.stringify(raw)} is not a number of cores such as 0.5; not mapped`);
      } else if (key === "memory") {
        const v = memory(raw);
        if (v) found[kind].memory = v;
        else report(item.key, at, `${JSON.stringify(raw)} is not a byte value such as 512M; not mapped`);
      } else report(item.key, at, "not mapped");
    }
  }
  const { reservations: want, limits: cap } = found;
  const out: { -readonly [K in keyof ResourcesSpec]: string } = {};
  const cpu = want.cpu ?? cap.cpu;
  const mem = want.memory ?? cap.memory;
  if (cpu) out.cpu = cpu;
  if (mem) out.memory = mem;
  if (cap.cpu) out.cpuLimit = cap.cpu;
  if (cap.memory) out.memoryLimit = cap.memory;
  if (Object.keys(out).length === 0) return undefined;
  const inherited = [!want.cpu && cap.cpu ? "cpu" : "", !want.memory && cap.memory ? "memory" : ""].filter(Boolean);
  report(
    key,
    path,
    `→ resources ${JSON.stringify(out)}${inherited.length ? ` (the ${inherited.join(" and ")} request equals the limit, as Kubernetes defaults it)` : ""}`,
    "mapped",
  );
  return out;
}
