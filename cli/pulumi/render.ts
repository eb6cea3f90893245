/**
 * A `pulumi preview` summary as a pull-request comment (`kip preview --markdown`) and as one line for a terminal.
 * Values are those of Pulumi's own JSON display, whose secrets are already blinded; they show as `<secret>`.
 */
import { assemble, code, DEFAULT_COMMENT_BUDGET, text } from "../diff/markdown.ts";
import { showValue } from "../diff/render-text.ts";
import type { PreviewOp, PreviewSummary, PropertyChange } from "./digest.ts";

/** The marker line that identifies kip's preview comment on a pull request. */
export const PREVIEW_MARKER = "<!-- kip-preview -->";

const VERB: Record<PreviewOp, string> = {
  create: "to create",
  update: "to update",
  replace: "to replace",
  delete: "to delete",
  import: "to import",
  read: "to read",
  refresh: "to refresh",
  discard: "to forget",
};
const ICON: Record<PreviewOp, string> = {
  create: "➕",
  update: "✏️",
  replace: "♻️",
  delete: "➖",
  import: "📥",
  read: "👁️",
  refresh: "🔄",
  discard: "🗑️",
};

/** "3 to create, 1 to replace." or "No changes." */
export function previewLine(s: PreviewSummary): string {
  const parts = (Object.keys(VERB) as PreviewOp[])
    .filter((op) => (s.counts[op] ?? 0) > 0)
    .map((op) => `${s.counts[op]} ${VERB[op]}`);
  return parts.length > 0 ? `${parts.join(", ")}.` : "No changes.";
}

function property(p: PropertyChange): string {
  const values =
    "old" in p || "new" in p ? `: ${code(`${showValue(p.old, 60)} → ${showValue(p.new, 60)}`)}` : ` (${p.kind})`;
  return `${code(p.path)}${values}${p.replaces ? " **forces replacement**" : ""}`;
}

export function renderPreviewMarkdown(s: PreviewSummary, stack: string, budget = DEFAULT_COMMENT_BUDGET): string {
  const ops = (Object.keys(VERB) as PreviewOp[]).filter((op) => (s.counts[op] ?? 0) > 0);
  const top = [
    PREVIEW_MARKER,
    `### kip preview · stack ${code(stack)}`,
    "",
    "Planned by the Pulumi engine (`pulumi preview`) against the stack's current state.",
    "",
    `**${previewLine(s)}**${s.errors.length > 0 ? ` **${s.errors.length} error(s).**` : ""}`,
    "",
  ];
  if (ops.length > 0) {
    top.push(
      `| ${ops.join(" | ")} |`,
      `|${ops.map(() => "--:").join("|")}|`,
      `| ${ops.map((op) => s.counts[op]).join(" | ")} |`,
      "",
    );
  }
  const result = assemble(
    top.join("\n"),
    [
      {
        title: `Diagnostics (${s.errors.length} errors, ${s.warnings.length} warnings)`,
        unit: "message",
        units: [...s.errors.map((m) => `- ❌ ${text(m)}`), ...s.warnings.map((m) => `- ⚠️ ${text(m)}`)],
      },
      {
        title: `Resources (${s.resources.length})`,
        unit: "resource",
        head: "| | type | name | properties |\n|:-:|---|---|---|\n",
        units: s.resources.map(
          (r) =>
            `| ${ICON[r.op]} ${r.op} | ${code(r.type)} | ${code(r.name)} | ${r.properties.slice(0, 12).map(property).join("<br>")}${r.properties.length > 12 ? `<br>… and ${r.properties.length - 12} more` : ""} |`,
        ),
      },
    ],
    budget,
    "Run `kip preview` to see everything.",
  );
  return result.body;
}
