/**
 * `kip diff` for a person at a terminal: a one-line summary, then every changed object with its changed fields, every
 * host step that changed with a unified diff of its script, other resources and stack outputs. Colours come from the
 * caller's `Style` (none on a pipe or with NO_COLOR).
 */
import { NO_STYLE, type Style } from "../day2/terminal.ts";
import type { Change, DiffCounts, StackDiff } from "./compare.ts";
import type { FieldChange } from "./fields.ts";

/** Longest value shown inline before it is cut (the JSON output always has the whole value). */
export const VALUE_LIMIT = 160;

/** A value as one line: JSON, `(none)` when absent, cut at `limit` characters. */
export function showValue(v: unknown, limit = VALUE_LIMIT): string {
  if (v === undefined) return "(none)";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > limit ? `${s.slice(0, limit - 1)}…` : s;
}

/** `<old> → <new>` for a field change; a secret is `<secret>` on both sides, whatever else is known. */
export function showChange(f: FieldChange, limit = VALUE_LIMIT): string {
  if (f.secretChanged) return "<secret> → <secret> (changed; value not shown)";
  return `${showValue(f.old, limit)} → ${showValue(f.new, limit)}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** "2 objects added, 1 changed" (zeros left out), or "" when all are zero. */
function phrase(c: DiffCounts, noun: string): string {
  const parts: string[] = [];
  for (const change of ["added", "changed", "removed"] as const) {
    if (c[change] === 0) continue;
    parts.push(parts.length === 0 ? `${plural(c[change], noun)} ${change}` : `${c[change]} ${change}`);
  }
  return parts.join(", ");
}

/** The one-line summary both renderings start with. */
export function summaryLine(d: StackDiff): string {
  if (!d.changed) return "No changes.";
  const runsAgain = d.scripts.filter((s) => s.runsAgain).length;
  const parts = [
    phrase(d.counts.objects, "Kubernetes object"),
    phrase(d.counts.scripts, "host step") + (runsAgain > 0 ? ` (${runsAgain} will run again)` : ""),
    d.counts.outputs > 0 ? `${plural(d.counts.outputs, "stack output")} changed` : "",
    phrase(d.counts.resources, "other resource"),
  ].filter((p) => p !== "");
  return `${parts.join("; ")}.`;
}

export const MARK: Record<Change, string> = { added: "+", changed: "~", removed: "-" };

export function objectName(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

export function renderText(d: StackDiff, style: Style = NO_STYLE): string {
  const colour = (c: Change): ((s: string) => string) =>
    c === "added" ? style.green : c === "removed" ? style.red : style.yellow;
  const out: string[] = [];
  const base = `${d.base.ref} (${d.base.commit.slice(0, 12)})`;
  out.push(style.bold(`kip diff ${d.stackFile}: ${base} → working tree`));
  if (!d.base.stackFound) out.push(style.dim(`(${d.stackFile} does not exist at ${d.base.ref}: everything is new)`));
  out.push(summaryLine(d));
  const fields = (list: readonly FieldChange[] | undefined): void => {
    for (const f of list ?? []) out.push(`      ${f.path}: ${showChange(f)}`);
  };
  if (d.objects.length > 0) {
    out.push("", style.bold("Kubernetes objects"));
    for (const o of d.objects) {
      out.push(`  ${colour(o.change)(`${MARK[o.change]} ${objectName(o)}`)}  ${style.dim(`(${o.component})`)}`);
      fields(o.fields);
    }
  }
  if (d.scripts.length > 0) {
    out.push("", style.bold("Host steps"));
    for (const s of d.scripts) {
      const note = s.change === "removed" ? "no longer run" : s.runsAgain ? "runs again at the next up" : "";
      out.push(
        `  ${colour(s.change)(`${MARK[s.change]} ${s.host} ${s.step}`)}${note ? `  ${style.dim(`(${note})`)}` : ""}`,
      );
      for (const p of s.parts) {
        if (p.secret) {
          out.push(`      ${p.file}: ${p.change} (secret; content not shown)`);
          continue;
        }
        for (const line of (p.patch ?? "").trimEnd().split("\n")) {
          const painted = line.startsWith("+") ? style.green(line) : line.startsWith("-") ? style.red(line) : line;
          out.push(`      ${line.startsWith("@@") ? style.cyan(line) : painted}`);
        }
      }
    }
  }
  if (d.resources.length > 0) {
    out.push("", style.bold("Other resources"));
    for (const r of d.resources) {
      out.push(`  ${colour(r.change)(`${MARK[r.change]} ${r.type} ${r.name}`)}`);
      fields(r.fields);
    }
  }
  if (d.outputs.length > 0) {
    out.push("", style.bold("Stack outputs"));
    for (const f of d.outputs) out.push(`  ~ ${f.path}: ${showChange(f)}`);
  }
  return `${out.join("\n")}\n`;
}
