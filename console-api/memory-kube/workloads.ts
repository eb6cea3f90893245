/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): an optional, much simplified stand-in for the
 * Deployment and StatefulSet controllers and the kubelet. When enabled, every Deployment and StatefulSet gets as many
 * Running, Ready pods as its `spec.replicas` (named as the real controllers name them, owned by the workload, on the
 * first node), a changed pod template replaces its pods at once (what a restart looks like), and the workload's
 * status counts them. No scheduling, probes or rollout pacing: just enough for the console to have something to show.
 */
import { createHash, randomBytes } from "node:crypto";
import { typeByPath } from "./resources.ts";
import type { Change, Store, StoredObject } from "./store.ts";

export interface WorkloadOptions {
  /** Called for every pod the simulation creates (e.g. to give it log lines). */
  readonly onPod?: (pod: StoredObject) => void;
}

const PODS = typeByPath("", "v1", "pods")!;
const NODES = typeByPath("", "v1", "nodes")!;
const DEPLOYMENTS = typeByPath("apps", "v1", "deployments")!;
const STATEFULSETS = typeByPath("apps", "v1", "statefulsets")!;

interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: { containers?: { name: string; image?: string }[] };
  };
}

function templateHash(spec: WorkloadSpec): string {
  return createHash("sha256")
    .update(JSON.stringify(spec.template ?? {}))
    .digest("hex")
    .slice(0, 10);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** A Running, Ready pod for a workload's template. */
export function runningPod(
  store: Store,
  owner: StoredObject,
  name: string,
  labels: Record<string, string>,
  spec: WorkloadSpec,
): StoredObject {
  const node = store.list(NODES)[0]?.metadata.name ?? "node-1";
  const containers = spec.template?.spec?.containers ?? [];
  const started = now();
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels,
      ...(spec.template?.metadata?.annotations !== undefined && { annotations: spec.template.metadata.annotations }),
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid!,
          controller: true,
        },
      ],
    },
    spec: { ...(spec.template?.spec ?? {}), nodeName: node },
    status: {
      phase: "Running",
      podIP: `10.42.0.${1 + (randomBytes(1)[0] ?? 0)}`,
      startTime: started,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: started }],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: started } },
      })),
    },
  };
}

/** Pods a workload owns. */
function ownedPods(store: Store, owner: StoredObject): StoredObject[] {
  return store.list(
    PODS,
    owner.metadata.namespace,
    (p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid) === true,
  );
}

function reconcile(store: Store, owner: StoredObject, options: WorkloadOptions): void {
  const spec = (owner["spec"] ?? {}) as WorkloadSpec;
  const wanted = spec.replicas ?? 1;
  const hash = templateHash(spec);
  const labels = { ...(spec.template?.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) };
  const stateful = owner.kind === "StatefulSet";
  const hashLabel = stateful ? "controller-revision-hash" : "pod-template-hash";
  const create = (name: string) => {
    const pod = store.create(PODS, runningPod(store, owner, name, { ...labels, [hashLabel]: hash }, spec));
    options.onPod?.(pod);
  };
  let pods = ownedPods(store, owner);
  for (const p of pods) {
    const stale = p.metadata.labels?.[hashLabel] !== hash;
    const surplus = stateful && Number(p.metadata.name.slice(owner.metadata.name.length + 1)) >= wanted;
    if (stale || surplus) store.delete(PODS, p.metadata.namespace, p.metadata.name);
  }
  pods = ownedPods(store, owner);
  if (stateful) {
    for (let i = 0; i < wanted; i++) {
      const name = `${owner.metadata.name}-${i}`;
      if (!pods.some((p) => p.metadata.name === name)) create(name);
    }
  } else {
    for (const p of pods.slice(wanted)) store.delete(PODS, p.metadata.namespace, p.metadata.name);
    for (let i = pods.length; i < wanted; i++)
      create(`${owner.metadata.name}-${hash}-${randomBytes(3).toString("hex").slice(0, 5)}`);
  }
  const owned = ownedPods(store, owner);
  const count = owned.length;
  const ready = owned.filter((p) =>
    ((p["status"] as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
      (c) => c.type === "Ready" && c.status === "True",
    ),
  ).length;
  const fresh = store.find(
    owner.kind === "StatefulSet" ? STATEFULSETS : DEPLOYMENTS,
    owner.metadata.namespace,
    owner.metadata.name,
  );
  if (fresh === undefined) return;
  const status = {
    observedGeneration: fresh.metadata.generation,
    replicas: count,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: count,
    ...(stateful ? { currentReplicas: count, currentRevision: hash, updateRevision: hash } : {}),
  };
  if (JSON.stringify(fresh["status"]) !== JSON.stringify(status)) {
    store.replace(owner.kind === "StatefulSet" ? STATEFULSETS : DEPLOYMENTS, { ...fresh, status });
  }
}

/** Start simulating; returns a function that stops it. Already stored workloads are reconciled at once. */
export function simulateWorkloads(store: Store, options: WorkloadOptions = {}): () => void {
  const pending = new Map<string, StoredObject>();
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const batch = [...pending.values()];
    pending.clear();
    for (const owner of batch) {
      const type = owner.kind === "StatefulSet" ? STATEFULSETS : DEPLOYMENTS;
      const current = store.find(type, owner.metadata.namespace, owner.metadata.name);
      if (current !== undefined) reconcile(store, current, options);
    }
  };
  const queue = (owner: StoredObject) => {
    pending.set(`${owner.kind}/${owner.metadata.namespace}/${owner.metadata.name}`, owner);
    if (!scheduled) {
      scheduled = true;
      setImmediate(run);
    }
  };
  const listener = (c: Change) => {
    if (c.type !== "DELETED" && (c.resource === DEPLOYMENTS || c.resource === STATEFULSETS)) queue(c.object);
    // A deleted pod of a workload is replaced, as a ReplicaSet would.
    if (c.type === "DELETED" && c.resource === PODS) {
      for (const ref of c.object.metadata.ownerReferences ?? []) {
        const type = ref.kind === "StatefulSet" ? STATEFULSETS : ref.kind === "Deployment" ? DEPLOYMENTS : undefined;
        const owner = type && store.find(type, c.object.metadata.namespace, ref.name);
        if (owner) queue(owner);
      }
    }
  };
  store.changes.on("change", listener);
  for (const owner of [...store.list(DEPLOYMENTS), ...store.list(STATEFULSETS)]) reconcile(store, owner, options);
  return () => store.changes.off("change", listener);
}
