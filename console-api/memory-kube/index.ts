/**
 * TEST DOUBLE. An in-memory Kubernetes API for tests and for `kip console demo`; it is not a Kubernetes API server
 * and nothing in production uses it.
 *
 * It listens over plain HTTP on 127.0.0.1 and speaks the part of the Kubernetes REST API the console-api calls through
 * `@kubernetes/client-node`: list (label and field selectors), watch, get, create, replace (409 on a stale
 * resourceVersion), patch (JSON patch, merge patch and strategic merge patch, by Content-Type), delete and
 * deletecollection on namespaces, nodes, pods, services, secrets, configmaps, events, serviceaccounts, PVCs,
 * deployments, statefulsets, replicasets, ingresses, networkpolicies and (read-only) metrics.k8s.io nodes and pods;
 * the `scale` subresource of workloads; and pod logs (`container`, `tailLines`, `previous`, `follow`, `timestamps`).
 * Requests must carry the bearer token of the kubeconfig it hands out. Every call is recorded as
 * (verb, group, resource) as an RBAC rule names it, so a test can compare what a program did with what it is allowed.
 *
 * With `simulateWorkloads`, Deployments and StatefulSets get Running pods (see workloads.ts).
 */
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { stringify } from "yaml";
import type { K8sObject } from "../../core/k8s.ts";
import { type HandlerContext, handle, type KubeCall } from "./http.ts";
import { Logs } from "./logs.ts";
import { applyPatch } from "./patch.ts";
import { typeByKind, typeByPath } from "./resources.ts";
import { type Change, KubeError, Store, type StoredObject } from "./store.ts";
import { simulateWorkloads, type WorkloadOptions } from "./workloads.ts";

export type { KubeCall, Verb } from "./http.ts";
export type { StoredObject } from "./store.ts";

export interface MemoryKubeOptions {
  /** Objects stored before it starts (any order; namespaces need not come first). */
  readonly objects?: readonly K8sObject[];
  /** Give Deployments and StatefulSets Running pods, replacing them when their template changes. */
  readonly simulateWorkloads?: boolean | WorkloadOptions;
}

export interface PodInput {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Record<string, string>;
  /** Container names (default: one container named after the pod). */
  readonly containers?: readonly string[];
  readonly image?: string;
  /** Default `Running` with every container running and Ready. */
  readonly phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  readonly nodeName?: string;
  /** Owner workload (kind `Deployment` or `StatefulSet`), for garbage collection and lookups. */
  readonly owner?: { readonly kind: string; readonly name: string };
}

export interface CrashInput {
  /** Why the last run ended: `Error` (default), `OOMKilled`, `Completed`. */
  readonly reason?: string;
  readonly exitCode?: number;
  /** Waiting reason after the crash (default `CrashLoopBackOff`). */
  readonly waiting?: string;
}

export interface MemoryKube {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A kubeconfig (YAML) pointing at this server with its bearer token; `KubeConfig.loadFromString` accepts it. */
  readonly kubeconfig: string;
  readonly token: string;
  /** Every call served, in order. */
  readonly calls: readonly KubeCall[];
  clearCalls(): void;
  /** Create or replace objects directly (no call recorded). */
  apply(...objects: readonly K8sObject[]): StoredObject[];
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): StoredObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): StoredObject[];
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  addPod(input: PodInput): StoredObject;
  /** Merge (RFC 7386) into a pod's status. */
  setPodStatus(namespace: string, pod: string, status: Record<string, unknown>): StoredObject;
  /** The container restarted after a failure: its lines become the previous run's and its status says why. */
  crashContainer(namespace: string, pod: string, container: string, crash?: CrashInput): StoredObject;
  appendLog(namespace: string, pod: string, container: string, line: string): void;
  deletePod(namespace: string, pod: string): void;
  close(): Promise<void>;
}

const POD = typeByPath("", "v1", "pods")!;
const NAMESPACE = typeByPath("", "v1", "namespaces")!;

function typeFor(apiVersion: string, kind: string) {
  const type = typeByKind(apiVersion, kind);
  if (type === undefined) throw new Error(`memory kube: ${apiVersion} ${kind} is not a kind it serves`);
  return type;
}

function containerStatuses(containers: readonly string[], image: string, running: boolean, at: string) {
  return containers.map((name) => ({
    name,
    image,
    ready: running,
    started: running,
    restartCount: 0,
    state: running ? { running: { startedAt: at } } : { waiting: { reason: "ContainerCreating" } },
  }));
}

