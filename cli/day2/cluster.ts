/**
 * The Kubernetes API for `kip status` and `kip logs`, through `@kubernetes/client-node`: the kubeconfig is a file
 * given with --kubeconfig (and --context), or else the stack's own kubeconfig read through the Pulumi CLI and kept in
 * memory only. The views (state of an app, what is wrong with a pod and what to do) come from `core/console/`, as the
 * console-api's do, so the terminal and the web console say the same thing.
 */
import { readFileSync } from "node:fs";
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from "@kubernetes/client-node";
import type { AppView, NodeView, ServiceView } from "../../core/console/api.ts";
import { nodeView } from "../../core/console/nodes.ts";
import {
  appView,
  PodIndex,
  serviceView,
  UrlIndex,
  type WorkloadFailure,
  workloadFailures,
} from "../../core/console/workloads.ts";
import { readStackKubeconfig } from "./stack-kubeconfig.ts";

export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly stack?: string;
  readonly cwd?: string;
}

/** Namespaces of the cluster's own machinery, left out of the app list. */
const SYSTEM = new Set(["kube-system", "kube-public", "kube-node-lease", "cert-manager"]);

export async function loadKubeConfig(flags: ClusterFlags): Promise<KubeConfig> {
  const kc = new KubeConfig();
  if (flags.kubeconfig) {
    let text: string;
    try {
      text = readFileSync(flags.kubeconfig, "utf8");
    } catch (err) {
      throw new Error(`cannot read --kubeconfig ${flags.kubeconfig}: ${(err as Error).message}`);
    }
    kc.loadFromString(text);
  } else {
    kc.loadFromString(await readStackKubeconfig(flags));
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) throw new Error(`no context '${flags.context}' in the kubeconfig`);
    kc.setCurrentContext(flags.context);
  }
  return kc;
}

export type Failure = WorkloadFailure;

export interface StatusReport {
  readonly nodes: NodeView[];
  readonly apps: AppView[];
  readonly services: ServiceView[];
  readonly failures: Failure[];
}

/** A clear error for an API server that cannot be reached or refuses the credentials. */
export function apiError(err: unknown, server: string | undefined): Error {
  const code = (err as { code?: number | string }).code;
  const status = typeof code === "number" ? code : undefined;
  if (status === 401 || status === 403) {
    return new Error(
      `the Kubernetes API at ${server} refused the kubeconfig's credentials (HTTP ${status}); run kip kubeconfig ` +
        "again (or kip up, which renews the stack's kubeconfig)",
    );
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`cannot reach the Kubernetes API at ${server}: ${msg}`);
}

const byName = <T extends { name: string; project?: string }>(a: T, b: T): number =>
  (a.project ?? "").localeCompare(b.project ?? "") || a.name.localeCompare(b.name);

export async function collectStatus(kc: KubeConfig): Promise<StatusReport> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const fetchAll = () =>
    Promise.all([
      core.listNode(),
      apps.listDeploymentForAllNamespaces(),
      apps.listStatefulSetForAllNamespaces(),
      core.listPodForAllNamespaces(),
      net.listIngressForAllNamespaces(),
      core.listEventForAllNamespaces(),
    ]);
  let lists: Awaited<ReturnType<typeof fetchAll>>;
  try {
    lists = await fetchAll();
  } catch (err) {
    throw apiError(err, kc.getCurrentCluster()?.server);
  }
  const [nodes, deployments, statefulSets, pods, ingresses, events] = lists;
  const mine = <T extends { metadata?: { namespace?: string } }>(list: readonly T[]) =>
    list.filter((o) => !SYSTEM.has(o.metadata?.namespace ?? ""));
  const index = new PodIndex(mine(pods.items));
  const ev = mine(events.items);
  const urls = new UrlIndex(mine(ingresses.items));
  const failures = workloadFailures(mine(deployments.items), mine(statefulSets.items), index, ev, "the stack file");
  failures.sort((a, b) => a.project.localeCompare(b.project) || a.pod.localeCompare(b.pod));
  return {
    nodes: nodes.items.map((n) => nodeView(n, undefined)).sort((a, b) => a.name.localeCompare(b.name)),
    apps: mine(deployments.items)
      .map((d) => appView(d, index, urls, ev))
      .sort(byName),
    services: mine(statefulSets.items)
      .map((s) => serviceView(s, index, ev))
      .sort(byName),
    failures,
  };
}
