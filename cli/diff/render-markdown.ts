/**
 * `kip diff --markdown`: a pull-request comment. The summary table is always shown; objects, host steps, other
 * resources and outputs are each collapsed in `<details>`, and the whole stays under the size budget with a note of
 * what was cut. The first line is a marker the CI workflow uses to find and update its one comment.
 */
import type { Change, StackDiff } from "./compare.ts";
import type { FieldChange } from "./fields.ts";
import { assemble, code, DEFAULT_COMMENT_BUDGET, fenced, type Section } from "./markdown.ts";
import { objectName, showChange, summaryLine } from "./render-text.ts";

/** The marker line that identifies kip's diff comment on a pull request. */
export const DIFF_MARKER = "<!-- kip-diff -->";

const ICON: Record<Change, string> = { added: "➕", changed: "✏️", removed: "➖" };
/** Changed fields listed per object in the comment (the rest are counted). */
const FIELDS_PER_ROW = 12;
/** Value length in the comment. */
const VALUE_LIMIT = 80;
/** Longest patch shown for one host step. */
const PATCH_LIMIT = 12_000;

function fieldCell(fields: readonly FieldChange[] | undefined): string {
  if (!fields || fields.length === 0) return "";
  const shown = fields.slice(0, FIELDS_PER_ROW).map((f) => `${code(f.path)}: ${code(showChange(f, VALUE_LIMIT))}`);
  if (fields.length > FIELDS_PER_ROW) shown.push(`… and ${fields.length - FIELDS_PER_ROW} more`);
  return shown.join("<br>");
}

function countRow(label: string, c: { added: number; changed: number; removed: number }): string {
  return `| ${label} | ${c.added} | ${c.changed} | ${c.removed} |`;
}

export function renderMarkdown(d: StackDiff, budget = DEFAULT_COMMENT_BUDGET): string {
  const runsAgain = d.scripts.filter((s) => s.runsAgain).length;
  const top = [
    DIFF_MARKER,
    `### kip diff · ${code(d.stackFile)}`,
    "",
    `Compared with ${code(d.base.ref)} (${code(d.base.commit.slice(0, 12))}), evaluated offline: no Pulumi engine, ` +
      "no cluster, no credentials.",
    ...(d.base.stackFound
      ? []
      : ["", `${code(d.stackFile)} does not exist at ${code(d.base.ref)}: everything is new.`]),
    "",
    `**${summaryLine(d)}**`,
    "",
  ];
  if (d.changed) {
    top.push(
      "| | added | changed | removed |",
      "|:--|--:|--:|--:|",
      countRow("Kubernetes objects", d.counts.objects),
      countRow(`Host steps${runsAgain > 0 ? ` (${runsAgain} run again)` : ""}`, d.counts.scripts),
      countRow("Other resources", d.counts.resources),
      `| Stack outputs | | ${d.counts.outputs} | |`,
      "",
    );
  }
  const sections: Section[] = [
    {
      title: `Kubernetes objects (${d.objects.length})`,
      unit: "object",
      head: "| | object | component | changed fields |\n|:-:|---|---|---|\n",
      units: d.objects.map(
        (o) => `| ${ICON[o.change]} | ${code(objectName(o))} | ${code(o.component)} | ${fieldCell(o.fields)} |`,
      ),
    },
    {
      title: `Host steps (${d.scripts.length})`,
      unit: "host step",
      units: d.scripts.map((s) => {
        const note = s.change === "removed" ? "no longer run" : s.runsAgain ? "runs again at the next `up`" : "";
        const lines = [`**${ICON[s.change]} ${code(s.host)} · ${code(s.step)}**${note ? ` — ${note}` : ""}`, ""];
        for (const p of s.parts) {
          if (p.secret || p.patch === undefined) {
            lines.push(`${code(p.file)}: ${p.change} (secret; content not shown)`, "");
            continue;
          }
          const patch =
            p.patch.length > PATCH_LIMIT
              ? `${p.patch.slice(0, PATCH_LIMIT)}\n… (${p.patch.length - PATCH_LIMIT} more characters: run kip diff)\n`
              : p.patch;
          lines.push(fenced(patch, "diff"), "");
        }
        return lines.join("\n");
      }),
    },
    {
      title: `Other resources (${d.resources.length})`,
      unit: "resource",
      head: "| | type | name | changed fields |\n|:-:|---|---|---|\n",
      units: d.resources.map(
        (r) => `| ${ICON[r.change]} | ${code(r.type)} | ${code(r.name)} | ${fieldCell(r.fields)} |`,
      ),
    },
    {
      title: `Stack outputs (${d.outputs.length})`,
      unit: "output",
      head: "| output | change |\n|---|---|\n",
      units: d.outputs.map((f) => `| ${code(f.path)} | ${code(showChange(f, VALUE_LIMIT))} |`),
    },
  ];
  return assemble(top.join("\n"), sections, budget, "Run `kip diff` (or `kip diff --json`) to see everything.").body;
}
