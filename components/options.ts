/**
 * Options shared by Skipper's components: what every in-cluster child gets (parent, the cluster's Kubernetes
 * provider, `deletedWith` the k3s install step) and the timeouts of the objects Pulumi waits for.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The cluster an in-cluster component deploys to. `K3sCluster` is one; a power user can pass any `k8s.Provider`.
 */
export interface ClusterTarget {
  /** The Kubernetes provider every object is created through (never the ambient default provider). */
  readonly provider: k8s.Provider;
  /**
   * The step whose deletion takes the whole cluster down (the k3s install). In-cluster objects are `deletedWith` it,
   * so destroying the host skips Kubernetes deletes that would fail against a dead API server. @default undefined
   */
  readonly installStep?: pulumi.Resource;
}

/** How long Pulumi waits for objects that have a readiness (await) logic. */
export const TIMEOUTS = {
  /** Deployments: pulling images and passing readiness probes. */
  workload: { create: "10m", update: "10m", delete: "5m" },
  /** StatefulSets: volume provisioning plus database start-up. */
  stateful: { create: "15m", update: "15m", delete: "5m" },
  /** Ingress: backends with endpoints and Traefik's published address. */
  route: { create: "5m", update: "5m", delete: "2m" },
} as const satisfies Record<string, pulumi.CustomTimeouts>;

/**
 * Options of an object created inside the cluster by the component `parent`. Pulumi does not pass a component's
 * `dependsOn` on to its children, so the component's own options are given here and their `dependsOn` is forwarded.
 * @param componentOpts the options the component was created with
 * @param extra per-object options (retention, timeouts…)
 */
export function inClusterOptions(
  parent: pulumi.Resource,
  cluster: ClusterTarget,
  componentOpts: pulumi.ComponentResourceOptions | undefined,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return {
    parent,
    provider: cluster.provider,
    ...(cluster.installStep ? { deletedWith: cluster.installStep } : {}),
    ...(componentOpts?.dependsOn !== undefined ? { dependsOn: componentOpts.dependsOn } : {}),
    ...extra,
  };
}
