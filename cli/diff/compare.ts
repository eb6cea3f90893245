/**
 * Comparing the two sides of `kip diff` (pure): Kubernetes objects by kind, namespace and name, host steps by host and
 * step name (their position may shift when a step is added), stack outputs and the other resources by URN. The
 * result is plain JSON (what `--json` prints) in a fixed order, so the same change always gives the same output.
 */
import { structuredPatch } from "diff";
import { diffFields, type FieldChange, secretLocation } from "./fields.ts";
import { OUTPUTS_SCOPE, objectScope, resourceScope, type SideResult, scriptScope } from "./side.ts";

export type Change = "added" | "removed" | "changed";

export interface ObjectDiff {
  readonly change: Change;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly apiVersion: string;
  /** The component that renders it (`app-web`, `service-db`, `stack`). */
  readonly component: string;
  /** For a changed object: every changed field. */
  readonly fields?: readonly FieldChange[];
}

/** One part of a host step: the script itself, what it reads on stdin, or its delete script. */
export type ScriptPart = "script" | "stdin" | "delete";

export interface ScriptPartDiff {
  readonly part: ScriptPart;
  readonly change: Change;
  /** The synth file (base side for removed parts, else the working tree's). */
  readonly file: string;
  /** A unified diff (`---`/`+++` headers, hunks); absent when the content is secret. */
  readonly patch?: string;
  /** The part is a secret: it changed, and nothing of it is shown. */
  readonly secret?: true;
}

export interface ScriptDiff {
  readonly change: Change;
  readonly host: string;
  readonly step: string;
  /** Whether the step runs again on the host at the next `up` (its script or stdin is new or changed). */
  readonly runsAgain: boolean;
  readonly parts: readonly ScriptPartDiff[];
}

export interface ResourceDiff {
  readonly change: Change;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly fields?: readonly FieldChange[];
}

export interface DiffCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

export interface StackDiff {
  readonly stackFile: string;
  readonly base: { readonly ref: string; readonly commit: string; readonly stackFound: boolean };
  readonly objects: readonly ObjectDiff[];
  readonly scripts: readonly ScriptDiff[];
  readonly outputs: readonly FieldChange[];
  readonly resources: readonly ResourceDiff[];
  readonly counts: {
    readonly objects: DiffCounts;
    readonly scripts: DiffCounts;
    readonly outputs: number;
    readonly resources: DiffCounts;
  };
  /** Whether anything differs. */
  readonly changed: boolean;
}

