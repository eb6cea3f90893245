/**
 * What `kip synth` writes, computed from the recorded registrations (pure: no files touched here).
 *   k8s/<component path>/<kind>-<namespace>-<name>.yaml   one Kubernetes object per file, as sent to the provider
 *   hosts/<host>/<nn>-<step>.sh                           the script each host step runs as root (+ .stdin, .delete.sh)
 *   hosts/<host>/as-root.sh                               the wrapper that runs each of them as root (or via sudo -n)
 *   summary.json                                          every resource: urn, type, name, parent, provider, deps
 * Secrets show as `<secret>`; every map is key-sorted and every list sorted or in a fixed order, so two runs on the
 * same stack give the same bytes.
 */

import { unwrapPrivileged } from "../../core/k3s/shell.ts";
import { toYaml } from "../../core/yaml.ts";
import type { RecordedResource } from "./runtime.ts";
import { SECRET_PLACEHOLDER, scrub, sortKeys, stableJson } from "./scrub.ts";

export const K8S_DIR = "k8s";
export const HOSTS_DIR = "hosts";
export const SUMMARY_FILE = "summary.json";

const ROOT_STACK = "pulumi:pulumi:Stack";
const HOST_STEP = "command:remote:Command";
const HOST_COMPONENT = "skipper:cluster:K3sHost";

export interface SynthInput {
  readonly project: string;
  readonly stack: string;
  readonly stackFile: string;
  readonly resources: readonly RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

export interface SynthOutput {
  /** Relative path → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly summary: Summary;
  readonly counts: { readonly objects: number; readonly scripts: number; readonly resources: number };
}

export interface SummaryResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependsOn: readonly string[];
  readonly options?: Record<string, unknown>;
  /** The file this resource was written to, for Kubernetes objects and host steps. */
  readonly file?: string;
}

export interface Summary {
  readonly project: string;
  readonly stack: string;
  readonly stackFile: string;
  readonly outputs: unknown;
  readonly counts: Record<string, number>;
  readonly resources: readonly SummaryResource[];
}

/** `skipper:apps:App` → `app`. */
function typeLabel(type: string): string {
  return (type.split(":").pop() ?? type).toLowerCase();
}

/** A file-name-safe form of a name (DNS labels already are; anything else is squashed). */
function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, "_");
}

class Tree {
  private readonly byUrn: Map<string, RecordedResource>;
  constructor(resources: readonly RecordedResource[]) {
    this.byUrn = new Map(resources.map((r) => [r.urn, r]));
  }
  get(urn: string): RecordedResource | undefined {
    return this.byUrn.get(urn);
  }
  /** Directory of a resource's parent components, below the stack: `app-web`, `k3scluster-cluster/k3shost-…`. */
  componentPath(r: RecordedResource): string {
    const parts: string[] = [];
    for (let p = this.get(r.parent); p && p.type !== ROOT_STACK; p = this.get(p.parent)) {
      parts.unshift(`${typeLabel(p.type)}-${safe(p.name)}`);
    }
    return parts.length > 0 ? parts.join("/") : "stack";
  }
}

function isK8sObject(r: RecordedResource): boolean {
  return r.custom && r.type.startsWith("kubernetes:");
}

function k8sFile(tree: Tree, r: RecordedResource, obj: Record<string, unknown>): string {
  const kind = typeof obj["kind"] === "string" ? obj["kind"] : typeLabel(r.type);
  const meta = (obj["metadata"] ?? {}) as Record<string, unknown>;
  const name = typeof meta["name"] === "string" ? meta["name"] : r.name;
  const ns = typeof meta["namespace"] === "string" ? `${meta["namespace"]}-` : "";
  return `${K8S_DIR}/${tree.componentPath(r)}/${safe(`${kind.toLowerCase()}-${ns}${name}`)}.yaml`;
}

/** A string as a file body, secrets as the placeholder. */
function text(v: unknown): string | undefined {
  const s = scrub(v);
  if (s === undefined || s === null) return undefined;
  const body = typeof s === "string" ? s : JSON.stringify(s);
  return body.endsWith("\n") ? body : `${body}\n`;
}

