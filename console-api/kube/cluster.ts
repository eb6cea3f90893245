/**
 * Every Kubernetes call the console-api makes, in one place (`core/console/permissions.ts` lists exactly these; a
 * test keeps the two equal). Lists go through the short-lived read cache; writes invalidate what they change.
 */
import type {
  CoreV1Event,
  V1Deployment,
  V1Ingress,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Secret,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { NodeUsage } from "../../core/console/nodes.ts";
import { LABEL_MANAGED_BY, LABEL_PROJECT } from "../../core/labels.ts";
import type { ReadCache } from "./cache.ts";
import { type Kube, kubeStatus, MERGE_PATCH, orMissing, STRATEGIC_MERGE_PATCH } from "./client.ts";

/** Who made a namespace that the console created (stack-made ones say `skipper`). */
export const CONSOLE_MANAGER = "skipper-console";

export class Cluster {
  constructor(
    readonly kube: Kube,
    readonly cache: ReadCache,
  ) {}

  /** Skipper projects: namespaces labelled with a project. */
  projects(): Promise<V1Namespace[]> {
    return this.cache.get("namespaces", async () => {
      const list = await this.kube.core.listNamespace({ labelSelector: LABEL_PROJECT });
      return list.items;
    });
  }

  async createProject(name: string): Promise<V1Namespace> {
    const created = await this.kube.core.createNamespace({
      body: {
        metadata: {
          name,
          labels: {
            [LABEL_MANAGED_BY]: CONSOLE_MANAGER,
            [LABEL_PROJECT]: name,
            "pod-security.kubernetes.io/audit": "baseline",
            "pod-security.kubernetes.io/warn": "baseline",
          },
        },
      },
    });
    this.cache.invalidate("namespaces");
    return created;
  }

  deployments(namespace?: string): Promise<V1Deployment[]> {
    return this.cache.get(`deployments/${namespace ?? "*"}`, async () =>
      namespace === undefined
        ? (await this.kube.apps.listDeploymentForAllNamespaces()).items
        : (await this.kube.apps.listNamespacedDeployment({ namespace })).items,
    );
  }

  deployment(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return orMissing(this.kube.apps.readNamespacedDeployment({ name, namespace }));
  }

  statefulSets(namespace?: string): Promise<V1StatefulSet[]> {
    return this.cache.get(`statefulsets/${namespace ?? "*"}`, async () =>
      namespace === undefined
        ? (await this.kube.apps.listStatefulSetForAllNamespaces()).items
        : (await this.kube.apps.listNamespacedStatefulSet({ namespace })).items,
    );
  }

  statefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined> {
    return orMissing(this.kube.apps.readNamespacedStatefulSet({ name, namespace }));
  }

  pods(namespace?: string): Promise<V1Pod[]> {
    return this.cache.get(`pods/${namespace ?? "*"}`, async () =>
      namespace === undefined
        ? (await this.kube.core.listPodForAllNamespaces()).items
        : (await this.kube.core.listNamespacedPod({ namespace })).items,
    );
  }

  /** Pods matching a label selector, uncached (live logs pick a pod from these). */
  async selectPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.kube.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  pod(namespace: string, name: string): Promise<V1Pod | undefined> {
    return orMissing(this.kube.core.readNamespacedPod({ name, namespace }));
  }

  ingresses(namespace?: string): Promise<V1Ingress[]> {
    return this.cache.get(`ingresses/${namespace ?? "*"}`, async () =>
      namespace === undefined
        ? (await this.kube.networking.listIngressForAllNamespaces()).items
        : (await this.kube.networking.listNamespacedIngress({ namespace })).items,
    );
  }

  events(namespace?: string): Promise<CoreV1Event[]> {
    return this.cache.get(`events/${namespace ?? "*"}`, async () =>
      namespace === undefined
        ? (await this.kube.core.listEventForAllNamespaces({ fieldSelector: "involvedObject.kind=Pod" })).items
        : (await this.kube.core.listNamespacedEvent({ namespace, fieldSelector: "involvedObject.kind=Pod" })).items,
    );
  }

  nodes(): Promise<V1Node[]> {
    return this.cache.get("nodes", async () => (await this.kube.core.listNode()).items);
  }

  /** Node usage from metrics-server, or undefined when it is not installed or not answering. */
  nodeMetrics(): Promise<NodeUsage[] | undefined> {
    return this.cache.get("metrics/nodes", async () => {
      try {
        const list = (await this.kube.custom.listClusterCustomObject({
          group: "metrics.k8s.io",
          version: "v1beta1",
          plural: "nodes",
        })) as { items?: { metadata?: { name?: string }; usage?: { cpu?: string; memory?: string } }[] };
        return (list.items ?? []).map((m) => ({
          name: m.metadata?.name ?? "",
          cpu: m.usage?.cpu ?? "0",
          memory: m.usage?.memory ?? "0",
        }));
      } catch (err) {
        const status = kubeStatus(err);
        if (status === 404 || status === 503 || status === 403) return undefined;
        throw err;
      }
    });
  }

  secret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return orMissing(this.kube.core.readNamespacedSecret({ name, namespace }));
  }

  /** Roll every pod of a Deployment, as `kubectl rollout restart` does. */
  async restartDeployment(namespace: string, name: string, at: string): Promise<V1Deployment> {
    const body = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } } };
    const d = await this.kube.apps.patchNamespacedDeployment({ name, namespace, body }, MERGE_PATCH);
    this.cache.invalidate(`deployments/`, `pods/`);
    return d;
  }

  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
    await this.kube.apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, MERGE_PATCH);
    this.cache.invalidate(`deployments/`, `pods/`);
  }

  /**
   * Change a Deployment by strategic merge patch (containers and env merge by name), for apps the stack does not
   * own.
   */
  async patchDeployment(namespace: string, name: string, body: object): Promise<V1Deployment> {
    const d = await this.kube.apps.patchNamespacedDeployment({ name, namespace, body }, STRATEGIC_MERGE_PATCH);
    this.cache.invalidate(`deployments/`, `pods/`);
    return d;
  }
}