export async function startMemoryKube(options: MemoryKubeOptions = {}): Promise<MemoryKube> {
  const store = new Store();
  const logs = new Logs();
  const token = randomBytes(24).toString("base64url");
  const calls: KubeCall[] = [];
  const streams = new Set<ServerResponse>();
  const ctx: HandlerContext = { store, logs, token, calls, streams };
  // However a pod goes (deleted, its namespace or owner deleted), its log streams end.
  store.changes.on("change", (c: Change) => {
    if (c.type === "DELETED" && c.resource === POD) logs.dropPod(c.object.metadata.namespace!, c.object.metadata.name);
  });

  const apply = (...objects: readonly K8sObject[]): StoredObject[] => {
    // Namespaces first, so seeded objects may come in any order.
    const sorted = [...objects].sort((a, b) => Number(b.kind === "Namespace") - Number(a.kind === "Namespace"));
    return sorted.map((o) => {
      const type = typeFor(o.apiVersion, o.kind);
      const ns = type.namespaced ? (o.metadata.namespace ?? "default") : undefined;
      if (ns !== undefined && store.find(NAMESPACE, undefined, ns) === undefined)
        store.create(NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      const existing = store.find(type, ns, o.metadata.name);
      const object = structuredClone(o) as unknown as StoredObject;
      if (existing === undefined) return store.create(type, object, ns);
      delete object.metadata.resourceVersion;
      return store.replace(type, object, ns);
    });
  };
  if (options.objects !== undefined) apply(...options.objects);

  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify(new KubeError(500, "InternalError", err.message).body()));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    // client-node refuses plain http unless TLS verification is off; there is no TLS here at all (loopback only).
    clusters: [{ name: "memory-kube", cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "memory-kube", user: { token } }],
    contexts: [{ name: "memory-kube", context: { cluster: "memory-kube", user: "memory-kube", namespace: "default" } }],
    "current-context": "memory-kube",
  });

  const stopSimulation =
    options.simulateWorkloads === undefined || options.simulateWorkloads === false
      ? () => {}
      : simulateWorkloads(store, options.simulateWorkloads === true ? {} : options.simulateWorkloads);

  const podStatus = (namespace: string, pod: string, status: Record<string, unknown>) => {
    const current = store.get(POD, namespace, pod);
    const next = applyPatch(current, { status }, "application/merge-patch+json") as StoredObject;
    delete next.metadata.resourceVersion;
    return store.replace(POD, next, namespace);
  };

  return {
    url,
    kubeconfig,
    token,
    calls,
    clearCalls: () => {
      calls.length = 0;
    },
    apply,
    get: (apiVersion, kind, namespace, name) => store.find(typeFor(apiVersion, kind), namespace, name),
    list: (apiVersion, kind, namespace) => store.list(typeFor(apiVersion, kind), namespace),
    remove: (apiVersion, kind, namespace, name) => {
      store.delete(typeFor(apiVersion, kind), namespace, name);
    },
    addPod(input) {
      const containers = input.containers ?? [input.name];
      const image = input.image ?? "registry.example/app:latest";
      const phase = input.phase ?? "Running";
      const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const owner =
        input.owner === undefined
          ? undefined
          : store.find(typeFor("apps/v1", input.owner.kind), input.namespace, input.owner.name);
      const [pod] = apply({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: input.name,
          namespace: input.namespace,
          ...(input.labels !== undefined && { labels: input.labels }),
          ...(owner !== undefined && {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: owner.kind,
                name: owner.metadata.name,
                uid: owner.metadata.uid,
                controller: true,
              },
            ],
          }),
        },
        spec: {
          containers: containers.map((name) => ({ name, image })),
          ...(input.nodeName !== undefined && { nodeName: input.nodeName }),
        },
        status: {
          phase,
          ...(phase !== "Pending" && { startTime: at }),
          conditions: [{ type: "Ready", status: phase === "Running" ? "True" : "False", lastTransitionTime: at }],
          ...(phase !== "Pending" && {
            containerStatuses: containerStatuses(containers, image, phase === "Running", at),
          }),
        },
      });
      return pod!;
    },
    setPodStatus: podStatus,
    crashContainer(namespace, pod, container, crash = {}) {
      const current = store.get(POD, namespace, pod);
      const statuses = (
        (current["status"] as { containerStatuses?: Record<string, unknown>[] })?.containerStatuses ?? []
      ).map((s) => {
        if (s["name"] !== container) return s;
        const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        return {
          ...s,
          ready: false,
          started: false,
          restartCount: Number(s["restartCount"] ?? 0) + 1,
          lastState: {
            terminated: {
              reason: crash.reason ?? "Error",
              exitCode: crash.exitCode ?? (crash.reason === "OOMKilled" ? 137 : 1),
              finishedAt: at,
            },
          },
          state: {
            waiting: { reason: crash.waiting ?? "CrashLoopBackOff", message: "back-off restarting failed container" },
          },
        };
      });
      logs.restart(namespace, pod, container);
      return podStatus(namespace, pod, {
        containerStatuses: statuses,
        conditions: [{ type: "Ready", status: "False" }],
      });
    },
    appendLog: (namespace, pod, container, line) => logs.append(namespace, pod, container, line),
    deletePod(namespace, pod) {
      store.delete(POD, namespace, pod);
    },
    close: async () => {
      stopSimulation();
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
