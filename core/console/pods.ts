/**
 * Pods as the console shows them, and what is wrong with a pod in words a person can act on: a container that ran
 * out of memory, keeps crashing, cannot pull its image or lacks a Secret, or a pod the scheduler cannot place.
 */
import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import type { PodView } from "./api.ts";

type ContainerView = PodView["containers"][number];

export interface PodProblem {
  readonly reason: string;
  readonly message: string;
  readonly container?: string;
  readonly since?: string;
}

/** A timestamp as client-node gives it (Date) or as JSON (string), as ISO 8601. */
export function iso(t: Date | string | undefined | null): string | undefined {
  if (t === undefined || t === null) return undefined;
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function containerView(name: string, image: string, s: V1ContainerStatus | undefined): ContainerView {
  const state = s?.state?.running ? "running" : s?.state?.terminated ? "terminated" : "waiting";
  const reason = s?.state?.waiting?.reason ?? s?.state?.terminated?.reason;
  const last = s?.lastState?.terminated;
  const finishedAt = iso(last?.finishedAt);
  return {
    name,
    image: s?.image ?? image,
    ready: s?.ready ?? false,
    restarts: s?.restartCount ?? 0,
    state,
    ...(reason !== undefined && { reason }),
    ...(last !== undefined && {
      lastTermination: {
        reason: last.reason ?? "Error",
        exitCode: last.exitCode ?? 0,
        ...(finishedAt !== undefined && { finishedAt }),
      },
    }),
  };
}

export function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export function podView(pod: V1Pod, problem?: PodProblem): PodView {
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = (pod.spec?.containers ?? []).map((c) =>
    containerView(
      c.name,
      c.image ?? "",
      statuses.find((s) => s.name === c.name),
    ),
  );
  const startedAt = iso(pod.status?.startTime);
  return {
    name: pod.metadata?.name ?? "",
    phase: pod.status?.phase ?? "Pending",
    ready: isReady(pod),
    restarts: containers.reduce((n, c) => n + c.restarts, 0),
    ...(pod.spec?.nodeName !== undefined && { node: pod.spec.nodeName }),
    ...(startedAt !== undefined && { startedAt }),
    ...(problem !== undefined && { reason: problem.reason }),
    containers,
  };
}

const IMAGE_PULL = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"]);
const CONFIG = new Set(["CreateContainerConfigError", "CreateContainerError"]);

function containerProblem(pod: V1Pod, s: V1ContainerStatus, fixHint: string): PodProblem | undefined {
  const waiting = s.state?.waiting?.reason;
  const last = s.lastState?.terminated;
  const since = iso(last?.finishedAt) ?? iso(pod.status?.startTime);
  const at = { container: s.name, ...(since !== undefined && { since }) };
  const oom = s.state?.terminated?.reason === "OOMKilled" || (last?.reason === "OOMKilled" && !s.ready);
  if (oom) {
    const limit = pod.spec?.containers.find((c) => c.name === s.name)?.resources?.limits?.["memory"];
    return {
      reason: "OOMKilled",
      message:
        `container "${s.name}" used more memory than its limit${limit !== undefined ? ` (${limit})` : ""} and was killed` +
        ` (restarted ${s.restartCount} times); raise its memory limit${fixHint} or find what grows`,
      ...at,
    };
  }
  if (waiting === "CrashLoopBackOff") {
    const code = last?.exitCode;
    return {
      reason: "CrashLoopBackOff",
      message:
        `container "${s.name}" keeps exiting${code !== undefined ? ` (exit code ${code})` : ""}, restarted ${s.restartCount} times;` +
        " read its previous container's logs to see why it stops",
      ...at,
    };
  }
  if (waiting !== undefined && IMAGE_PULL.has(waiting)) {
    return {
      reason: waiting,
      message:
        `image "${s.image}" cannot be pulled: check that the name and tag exist and that the registry is public` +
        ` or the cluster has credentials for it${fixHint}`,
      ...at,
    };
  }
  if (waiting !== undefined && CONFIG.has(waiting)) {
    const detail = s.state?.waiting?.message;
    return {
      reason: waiting,
      message: `container "${s.name}" cannot be created${detail ? `: ${detail}` : ""}; create the Secret or ConfigMap it refers to, or fix the reference${fixHint}`,
      ...at,
    };
  }
  return undefined;
}

/** The scheduler's latest word on a pod, from its PodScheduled condition or a FailedScheduling event. */
function schedulerMessage(pod: V1Pod, events: readonly CoreV1Event[]): string | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (condition?.message) return condition.message;
  const mine = events.filter(
    (e) =>
      e.reason === "FailedScheduling" &&
      e.involvedObject.name === pod.metadata?.name &&
      e.involvedObject.namespace === pod.metadata?.namespace,
  );
  mine.sort((a, b) =>
    (iso(a.lastTimestamp ?? a.eventTime) ?? "").localeCompare(iso(b.lastTimestamp ?? b.eventTime) ?? ""),
  );
  return mine[mine.length - 1]?.message;
}

/**
 * What is wrong with a pod, or undefined when nothing is. `fixHint` ends sentences that can send the person to the
 * stack file (` in stacks/skipper.ts`), or is empty.
 */
export function podProblem(pod: V1Pod, events: readonly CoreV1Event[], fixHint = ""): PodProblem | undefined {
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = containerProblem(pod, s, fixHint);
    if (p !== undefined) return p;
  }
  if (pod.status?.phase === "Pending" && !pod.spec?.nodeName) {
    const why = schedulerMessage(pod, events);
    const since = iso(pod.metadata?.creationTimestamp);
    if (why !== undefined) {
      return {
        reason: "Pending",
        message: `not scheduled: ${why}; add a node or lower the resource requests${fixHint}`,
        ...(since !== undefined && { since }),
      };
    }
  }
  return undefined;
}
