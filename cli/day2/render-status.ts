/**
 * `kip status` for a terminal: nodes, apps (ready/desired replicas, state, URLs), services, and each failing pod
 * with its reason and what to do. Plain columns; colour only through the given `Style`.
 */
import type { AppView, ServiceView } from "../../core/console/api.ts";
import type { StatusReport } from "./cluster.ts";
import { NO_STYLE, type Style } from "./terminal.ts";

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return rows.map((r) =>
    `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")}`.trimEnd(),
  );
}

function replicas(w: AppView | ServiceView): string {
  const r = w.replicas;
  const declared =
    r.declared !== null && r.declared !== undefined && r.declared !== r.desired ? ` (stack: ${r.declared})` : "";
  return `${r.ready}/${r.desired}${declared}`;
}

export function renderStatus(s: StatusReport, style: Style = NO_STYLE): string {
  const state = (v: string): string =>
    v === "running" ? style.green(v) : v === "failed" ? style.red(v) : v === "stopped" ? style.dim(v) : style.yellow(v);
  const out: string[] = [style.bold(`Nodes (${s.nodes.length})`)];
  out.push(
    ...table([
      ["NAME", "READY", "ROLES", "VERSION"],
      ...s.nodes.map((n) => [n.name, n.ready ? "yes" : "no", n.roles.join(",") || "-", n.kubeletVersion ?? "-"]),
    ]),
  );
  out.push("", style.bold(`Apps (${s.apps.length})`));
  if (s.apps.length === 0) out.push("  none");
  else {
    out.push(
      ...table([
        ["PROJECT", "APP", "READY", "STATE", "URL"],
        ...s.apps.map((a) => [a.project, a.name, replicas(a), a.state, a.urls.join(" ") || "-"]),
      ]).map((line, i) =>
        i === 0 ? line : line.replace(/\b(running|progressing|degraded|failed|stopped)\b/, (m) => state(m)),
      ),
    );
  }
  out.push("", style.bold(`Services (${s.services.length})`));
  if (s.services.length === 0) out.push("  none");
  else {
    out.push(
      ...table([
        ["PROJECT", "SERVICE", "ENGINE", "READY", "STATE"],
        ...s.services.map((v) => [
          v.project,
          v.name,
          `${v.engine}${v.version ? ` ${v.version}` : ""}`,
          replicas(v),
          v.state,
        ]),
      ]),
    );
  }
  out.push("", style.bold(`Failures (${s.failures.length})`));
  if (s.failures.length === 0) out.push("  none");
  for (const f of s.failures) {
    out.push(`  ${style.red(f.reason)} ${f.project}/${f.pod} (${f.kind} ${f.workload}): ${f.message}`);
  }
  return `${out.join("\n")}\n`;
}
