/**
 * Pieces of pod specs shared by the renderers: resources, security defaults, history limits.
 * Every helper returns fresh objects (no shared references between rendered objects, so serialisers never emit
 * YAML anchors and a caller mutating one object cannot change another). Types come from `kubernetes-models` (type-only imports, erased at run time) so a misspelt field fails `tsc`.
 */
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { Resources } from "../model.ts";

export function resourceRequirements(r: Resources): IResourceRequirements {
  return { requests: { cpu: r.cpu, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } };
}

/**
 * Pod-level defaults that suit arbitrary images: the runtime's default seccomp profile, no Kubernetes API token
 * (apps do not talk to the API server) and no service-link env vars (Kubernetes would inject `DB_PORT=tcp://…` for a
 * Service named `db`, clashing with the binding variables).
 */
export function podDefaults(): {
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  securityContext: IPodSecurityContext;
} {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
  };
}

/**
 * Container-level defaults: no privilege escalation (setuid binaries cannot gain rights). `runAsNonRoot` is not
 * forced: many images (postgres, nginx) start as root and drop privileges themselves.
 */
export function containerSecurity(): ISecurityContext {
  return { allowPrivilegeEscalation: false };
}

/**
 * Pod security of Skipper's own workloads (gateway, heartbeat), whose images are known: a fixed non-root user, the
 * group that owns mounted volumes, the runtime's default seccomp profile.
 */
export function nonRootPodSecurity(uid: number, gid: number = uid): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container security of Skipper's own workloads: non-root, read-only root filesystem, no capabilities, no escalation. */
export function hardenedContainerSecurity(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  };
}

/** Sort a list of named entries by name (env vars), for deterministic output. */
export function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Old ReplicaSets / ControllerRevisions kept for `kubectl rollout undo`. */
export const REVISION_HISTORY_LIMIT = 5;
export const REVISION_HISTORY_LIMIT_STATEFUL = 5;
