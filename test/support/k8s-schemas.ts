/**
 * OpenAPI schema validation of built-in Kubernetes kinds and cert-manager kinds through `kubernetes-models` (its
 * compiled ajv validators of the upstream schemas). Returns undefined for a kind it has no schema for.
 */
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { K8sObject } from "../../core/k8s.ts";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: readonly ModelClass[] = [
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  Certificate,
  ClusterIssuer,
  Issuer,
  DaemonSet,
  Deployment,
  StatefulSet,
  HorizontalPodAutoscaler,
  CronJob,
  Job,
  Ingress,
  NetworkPolicy,
  PodDisruptionBudget,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
] as unknown as ModelClass[];

/** `apiVersion/kind` → model class. */
export const SCHEMA_KINDS: ReadonlyMap<string, ModelClass> = new Map(
  MODELS.map((m) => {
    const c = m as unknown as { apiVersion: string; kind: string };
    return [`${c.apiVersion}/${c.kind}`, m];
  }),
);

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** Schema problems of `obj`, or undefined when its kind has no schema here. */
export function schemaProblems(obj: K8sObject): string[] | undefined {
  const Model = SCHEMA_KINDS.get(`${obj.apiVersion}/${obj.kind}`);
  if (!Model) return undefined;
  try {
    new Model(obj as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) return [err instanceof Error ? err.message : String(err)];
    return errors.map((e) => {
      const extra = e.params && "allowedValues" in e.params ? ` (${JSON.stringify(e.params["allowedValues"])})` : "";
      return `${e.instancePath || "/"} ${e.message ?? "is invalid"}${extra}`;
    });
  }
}
