/**
 * Deployments (apps) and StatefulSets (services) as the console shows them: state, declared beside current replicas,
 * image, URLs, env names, pods. Pure functions over what the Kubernetes API returned.
 */
import type { CoreV1Event, V1Deployment, V1Ingress, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import {
  ANNOTATION_BOUND_APPS,
  ANNOTATION_DECLARED_REPLICAS,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_VERSION,
  MANAGED_BY,
} from "../labels.ts";
import {
  type AppDetailResponse,
  type AppView,
  PROJECT_NAME,
  type ServiceDetailResponse,
  type ServiceView,
} from "./api.ts";
import { iso, type PodProblem, podProblem, podView } from "./pods.ts";

type Workload = V1Deployment | V1StatefulSet;
type State = AppView["state"];

/** Declared by the stack (`defineStack` or the components), so the stack file is its truth. */
export function isStackOwned(w: { metadata?: { labels?: Record<string, string> } }): boolean {
  return w.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY;
}

function declaredReplicas(w: Workload): number | null {
  const raw = w.metadata?.annotations?.[ANNOTATION_DECLARED_REPLICAS];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

function replicas(w: Workload) {
  return {
    declared: declaredReplicas(w),
    desired: w.spec?.replicas ?? 1,
    ready: w.status?.readyReplicas ?? 0,
  };
}

/** Groups pods by the workload that selects them (matchLabels; first key used as an index). */
export class PodIndex {
  private readonly byLabel = new Map<string, V1Pod[]>();

  constructor(private readonly pods: readonly V1Pod[]) {
    for (const p of pods) {
      for (const [k, v] of Object.entries(p.metadata?.labels ?? {})) {
        const key = `${p.metadata?.namespace}/${k}=${v}`;
        const list = this.byLabel.get(key);
        if (list === undefined) this.byLabel.set(key, [p]);
        else list.push(p);
      }
    }
  }

  of(w: Workload): V1Pod[] {
    const match = Object.entries(w.spec?.selector?.matchLabels ?? {});
    if (match.length === 0) return [];
    const [k, v] = match[0]!;
    const candidates = this.byLabel.get(`${w.metadata?.namespace}/${k}=${v}`) ?? [];
    return candidates.filter((p) => match.every(([mk, mv]) => p.metadata?.labels?.[mk] === mv));
  }

  get all(): readonly V1Pod[] {
    return this.pods;
  }
}

function stateOf(w: Workload, pods: readonly V1Pod[], events: readonly CoreV1Event[]): State {
  const { desired, ready } = replicas(w);
  if (desired === 0) return "stopped";
  const stuck = (w as V1Deployment).status?.conditions?.some(
    (c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  );
  const trouble = stuck || pods.some((p) => podProblem(p, events) !== undefined);
  if (!trouble) return ready >= desired ? "running" : "progressing";
  return ready > 0 ? "degraded" : "failed";
}

function image(w: Workload): string {
  return w.spec?.template.spec?.containers[0]?.image ?? "";
}

function workloadFields(w: Workload, pods: readonly V1Pod[], events: readonly CoreV1Event[]) {
  return {
    name: w.metadata?.name ?? "",
    project: w.metadata?.namespace ?? "",
    image: image(w),
    stackOwned: isStackOwned(w),
    state: stateOf(w, pods, events),
    replicas: replicas(w),
    createdAt: iso(w.metadata?.creationTimestamp) ?? "",
  };
}

/** `https://host/path` of every host routed to each Service, keyed `namespace/service` (sorted, deduplicated). */
export class UrlIndex {
  private readonly byService = new Map<string, Set<string>>();

  constructor(ingresses: readonly V1Ingress[]) {
    for (const ing of ingresses) {
      for (const rule of ing.spec?.rules ?? []) {
        if (rule.host === undefined) continue;
        for (const p of rule.http?.paths ?? []) {
          const service = p.backend.service?.name;
          if (service === undefined) continue;
          const key = `${ing.metadata?.namespace}/${service}`;
          const path = p.path === undefined || p.path === "/" ? "" : p.path;
          const urls = this.byService.get(key) ?? new Set<string>();
          urls.add(`https://${rule.host}${path}`);
          this.byService.set(key, urls);
        }
      }
    }
  }

  of(namespace: string, service: string): string[] {
    return [...(this.byService.get(`${namespace}/${service}`) ?? [])].sort();
  }
}

export const NO_URLS = new UrlIndex([]);

export function appView(d: V1Deployment, pods: PodIndex, urls: UrlIndex, events: readonly CoreV1Event[]): AppView {
  const base = workloadFields(d, pods.of(d), events);
  return { ...base, urls: urls.of(base.project, base.name) };
}

function envNames(w: Workload): string[] {
  const names = new Set<string>();
  for (const c of w.spec?.template.spec?.containers ?? []) for (const e of c.env ?? []) names.add(e.name);
  return [...names].sort();
}

/** What a change made in the console means for a stack-owned workload. */
export function stackNotice(stackFile: string): string {
  return `Declared in ${stackFile}: a scale or restart here lasts until the next \`pulumi up\`; change the image, env or replicas in ${stackFile}.`;
}

function fixHint(w: Workload, stackFile: string): string {
  return isStackOwned(w) ? ` in ${stackFile}` : "";
}

export function appDetail(
  d: V1Deployment,
  pods: PodIndex,
  ingresses: readonly V1Ingress[],
  events: readonly CoreV1Event[],
  stackFile: string,
): AppDetailResponse {
  const mine = pods.of(d);
  const hint = fixHint(d, stackFile);
  return {
    ...appView(d, pods, new UrlIndex(ingresses), events),
    env: envNames(d),
    pods: mine.map((p) => podView(p, podProblem(p, events, hint))),
    ...(isStackOwned(d) && { notice: stackNotice(stackFile) }),
  };
}

function engine(s: V1StatefulSet): { engine: string; version?: string } {
  const labels = s.metadata?.labels ?? {};
  const version = labels[LABEL_VERSION];
  return { engine: labels[LABEL_NAME] ?? "unknown", ...(version !== undefined && { version }) };
}

const APP_NAME = new RegExp(PROJECT_NAME);
/** At most this many bound apps are reported (the annotation is anyone's to edit with kubectl). */
const MAX_BOUND_APPS = 200;

/**
 * The apps the stack recorded as binding the service, or undefined when it recorded none (no annotation). Entries that
 * are not app names are dropped: the annotation is data from the cluster, not from the stack alone.
 */
function boundApps(s: V1StatefulSet): string[] | undefined {
  const raw = s.metadata?.annotations?.[ANNOTATION_BOUND_APPS];
  if (raw === undefined) return undefined;
  const names = raw.split(",").map((name) => name.trim());
  return [...new Set(names.filter((name) => APP_NAME.test(name)))].sort().slice(0, MAX_BOUND_APPS);
}

export function serviceView(s: V1StatefulSet, pods: PodIndex, events: readonly CoreV1Event[]): ServiceView {
  const bound = boundApps(s);
  return { ...workloadFields(s, pods.of(s), events), ...engine(s), ...(bound !== undefined && { boundApps: bound }) };
}

export function serviceDetail(
  s: V1StatefulSet,
  pods: PodIndex,
  events: readonly CoreV1Event[],
  stackFile: string,
): ServiceDetailResponse {
  const mine = pods.of(s);
  const hint = fixHint(s, stackFile);
  const port = s.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort;
  const service = s.spec?.serviceName ?? s.metadata?.name ?? "";
  return {
    ...serviceView(s, pods, events),
    pods: mine.map((p) => podView(p, podProblem(p, events, hint))),
    host: `${service}.${s.metadata?.namespace}.svc.cluster.local`,
    ...(port !== undefined && { port }),
  };
}

/** Counts of workloads by state, for the dashboard. */
export function health(states: readonly State[]) {
  const count = (s: State) => states.filter((x) => x === s).length;
  return {
    total: states.length,
    running: count("running"),
    progressing: count("progressing"),
    degraded: count("degraded"),
    failed: count("failed"),
    stopped: count("stopped"),
  };
}

/** A failing pod of an app or a service, with what happened and what to do. */
export interface WorkloadFailure extends PodProblem {
  readonly project: string;
  readonly kind: "app" | "service";
  readonly workload: string;
  readonly pod: string;
}

/**
 * The failing pods of `apps` and `services`, apps first, in list order. The fix of a stack-owned workload points at
 * `stackFile` (" in <stackFile>").
 */
export function workloadFailures(
  apps: readonly V1Deployment[],
  services: readonly V1StatefulSet[],
  pods: PodIndex,
  events: readonly CoreV1Event[],
  stackFile: string,
): WorkloadFailure[] {
  const failures: WorkloadFailure[] = [];
  for (const [kind, list] of [
    ["app", apps],
    ["service", services],
  ] as const) {
    for (const w of list) {
      const hint = isStackOwned(w) ? ` in ${stackFile}` : "";
      for (const pod of pods.of(w)) {
        const problem = podProblem(pod, events, hint);
        if (problem === undefined) continue;
        failures.push({
          project: w.metadata?.namespace ?? "",
          kind,
          workload: w.metadata?.name ?? "",
          pod: pod.metadata?.name ?? "",
          ...problem,
        });
      }
    }
  }
  return failures;
}