const EMPTY: SideResult = {
  objects: [],
  scripts: new Map(),
  outputs: {},
  resources: [],
  secrets: new Map(),
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function objectKey(o: Record<string, unknown>): { kind: string; namespace?: string; name: string; key: string } {
  const kind = typeof o["kind"] === "string" ? o["kind"] : "?";
  const meta = (o["metadata"] ?? {}) as Record<string, unknown>;
  const name = typeof meta["name"] === "string" ? meta["name"] : "?";
  const namespace = typeof meta["namespace"] === "string" ? meta["namespace"] : undefined;
  return { kind, name, ...(namespace ? { namespace } : {}), key: `${kind}\u0000${namespace ?? ""}\u0000${name}` };
}

function count<T extends { change: Change }>(list: readonly T[]): DiffCounts {
  return {
    added: list.filter((x) => x.change === "added").length,
    removed: list.filter((x) => x.change === "removed").length,
    changed: list.filter((x) => x.change === "changed").length,
  };
}

const ORDER: Record<Change, number> = { added: 0, changed: 1, removed: 2 };

function compareObjects(a: SideResult, b: SideResult): ObjectDiff[] {
  const index = (side: SideResult) => new Map(side.objects.map((o) => [objectKey(o.object).key, o]));
  const olds = index(a);
  const news = index(b);
  const out: ObjectDiff[] = [];
  for (const key of new Set([...olds.keys(), ...news.keys()])) {
    const o = olds.get(key);
    const n = news.get(key);
    const shown = (n ?? o) as NonNullable<typeof n>;
    const id = objectKey(shown.object);
    const base = {
      kind: id.kind,
      ...(id.namespace ? { namespace: id.namespace } : {}),
      name: id.name,
      apiVersion: String(shown.object["apiVersion"] ?? ""),
      component: shown.component,
    };
    if (!o) out.push({ change: "added", ...base });
    else if (!n) out.push({ change: "removed", ...base });
    else {
      const fields = diffFields(
        o.object,
        n.object,
        { scope: objectScope(o.file), prints: a.secrets },
        { scope: objectScope(n.file), prints: b.secrets },
      );
      if (fields.length > 0) out.push({ change: "changed", ...base, fields });
    }
  }
  return out.sort(
    (x, y) =>
      ORDER[x.change] - ORDER[y.change] ||
      cmp(x.kind, y.kind) ||
      cmp(x.namespace ?? "", y.namespace ?? "") ||
      cmp(x.name, y.name),
  );
}

/** `hosts/<host>/<nn>-<step><ext>` → its host, step and part. */
function parseScriptFile(file: string): { host: string; step: string; part: ScriptPart } | undefined {
  const m = /^hosts\/([^/]+)\/\d+-(.+?)(\.delete\.sh|\.sh|\.stdin)$/.exec(file);
  if (!m) return undefined;
  const part: ScriptPart = m[3] === ".sh" ? "script" : m[3] === ".stdin" ? "stdin" : "delete";
  return { host: m[1] as string, step: m[2] as string, part };
}

type StepParts = Map<ScriptPart, { file: string; content: string }>;

function stepsOf(side: SideResult): Map<string, { host: string; step: string; parts: StepParts }> {
  const steps = new Map<string, { host: string; step: string; parts: StepParts }>();
  for (const [file, content] of side.scripts) {
    const p = parseScriptFile(file);
    if (!p) continue;
    const key = `${p.host}\u0000${p.step}`;
    const entry = steps.get(key) ?? { host: p.host, step: p.step, parts: new Map() };
    entry.parts.set(p.part, { file, content });
    steps.set(key, entry);
  }
  return steps;
}

const PARTS: readonly ScriptPart[] = ["script", "stdin", "delete"];

function unified(oldFile: string, newFile: string, a: string, b: string): string {
  const patch = structuredPatch(`a/${oldFile}`, `b/${newFile}`, a, b, "", "", { context: 3 });
  const lines = [`--- ${patch.oldFileName}`, `+++ ${patch.newFileName}`];
  for (const h of patch.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${lines.join("\n")}\n`;
}

function compareScripts(a: SideResult, b: SideResult): ScriptDiff[] {
  const olds = stepsOf(a);
  const news = stepsOf(b);
  const out: ScriptDiff[] = [];
  for (const key of new Set([...olds.keys(), ...news.keys()])) {
    const o = olds.get(key);
    const n = news.get(key);
    const { host, step } = (n ?? o) as NonNullable<typeof n>;
    const parts: ScriptPartDiff[] = [];
    for (const part of PARTS) {
      const op = o?.parts.get(part);
      const np = n?.parts.get(part);
      if (!op && !np) continue;
      const oldPrint = op && a.secrets.get(secretLocation(scriptScope(op.file), []));
      const newPrint = np && b.secrets.get(secretLocation(scriptScope(np.file), []));
      const secret = oldPrint !== undefined || newPrint !== undefined;
      if (op && np && op.content === np.content && oldPrint === newPrint) continue;
      const change: Change = !op ? "added" : !np ? "removed" : "changed";
      const file = (np ?? op)?.file as string;
      if (secret) {
        parts.push({ part, change, file, secret: true });
      } else {
        parts.push({
          part,
          change,
          file,
          patch: unified(
            op?.file ?? np?.file ?? file,
            np?.file ?? op?.file ?? file,
            op?.content ?? "",
            np?.content ?? "",
          ),
        });
      }
    }
    if (parts.length === 0) continue;
    const change: Change = !o ? "added" : !n ? "removed" : "changed";
    const runsAgain = change !== "removed" && parts.some((p) => p.part !== "delete");
    out.push({ change, host, step, runsAgain, parts });
  }
  return out.sort((x, y) => ORDER[x.change] - ORDER[y.change] || cmp(x.host, y.host) || cmp(x.step, y.step));
}

function compareResources(a: SideResult, b: SideResult): ResourceDiff[] {
  const olds = new Map(a.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
  const news = new Map(b.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
  const out: ResourceDiff[] = [];
  for (const urn of new Set([...olds.keys(), ...news.keys()])) {
    const o = olds.get(urn);
    const n = news.get(urn);
    const { type, name } = (n ?? o) as NonNullable<typeof n>;
    if (!o) out.push({ change: "added", type, name, urn });
    else if (!n) out.push({ change: "removed", type, name, urn });
    else {
      const scope = resourceScope(urn);
      const fields = diffFields(o.inputs, n.inputs, { scope, prints: a.secrets }, { scope, prints: b.secrets });
      if (fields.length > 0) out.push({ change: "changed", type, name, urn, fields });
    }
  }
  return out.sort((x, y) => ORDER[x.change] - ORDER[y.change] || cmp(x.type, y.type) || cmp(x.urn, y.urn));
}

export interface CompareInput {
  readonly stackFile: string;
  readonly ref: string;
  readonly commit: string;
  /** The base side, or undefined when the stack file does not exist at the ref (everything is new). */
  readonly base: SideResult | undefined;
  readonly head: SideResult;
}

export function compareSides(input: CompareInput): StackDiff {
  const a = input.base ?? EMPTY;
  const b = input.head;
  const objects = compareObjects(a, b);
  const scripts = compareScripts(a, b);
  const outputs = diffFields(
    a.outputs,
    b.outputs,
    { scope: OUTPUTS_SCOPE, prints: a.secrets },
    { scope: OUTPUTS_SCOPE, prints: b.secrets },
  );
  const resources = compareResources(a, b);
  return {
    stackFile: input.stackFile,
    base: { ref: input.ref, commit: input.commit, stackFound: input.base !== undefined },
    objects,
    scripts,
    outputs,
    resources,
    counts: {
      objects: count(objects),
      scripts: count(scripts),
      outputs: outputs.length,
      resources: count(resources),
    },
    changed: objects.length + scripts.length + outputs.length + resources.length > 0,
  };
}
