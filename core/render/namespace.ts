/** A project's namespace, labelled as Skipper's. */
import type { K8sObject } from "../k8s.ts";
import { namespaceLabels, sortedLabels } from "../labels.ts";

/**
 * Pod Security Admission in `warn`/`audit` mode at `baseline`: a user's arbitrary images are never refused, but a pod
 * asking for host access or privileges is reported by the API server (Pulumi shows those warnings on `up`).
 */
const POD_SECURITY = {
  "pod-security.kubernetes.io/audit": "baseline",
  "pod-security.kubernetes.io/warn": "baseline",
} as const;

export function renderNamespace(project: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: project, labels: sortedLabels({ ...namespaceLabels(project), ...POD_SECURITY }) },
  };
}
