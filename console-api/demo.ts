/**
 * The console without a cluster (`kip console demo`): the in-memory Kubernetes API (the test double) seeded with the
 * objects a stack renders, a node with metrics, Running pods for every workload, log lines that keep coming, and the
 * console-api on top, with the web console when it is built. Nothing here touches a real cluster.
 */
import type { FastifyInstance } from "fastify";
import type { K8sObject } from "../core/k8s.ts";
import { createConsoleApp } from "./app.ts";
import { generatePassword } from "./auth/passwords.ts";
import { generateSigningKey } from "./auth/tokens.ts";
import { isLoopbackHost } from "./config.ts";
import { loadKubeConfig } from "./kube/client.ts";
import { type MemoryKube, type StoredObject, startMemoryKube } from "./memory-kube/index.ts";
import { typeByKind } from "./memory-kube/resources.ts";
import { ensureFirstAdmin } from "./users/bootstrap.ts";

export const DEMO_NAMESPACE = "skipper-console";

export interface DemoOptions {
  /** What the stack renders (as `kip synth` writes it); kinds the in-memory API does not serve are left out. */
  readonly objects: readonly K8sObject[];
  readonly host: string;
  readonly admin?: { readonly email: string; readonly password: string };
  readonly webDir?: string;
  readonly stackFile: string;
  /** A new log line on every pod this often. @default 3000 */
  readonly logEveryMs?: number;
}

export interface Demo {
  readonly app: FastifyInstance;
  readonly kube: MemoryKube;
  /** The admin login: as given, or made up here (then `generated` is true). */
  readonly admin: { readonly email: string; readonly password: string; readonly generated: boolean };
  /** Objects of the stack the in-memory API cannot hold (Traefik middlewares, cert-manager issuers, …). */
  readonly skipped: readonly string[];
  stop(): Promise<void>;
}

const DEMO_NODE: K8sObject = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: "demo-node-1",
    labels: { "node-role.kubernetes.io/control-plane": "true", "kubernetes.io/hostname": "demo-node-1" },
  },
  status: {
    capacity: { cpu: "4", memory: "8039860Ki", pods: "110", "ephemeral-storage": "81106868Ki" },
    allocatable: { cpu: "4", memory: "8039860Ki", pods: "110" },
    conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
    nodeInfo: { kubeletVersion: "v1.33.1+k3s1", osImage: "Debian GNU/Linux 12 (bookworm)" },
  },
};

const DEMO_NODE_METRICS: K8sObject = {
  apiVersion: "metrics.k8s.io/v1beta1",
  kind: "NodeMetrics",
  metadata: { name: "demo-node-1" },
  usage: { cpu: "612m", memory: "2873100Ki" },
};

const PATHS = ["/", "/healthz", "/api/items", "/api/items/42", "/login", "/static/app.js"];

function logLine(pod: string, n: number): string {
  const path = PATHS[n % PATHS.length];
  const status = n % 17 === 0 ? 404 : 200;
  return `${new Date().toISOString()} ${pod} GET ${path} ${status} ${1 + ((n * 7) % 40)}ms`;
}

function seedLogs(kube: MemoryKube, pod: StoredObject): void {
  const ns = pod.metadata.namespace ?? "default";
  const containers = ((pod["spec"] as { containers?: { name: string; image?: string }[] }).containers ?? []).map(
    (c) => c,
  );
  for (const c of containers) {
    kube.appendLog(ns, pod.metadata.name, c.name, `starting ${c.image ?? c.name} (demo: these lines are made up)`);
    for (let i = 1; i <= 40; i++) kube.appendLog(ns, pod.metadata.name, c.name, logLine(pod.metadata.name, i));
  }
}

/**
 * The gateway domain the stack uses, read back from its gateway Ingresses (named after their app, plain HTTP from
 * the gateway, host `<app>-<cluster>.<domain>`), so the demo can show which hosts get TLS from the gateway.
 */
export function gatewayDomainOf(objects: readonly K8sObject[]): string | undefined {
  for (const o of objects) {
    if (o.kind !== "Ingress") continue;
    const spec = o["spec"] as {
      tls?: unknown[];
      rules?: { host?: string; http?: { paths?: { backend?: { service?: { name?: string } } }[] } }[];
    };
    const web = o.metadata.annotations?.["traefik.ingress.kubernetes.io/router.entrypoints"] === "web";
    const rule = spec.rules?.[0];
    const app = rule?.http?.paths?.[0]?.backend?.service?.name;
    if (!web || spec.tls !== undefined || app !== o.metadata.name || rule?.host === undefined) continue;
    if (rule.host.startsWith(`${app}-`)) return rule.host.slice(rule.host.indexOf(".") + 1);
  }
  return undefined;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const skipped: string[] = [];
  const objects = options.objects.filter((o) => {
    const served = typeByKind(o.apiVersion, o.kind) !== undefined;
    if (!served) skipped.push(`${o.kind}/${o.metadata.name}`);
    return served;
  });
  let kube: MemoryKube | undefined;
  const pending: StoredObject[] = [];
  kube = await startMemoryKube({
    objects: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: DEMO_NAMESPACE } },
      DEMO_NODE,
      DEMO_NODE_METRICS,
      ...objects,
    ],
    simulateWorkloads: { onPod: (pod) => (kube === undefined ? pending.push(pod) : seedLogs(kube, pod)) },
  });
  const k = kube;
  for (const pod of pending) seedLogs(k, pod);
  let tick = 100;
  const ticker = setInterval(() => {
    tick++;
    for (const pod of k.list("v1", "Pod")) {
      const container = (pod["spec"] as { containers?: { name: string }[] }).containers?.[0]?.name;
      if (container !== undefined)
        k.appendLog(
          pod.metadata.namespace ?? "default",
          pod.metadata.name,
          container,
          logLine(pod.metadata.name, tick),
        );
    }
  }, options.logEveryMs ?? 3000);
  ticker.unref();

  const app = await createConsoleApp({
    kube: loadKubeConfig({ kind: "string", yaml: k.kubeconfig }),
    signingKey: generateSigningKey(),
    namespace: DEMO_NAMESPACE,
    stackFile: options.stackFile,
    clusterId: "demo",
    ...(gatewayDomainOf(objects) !== undefined && { gatewayDomain: gatewayDomainOf(objects)! }),
    secureCookies: !isLoopbackHost(options.host),
    ...(options.webDir !== undefined && { webDir: options.webDir }),
  });
  const admin = options.admin ?? { email: "admin@skipper.demo", password: generatePassword() };
  await ensureFirstAdmin(app.console.users, admin);
  return {
    app,
    kube: k,
    admin: { ...admin, generated: options.admin === undefined },
    skipped,
    stop: async () => {
      clearInterval(ticker);
      await k.close();
    },
  };
}
