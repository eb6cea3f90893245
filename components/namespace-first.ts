/**
 * Create a component's objects with its own Namespace first: every object in that namespace depends on it, so the API
 * server never sees a namespaced object before its namespace (and a destroy deletes the namespace last).
 * Used by the components that bring their own namespace (`Gateway`, `GatewayRegistration`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../core/k8s.ts";
import { createK8sObject, createK8sObjects, objectKey } from "./k8s-object.ts";

export function createNamespaceFirst(
  namespace: string,
  objects: readonly K8sObject[],
  optionsFor: (obj: K8sObject) => pulumi.CustomResourceOptions,
): Map<string, pulumi.CustomResource> {
  const nsObject = objects.find((o) => o.kind === "Namespace" && o.metadata.name === namespace);
  if (!nsObject) throw new Error(`no Namespace ${namespace} among the rendered objects`);
  const ns = createK8sObject(nsObject, optionsFor(nsObject));
  const created = createInNamespace(
    ns,
    namespace,
    objects.filter((o) => o !== nsObject),
    optionsFor,
  );
  created.set(objectKey(nsObject), ns);
  return created;
}

/** Create objects in a Namespace created earlier (`ns`): those in it depend on it. */
export function createInNamespace(
  ns: pulumi.Resource,
  namespace: string,
  objects: readonly K8sObject[],
  optionsFor: (obj: K8sObject) => pulumi.CustomResourceOptions,
): Map<string, pulumi.CustomResource> {
  return createK8sObjects(objects, (obj) => {
    const opts = optionsFor(obj);
    if (obj.metadata.namespace !== namespace) return opts;
    const more = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn];
    return { ...opts, dependsOn: [ns, ...(more as pulumi.Input<pulumi.Resource>[])] };
  });
}
