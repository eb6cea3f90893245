/**
 * An Opaque Secret whose values go in `stringData`, of whatever type the caller holds them in (Pulumi Outputs in
 * components, strings in tests).
 */
import type { K8sObject } from "../k8s.ts";

export function opaqueSecret<V>(metadata: K8sObject["metadata"], stringData: Readonly<Record<string, V>>): K8sObject {
  return { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", stringData: { ...stringData } };
}
