/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): the resource types it serves, with the facts the
 * REST layer needs about each (group, version, kind, whether namespaced, which subresources exist).
 */

export interface ResourceType {
  /** API group; "" for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name as it appears in URLs and RBAC rules. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Read-only resources (metrics) refuse writes with 405. */
  readonly readOnly?: boolean;
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false },
  { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
  { group: "", version: "v1", resource: "services", kind: "Service", namespaced: true },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true },
  { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
  { group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true },
  { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  { group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", namespaced: true },
  { group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    resource: "nodes",
    kind: "NodeMetrics",
    namespaced: false,
    readOnly: true,
  },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    resource: "pods",
    kind: "PodMetrics",
    namespaced: true,
    readOnly: true,
  },
];

/** The group part of an apiVersion: `apps/v1` → `apps`, `v1` → "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export function typeByPath(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

export function typeByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const group = groupOf(apiVersion);
  return RESOURCE_TYPES.find((t) => t.group === group && t.kind === kind);
}

/** Store key of a type: one collection per group and resource. */
export function typeKey(type: Pick<ResourceType, "group" | "resource">): string {
  return `${type.group}/${type.resource}`;
}
