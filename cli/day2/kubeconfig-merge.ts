/**
 * Merging a stack's kubeconfig into a user's kubeconfig file, without kubectl (pure: text in, text out). The stack's
 * file has one cluster, context and user under one stable name (`skipper-<cluster id>`, see
 * `core/k3s/kubeconfig.ts`). Those three entries are added, or replaced when an entry of that name already points at
 * the same API server (a renewed certificate); every other entry, and every other key of the file, is kept as it was.
 * An entry of the same name that belongs to another server is never overwritten: that is an error naming it.
 * Messages never quote the documents (they hold private keys).
 */
import { parse, stringify } from "yaml";

type Doc = Record<string, unknown>;
type Entry = Record<string, unknown> & { name?: unknown };

const LISTS = ["clusters", "contexts", "users"] as const;

export interface MergeOptions {
  /** Give the merged entries this name instead of the stack's. */
  readonly name?: string;
  /** Make the merged context the current one even when the file already has one. @default false */
  readonly use?: boolean;
  /** Replace a same-named entry even when it points at another server. @default false */
  readonly force?: boolean;
}

export interface MergeResult {
  readonly text: string;
  /** The context name the stack's cluster has in the merged file. */
  readonly context: string;
  /** Whether entries of that name were there before (and were replaced). */
  readonly replaced: boolean;
  /** Whether the merged context is now the current one. */
  readonly current: boolean;
}

function asDoc(text: string, what: string): Doc {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw new Error(`${what} is not valid YAML; fix or move it, kip will not rewrite it`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${what} is not a kubeconfig (not a map)`);
  return doc as Doc;
}

function list(doc: Doc, key: string, what: string): Entry[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((e) => typeof e !== "object" || e === null)) {
    throw new Error(`${what}: '${key}' is not a list of entries`);
  }
  return v as Entry[];
}

function only(doc: Doc, key: string): Entry {
  const entries = list(doc, key, "the stack's kubeconfig");
  if (entries.length !== 1) {
    throw new Error(`the stack's kubeconfig has ${entries.length} entries in '${key}'; expected exactly one`);
  }
  return entries[0] as Entry;
}

function serverOf(cluster: Entry | undefined): unknown {
  const inner = cluster?.["cluster"];
  return typeof inner === "object" && inner !== null ? (inner as Doc)["server"] : undefined;
}

const NAME = /^[A-Za-z0-9][\w.@:-]*$/;

/** Merge `incoming` (the stack's kubeconfig) into `existing` (the file's text, or undefined when there is none). */
export function mergeKubeconfig(existing: string | undefined, incoming: string, opts: MergeOptions = {}): MergeResult {
  const ours = asDoc(incoming, "the stack's kubeconfig");
  if (ours["kind"] !== "Config") throw new Error("the stack's kubeconfig is not a kubeconfig (kind: Config missing)");
  const cluster = structuredClone(only(ours, "clusters"));
  const context = structuredClone(only(ours, "contexts"));
  const user = structuredClone(only(ours, "users"));
  const name = opts.name ?? (typeof context.name === "string" ? context.name : "");
  if (!NAME.test(name)) throw new Error(`'${name}' is not a usable context name (letters, digits, - _ . @ :)`);
  cluster.name = name;
  user.name = name;
  context.name = name;
  const ctx = context["context"];
  if (typeof ctx !== "object" || ctx === null)
    throw new Error("the stack's kubeconfig: its context has no 'context' map");
  (ctx as Doc)["cluster"] = name;
  (ctx as Doc)["user"] = name;

  const doc = existing === undefined ? {} : asDoc(existing, "the kubeconfig file");
  const fresh: Record<(typeof LISTS)[number], Entry> = { clusters: cluster, contexts: context, users: user };
  const lists = Object.fromEntries(LISTS.map((k) => [k, list(doc, k, "the kubeconfig file")])) as Record<
    (typeof LISTS)[number],
    Entry[]
  >;
  const theirCluster = lists.clusters.find((e) => e.name === name);
  const taken = LISTS.some((k) => lists[k].some((e) => e.name === name));
  if (taken && !opts.force && serverOf(theirCluster) !== serverOf(cluster)) {
    const where = theirCluster ? `cluster '${name}' points at ${String(serverOf(theirCluster))}` : `'${name}' is taken`;
    throw new Error(
      `the kubeconfig file already has entries named '${name}' that are not this stack's (${where}); ` +
        "choose another name with --name, or replace them with --force",
    );
  }
  const merged: Doc = {
    apiVersion: doc["apiVersion"] ?? "v1",
    kind: doc["kind"] ?? "Config",
    ...doc,
  };
  for (const k of LISTS) {
    const at = lists[k].findIndex((e) => e.name === name);
    merged[k] = at === -1 ? [...lists[k], fresh[k]] : lists[k].map((e, i) => (i === at ? fresh[k] : e));
  }
  const hadCurrent = typeof doc["current-context"] === "string" && doc["current-context"] !== "";
  const current = opts.use === true || !hadCurrent || doc["current-context"] === name;
  if (current) merged["current-context"] = name;
  return { text: stringify(merged), context: name, replaced: taken, current };
}
