/**
 * Every Kubernetes API permission the console-api uses, and nothing more. The stack renders the console's RBAC from
 * this file, and `test/console-api/permissions.test.ts` drives every route of the console-api against the in-memory
 * Kubernetes API and compares the calls it made with these lists in both directions, so a new call without a rule
 * (or a rule no code needs) fails the build.
 *
 * Two scopes, for least privilege:
 * - `CLUSTER_PERMISSIONS`: what it does in project namespaces and cluster-wide (a ClusterRole + ClusterRoleBinding).
 * - `OWN_NAMESPACE_PERMISSIONS`: what it additionally does only in its own namespace (`SKIPPER_CONSOLE_NAMESPACE`):
 *   writing its users Secret and its audit-log ConfigMaps (a Role + RoleBinding there).
 * `CONSOLE_PERMISSIONS` is their union (contract 3): rendering it as one ClusterRole also works, but grants secret and
 * configmap writes everywhere; prefer the split.
 *
 * Reads stay cluster-wide (the dashboard lists nodes, pods and failures of every project). Writes are bound
 * cluster-wide too (projects are created at run time), so RBAC alone would let the console patch a Deployment in
 * `kube-system`: the console's admission policy (`core/render/console-policy.ts`) narrows every write in these lists
 * (every verb not in `READ_VERBS`) to project namespaces (`CLUSTER_PERMISSIONS`) or the console's own namespace
 * (`OWN_NAMESPACE_PERMISSIONS`), and a cluster-scoped write to creating a labelled project namespace. The policy's
 * rules are derived from these lists, so a write added here is covered at once; a new cluster-scoped write is refused
 * by the policy until it allows it.
 */

export interface Permission {
  /** API group; "" is the core group. */
  readonly apiGroup: string;
  /** Plural resource, with a subresource after a slash (`pods/log`). */
  readonly resource: string;
  /** RBAC verbs, sorted. */
  readonly verbs: readonly string[];
}

export const CLUSTER_PERMISSIONS: readonly Permission[] = [
  { apiGroup: "", resource: "events", verbs: ["list"] },
  { apiGroup: "", resource: "namespaces", verbs: ["create", "list"] },
  { apiGroup: "", resource: "nodes", verbs: ["list"] },
  { apiGroup: "", resource: "pods", verbs: ["get", "list"] },
  { apiGroup: "", resource: "pods/log", verbs: ["get"] },
  { apiGroup: "", resource: "secrets", verbs: ["get"] },
  { apiGroup: "apps", resource: "deployments", verbs: ["get", "list", "patch"] },
  { apiGroup: "apps", resource: "deployments/scale", verbs: ["patch"] },
  { apiGroup: "apps", resource: "statefulsets", verbs: ["get", "list"] },
  { apiGroup: "metrics.k8s.io", resource: "nodes", verbs: ["list"] },
  { apiGroup: "networking.k8s.io", resource: "ingresses", verbs: ["list"] },
];

export const OWN_NAMESPACE_PERMISSIONS: readonly Permission[] = [
  { apiGroup: "", resource: "configmaps", verbs: ["create", "get", "update"] },
  { apiGroup: "", resource: "secrets", verbs: ["create", "get", "update"] },
];

/** Verbs that only read: admission never sees them. Any other verb changes something. */
export const READ_VERBS: ReadonlySet<string> = new Set(["get", "list", "watch"]);

/** `<group>/<resource>[/<subresource>]`, the key the admission policy compares requests with (core group: ""). */
export function permissionKey(p: Pick<Permission, "apiGroup" | "resource">): string {
  return `${p.apiGroup}/${p.resource}`;
}

/** The write verbs of a list, merged per resource; resources that are only read are left out. */
export function writePermissions(rules: readonly Permission[]): Permission[] {
  return mergePermissions(
    rules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => !READ_VERBS.has(v)) })).filter((r) => r.verbs.length > 0),
  );
}

/** Union of both scopes, one rule per (group, resource), verbs sorted. */
export const CONSOLE_PERMISSIONS: readonly Permission[] = mergePermissions([
  ...CLUSTER_PERMISSIONS,
  ...OWN_NAMESPACE_PERMISSIONS,
]);

export function mergePermissions(rules: readonly Permission[]): Permission[] {
  const byKey = new Map<string, { apiGroup: string; resource: string; verbs: Set<string> }>();
  for (const r of rules) {
    const key = permissionKey(r);
    const entry = byKey.get(key) ?? { apiGroup: r.apiGroup, resource: r.resource, verbs: new Set<string>() };
    for (const v of r.verbs) entry.verbs.add(v);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .map((e) => ({ apiGroup: e.apiGroup, resource: e.resource, verbs: [...e.verbs].sort() }))
    .sort((a, b) => permissionKey(a).localeCompare(permissionKey(b)));
}
