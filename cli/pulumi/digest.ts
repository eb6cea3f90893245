/**
 * Reading `pulumi preview --json` and summarising it per resource. The input is Pulumi's `PreviewDigest`
 * (pulumi/pulumi `sdk/pkg/display/json.go`, written by `ShowPreviewDigest` in `pkg/backend/display/json.go`):
 *   { config, steps: [{ op, urn, provider, oldState, newState, diffReasons, replaceReasons, detailedDiff }],
 *     diagnostics: [{ urn, prefix, message, severity }], duration, changeSummary, maybeCorrupt }
 * where `oldState`/`newState` are `apitype.ResourceV3` (`urn`, `custom`, `type`, `inputs`, `outputs`, `parent`, …)
 * whose secret values Pulumi already blinds as the string `[secret]` (`stateForJSONOutput`), and `detailedDiff` maps a
 * property path (`spec.replicas`, `spec.containers[0].image`) to `{ kind, inputDiff }` with kind one of add, update,
 * delete and their `-replace` forms. A replacement shows as `create-replacement`, `replace` and `delete-replaced`
 * steps of one URN; the summary folds them into one `replace`.
 */

export interface PulumiPropertyDiff {
  readonly kind: string;
  readonly inputDiff?: boolean;
}

export interface PulumiResourceState {
  readonly urn?: string;
  readonly type?: string;
  readonly custom?: boolean;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

export interface PulumiPreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly provider?: string;
  readonly oldState?: PulumiResourceState;
  readonly newState?: PulumiResourceState;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
  readonly detailedDiff?: Record<string, PulumiPropertyDiff> | null;
}

export interface PulumiPreviewDigest {
  readonly config?: Record<string, string>;
  readonly steps?: readonly PulumiPreviewStep[];
  readonly diagnostics?: readonly { urn?: string; prefix?: string; message?: string; severity?: string }[];
  readonly duration?: number;
  readonly changeSummary?: Record<string, number>;
  readonly maybeCorrupt?: boolean;
}

/** What kip reports for one resource. */
export type PreviewOp = "create" | "update" | "replace" | "delete" | "read" | "import" | "refresh" | "discard";

export interface PropertyChange {
  readonly path: string;
  /** add, update, delete (Pulumi's kind without `-replace`). */
  readonly kind: string;
  /** Whether this property forces the replacement. */
  readonly replaces: boolean;
  readonly old?: unknown;
  readonly new?: unknown;
}

export interface PreviewResource {
  readonly op: PreviewOp;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly properties: readonly PropertyChange[];
}

export interface PreviewSummary {
  /** Resources per op, as kip counts them (a replacement once). */
  readonly counts: Partial<Record<PreviewOp, number>>;
  /** Pulumi's own change summary (`same` included). */
  readonly changeSummary: Record<string, number>;
  readonly resources: readonly PreviewResource[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly changed: boolean;
}

export const SECRET = "<secret>";
/** How Pulumi writes a secret in its JSON display. */
const PULUMI_SECRET = "[secret]";

const FOLD: Record<string, PreviewOp | undefined> = {
  create: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  delete: "delete",
  read: "read",
  "read-replacement": "read",
  import: "import",
  "import-replacement": "import",
  refresh: "refresh",
  discard: "discard",
  "discard-replaced": "discard",
};

/** `spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]` → segments. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

function at(v: unknown, path: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let cur: unknown = v;
  for (const seg of path) {
    if (cur === PULUMI_SECRET) return { found: true, value: SECRET };
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, seg)) return { found: false };
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: cur };
}

/** A value with every `[secret]` as `<secret>` (Pulumi already blinded them; kip shows its own placeholder). */
function redact(v: unknown): unknown {
  if (v === PULUMI_SECRET) return SECRET;
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  return v;
}

function propertiesOf(step: PulumiPreviewStep): PropertyChange[] {
  const old = step.oldState?.inputs;
  const neu = step.newState?.inputs;
  const replaceKeys = new Set(step.replaceReasons ?? []);
  const entries: [string, PulumiPropertyDiff][] = step.detailedDiff
    ? Object.entries(step.detailedDiff)
    : (step.diffReasons ?? []).map((k) => [k, { kind: replaceKeys.has(k) ? "update-replace" : "update" }]);
  return entries
    .map(([path, d]) => {
      const segs = parsePath(path);
      const o = at(old, segs);
      const n = at(neu, segs);
      const kind = d.kind.replace(/-replace$/, "");
      return {
        path,
        kind,
        replaces: d.kind.endsWith("-replace") || replaceKeys.has(String(segs[0] ?? path)),
        ...(o.found && kind !== "add" ? { old: redact(o.value) } : {}),
        ...(n.found && kind !== "delete" ? { new: redact(n.value) } : {}),
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `urn:pulumi:stack::project::a$b::name` → type `b`, name. */
function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return { type: qualified.split("$").pop() ?? qualified, name: parts.slice(3).join("::") };
}

/** Parse the CLI's stdout; a clear error when it is not a preview digest. */
export function parseDigest(stdout: string): PulumiPreviewDigest {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`pulumi preview --json did not print JSON (first line: ${stdout.split("\n")[0]?.slice(0, 120)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new Error("pulumi preview --json printed JSON that is not a preview digest (expected an object)");
  }
  const steps = (doc as { steps?: unknown }).steps;
  if (steps !== undefined && !Array.isArray(steps)) throw new Error("pulumi preview --json: 'steps' is not a list");
  return doc as PulumiPreviewDigest;
}

const OP_ORDER: readonly PreviewOp[] = [
  "create",
  "update",
  "replace",
  "delete",
  "import",
  "read",
  "refresh",
  "discard",
];

export function summarise(digest: PulumiPreviewDigest): PreviewSummary {
  const byUrn = new Map<string, { op: PreviewOp; steps: PulumiPreviewStep[] }>();
  for (const step of digest.steps ?? []) {
    const op = FOLD[step.op];
    if (!op) continue; // same, or an op that changes nothing
    if (step.urn.split("::")[2] === "pulumi:pulumi:Stack") continue;
    const entry = byUrn.get(step.urn);
    if (!entry) byUrn.set(step.urn, { op, steps: [step] });
    else {
      if (op === "replace") entry.op = "replace";
      entry.steps.push(step);
    }
  }
  const resources: PreviewResource[] = [...byUrn].map(([urn, { op, steps }]) => {
    const main = steps.find((s) => s.op === "replace" || s.op === "update") ?? steps[0];
    const type = main?.newState?.type ?? main?.oldState?.type ?? urnParts(urn).type;
    return { op, urn, type, name: urnParts(urn).name, properties: main ? propertiesOf(main) : [] };
  });
  resources.sort(
    (a, b) => OP_ORDER.indexOf(a.op) - OP_ORDER.indexOf(b.op) || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0),
  );
  const counts: Partial<Record<PreviewOp, number>> = {};
  for (const r of resources) counts[r.op] = (counts[r.op] ?? 0) + 1;
  const diag = (severity: string): string[] =>
    (digest.diagnostics ?? [])
      .filter((d) => d.severity === severity)
      .map((d) => `${d.urn ? `${urnParts(d.urn).name}: ` : ""}${(d.message ?? "").trim()}`);
  return {
    counts,
    changeSummary: { ...(digest.changeSummary ?? {}) },
    resources,
    errors: diag("error"),
    warnings: diag("warning"),
    changed: resources.some((r) => r.op !== "read" && r.op !== "refresh"),
  };
}