/** The position of each host step in its host's chain (steps depend on the previous step of the same host). */
function stepOrder(steps: readonly RecordedResource[]): Map<string, number> {
  const own = new Set(steps.map((s) => s.urn));
  const byUrn = new Map(steps.map((s) => [s.urn, s]));
  const depth = new Map<string, number>();
  const depthOf = (urn: string, seen: Set<string>): number => {
    const known = depth.get(urn);
    if (known !== undefined) return known;
    if (seen.has(urn)) throw new Error(`host steps depend on each other in a cycle (${urn})`);
    seen.add(urn);
    const deps = (byUrn.get(urn)?.dependsOn ?? []).filter((d) => own.has(d));
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => depthOf(x, seen)));
    depth.set(urn, d);
    return d;
  };
  for (const s of steps) depthOf(s.urn, new Set());
  const sorted = [...steps].sort((a, b) => (depth.get(a.urn) ?? 0) - (depth.get(b.urn) ?? 0) || cmp(a.urn, b.urn));
  return new Map(sorted.map((s, i) => [s.urn, i + 1]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The generic form of a step's wrapper: its `<step> on <host>` made `<step> on <host>` for every step of the host. */
function genericWrapper(wrapper: string, where: string): string {
  const on = where.lastIndexOf(" on ");
  return wrapper.replaceAll(where, `<step>${on === -1 ? "" : where.slice(on)}`);
}

const WRAPPER_NOTE =
  "# How every <nn>-<step>.sh beside this file runs on the host: Pulumi sends this wrapper with the step's script\n" +
  "# inline as one quoted word; here it is read from the first argument instead (bash as-root.sh 01-preflight.sh).\n";

function hostFiles(tree: Tree, steps: readonly RecordedResource[], files: Map<string, string>): Map<string, string> {
  const fileOf = new Map<string, string>();
  const byHost = new Map<string, RecordedResource[]>();
  for (const s of steps) byHost.set(s.parent, [...(byHost.get(s.parent) ?? []), s]);
  for (const [hostUrn, list] of byHost) {
    const host = tree.get(hostUrn);
    const cluster = host ? tree.get(host.parent) : undefined;
    let hostName = host?.name ?? "host";
    if (host?.type === HOST_COMPONENT && cluster && hostName.startsWith(`${cluster.name}-`)) {
      hostName = hostName.slice(cluster.name.length + 1);
    }
    const dir = `${HOSTS_DIR}/${safe(hostName)}`;
    const order = stepOrder(list);
    // Each wrapped command is written as its script; the wrappers, once per host when they agree (they do unless a
    // step was made by hand), else beside the step.
    const wrappers = new Map<string, string>();
    const script = (command: string | undefined, file: string): void => {
      if (command === undefined) return;
      const parts = unwrapPrivileged(command);
      files.set(file, parts ? parts.script : command);
      if (parts) wrappers.set(file, genericWrapper(parts.wrapper, parts.where));
    };
    for (const s of list) {
      const step = host && s.name.startsWith(`${host.name}-`) ? s.name.slice(host.name.length + 1) : s.name;
      const base = `${dir}/${String(order.get(s.urn)).padStart(2, "0")}-${safe(step)}`;
      script(text(s.inputs["create"]), `${base}.sh`);
      const stdin = text(s.inputs["stdin"]);
      if (stdin !== undefined) files.set(`${base}.stdin`, stdin);
      script(text(s.inputs["delete"]), `${base}.delete.sh`);
      fileOf.set(s.urn, `${base}.sh`);
    }
    const distinct = new Set(wrappers.values());
    if (distinct.size === 1) files.set(`${dir}/as-root.sh`, WRAPPER_NOTE + [...distinct][0]!);
    else for (const [file, w] of wrappers) files.set(file.replace(/\.sh$/, ".as-root.sh"), WRAPPER_NOTE + w);
  }
  return fileOf;
}

/** The stack's files and summary. */
export function synthesize(input: SynthInput): SynthOutput {
  const tree = new Tree(input.resources);
  const files = new Map<string, string>();
  const fileOf = new Map<string, string>();
  let objects = 0;
  for (const r of input.resources) {
    if (!isK8sObject(r)) continue;
    const obj = sortKeys(scrub(r.inputs), ["apiVersion", "kind", "metadata"]) as Record<string, unknown>;
    const file = k8sFile(tree, r, obj);
    if (files.has(file)) throw new Error(`two Kubernetes objects would be written to ${file} (${r.urn})`);
    files.set(file, toYaml(obj));
    fileOf.set(r.urn, file);
    objects++;
  }
  const steps = input.resources.filter((r) => r.type === HOST_STEP);
  for (const [urn, file] of hostFiles(tree, steps, files)) fileOf.set(urn, file);

  const resources: SummaryResource[] = input.resources
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
      ...(r.provider ? { provider: r.provider } : {}),
      dependsOn: r.dependsOn,
      ...(Object.keys(r.options).length > 0 ? { options: { ...r.options } } : {}),
      ...(fileOf.has(r.urn) ? { file: fileOf.get(r.urn) } : {}),
    }))
    .sort((a, b) => cmp(a.urn, b.urn));
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const summary: Summary = {
    project: input.project,
    stack: input.stack,
    stackFile: input.stackFile,
    outputs: scrub(input.outputs),
    counts: byType,
    resources,
  };
  files.set(SUMMARY_FILE, stableJson(summary));
  return { files, summary, counts: { objects, scripts: steps.length, resources: resources.length } };
}

export { SECRET_PLACEHOLDER };
