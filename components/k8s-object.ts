/**
 * One Kubernetes object (plain data from a `core/render/` renderer) → the matching `@pulumi/kubernetes` resource.
 * Every component creates its objects through `createK8sObject`, so the mapping from kind to class, the logical
 * names and the per-kind options (timeouts, retention) live here once.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../core/k8s.ts";
import { TIMEOUTS } from "./options.ts";

type K8sResourceClass = new (
  name: string,
  args: Record<string, unknown>,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/** Typed classes for the built-in kinds the renderers produce, keyed `<apiVersion>/<kind>`. */
const CLASSES: Readonly<Record<string, K8sResourceClass>> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/Service": k8s.core.v1.Service,
  "v1/Secret": k8s.core.v1.Secret,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
  "batch/v1/CronJob": k8s.batch.v1.CronJob,
  "networking.k8s.io/v1/Ingress": k8s.networking.v1.Ingress,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
  "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding":
    k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
} as unknown as Record<string, K8sResourceClass>;

/** Per-kind timeouts for kinds Pulumi awaits. */
const KIND_TIMEOUTS: Readonly<Record<string, pulumi.CustomTimeouts>> = {
  Deployment: TIMEOUTS.workload,
  StatefulSet: TIMEOUTS.stateful,
  Ingress: TIMEOUTS.route,
};

/**
 * The Pulumi logical name of an object: `<namespace>/<name>`, or `<name>` for cluster-scoped kinds. Unique per kind
 * in a cluster, stable while the object keeps its Kubernetes name. Changing it re-creates the object: treat it as a
 * contract and add an alias when it must change.
 */
export function logicalName(obj: K8sObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

/** Built-in API groups have no dot (`v1`, `apps/v1`) or end in `.k8s.io`; anything else is a CRD's. */
function isCustomResourceApi(apiVersion: string): boolean {
  const slash = apiVersion.indexOf("/");
  if (slash === -1) return false;
  const group = apiVersion.slice(0, slash);
  return group.includes(".") && !group.endsWith(".k8s.io");
}

/** The resource class an object maps to; throws for a built-in kind nobody mapped yet. */
export function resourceClassFor(obj: K8sObject): K8sResourceClass {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const cls = CLASSES[key];
  if (cls) return cls;
  if (isCustomResourceApi(obj.apiVersion)) {
    return k8s.apiextensions.CustomResource as unknown as K8sResourceClass;
  }
  throw new Error(`no Pulumi resource class for ${key}: add it to the table in components/k8s-object.ts`);
}

/**
 * Create `obj` as a Pulumi resource with `opts` (use `inClusterOptions`). The object's own name is kept
 * (`metadata.name` is explicit, never auto-named: other objects and people refer to it).
 */
export function createK8sObject(obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const cls = resourceClassFor(obj);
  const timeouts = KIND_TIMEOUTS[obj.kind];
  return new cls(logicalName(obj), obj as unknown as Record<string, unknown>, {
    ...(timeouts ? { customTimeouts: timeouts } : {}),
    ...opts,
  });
}

/** Kinds other objects of a component refer to (env from Secrets, volumes, service accounts): created first. */
const SUPPORTING_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "Secret",
  "ConfigMap",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "PersistentVolumeClaim",
]);

/** The key of an object in a component's map: `<Kind>/<name>`. */
export function objectKey(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata.name}`;
}

/**
 * Create a component's objects. Supporting objects (Secrets, ConfigMaps, …) come first and the others depend on
 * them, so a workload never starts before the settings it reads exist, and is deleted before them.
 * @param optionsFor the options of one object (parent, provider, deletedWith, retention…)
 */
export function createK8sObjects(
  objects: readonly K8sObject[],
  optionsFor: (obj: K8sObject) => pulumi.CustomResourceOptions,
): Map<string, pulumi.CustomResource> {
  const created = new Map<string, pulumi.CustomResource>();
  const supporting = objects.filter((o) => SUPPORTING_KINDS.has(o.kind));
  const rest = objects.filter((o) => !SUPPORTING_KINDS.has(o.kind));
  for (const obj of supporting) created.set(objectKey(obj), createK8sObject(obj, optionsFor(obj)));
  const firstOnes = [...created.values()];
  for (const obj of rest) {
    const opts = optionsFor(obj);
    const dependsOn = [...firstOnes, ...toArray(opts.dependsOn)];
    created.set(objectKey(obj), createK8sObject(obj, { ...opts, ...(dependsOn.length ? { dependsOn } : {}) }));
  }
  return created;
}

function toArray(deps: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (deps === undefined) return [];
  return Array.isArray(deps) ? deps : [deps as pulumi.Input<pulumi.Resource>];
}
