/**
 * Test support for the console-api: the in-memory Kubernetes API (the test double) seeded with two projects, the
 * console-api listening on 127.0.0.1, users of each role, and an HTTP helper that returns status, headers and JSON.
 */
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import type { FastifyInstance } from "fastify";
import { type ConsoleAppOptions, createConsoleApp } from "../../console-api/app.ts";
import { hashPassword } from "../../console-api/auth/passwords.ts";
import { generateSigningKey, type SigningKey } from "../../console-api/auth/tokens.ts";
import { loadKubeConfig } from "../../console-api/kube/client.ts";
import { type MemoryKube, startMemoryKube } from "../../console-api/memory-kube/index.ts";
import type { StoredUser } from "../../console-api/users/store.ts";
import type { Role } from "../../core/console/api.ts";
import type { K8sObject } from "../../core/k8s.ts";
import {
  ANNOTATION_BOUND_APPS,
  ANNOTATION_DECLARED_REPLICAS,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PROJECT,
  LABEL_VERSION,
} from "../../core/labels.ts";

export const CONSOLE_NS = "skipper-console";
export const PASSWORD = "correct horse battery staple";
export const STACK_FILE = "stacks/skipper.ts";
export const GATEWAY = "gw.example";

export function namespace(name: string, project = true): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, ...(project && { labels: { [LABEL_PROJECT]: name, [LABEL_MANAGED_BY]: "skipper" } }) },
  };
}

export function deployment(
  project: string,
  name: string,
  opts: { replicas?: number; stack?: boolean; image?: string } = {},
): K8sObject {
  const selector = { [LABEL_INSTANCE]: name, [LABEL_MANAGED_BY]: "skipper" };
  const stack = opts.stack ?? true;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: project,
      labels: { ...selector, [LABEL_PROJECT]: project, ...(!stack && { [LABEL_MANAGED_BY]: "kubectl" }) },
      ...(stack && { annotations: { [ANNOTATION_DECLARED_REPLICAS]: String(opts.replicas ?? 1) } }),
    },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          containers: [
            {
              name,
              image: opts.image ?? `registry.example/${name}:1.0`,
              env: [
                { name: "PORT", value: "8080" },
                { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "db-credentials", key: "URL" } } },
              ],
            },
          ],
        },
      },
    },
  };
}

/** A postgres StatefulSet; `boundApps` is written as the stack's renderer writes it (none: not recorded). */
export function statefulSet(project: string, name: string, opts: { boundApps?: string } = {}): K8sObject {
  const selector = { [LABEL_INSTANCE]: name, [LABEL_MANAGED_BY]: "skipper" };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name,
      namespace: project,
      labels: { ...selector, [LABEL_NAME]: "postgres", [LABEL_VERSION]: "16" },
      ...(opts.boundApps !== undefined && { annotations: { [ANNOTATION_BOUND_APPS]: opts.boundApps } }),
    },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: { containers: [{ name, image: "postgres:16", ports: [{ containerPort: 5432 }] }] },
      },
    },
  };
}

export function credentials(project: string, service: string, password: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${service}-credentials`, namespace: project },
    stringData: {
      HOST: `${service}.${project}.svc.cluster.local`,
      PORT: "5432",
      USERNAME: "app",
      PASSWORD: password,
      DATABASE: "app",
      URL: `postgres://app:${password}@${service}:5432/app`,
    },
  };
}

export function ingress(project: string, app: string, host: string, tlsSecret?: string): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: tlsSecret ? `${app}-domains` : app, namespace: project },
    spec: {
      ...(tlsSecret && { tls: [{ hosts: [host], secretName: tlsSecret }] }),
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: app, port: { name: "http" } } } }],
          },
        },
      ],
    },
  };
}

/**
 * Two projects: `shop` (apps web and worker, service db bound to both) and `blog` (app site, service pg, which records
 * no bound apps, as a service made outside the stack).
 */
export function seed(): K8sObject[] {
  return [
    namespace(CONSOLE_NS, false),
    namespace("shop"),
    namespace("blog"),
    namespace("kube-system", false),
    deployment("shop", "web", { replicas: 2 }),
    deployment("shop", "worker"),
    deployment("shop", "manual", { stack: false }),
    statefulSet("shop", "db", { boundApps: "web,worker" }),
    credentials("shop", "db", "shop-db-secret-pw"),
    ingress("shop", "web", `web-c1.${GATEWAY}`),
    ingress("shop", "web", "shop.example.com", "web-tls"),
    deployment("blog", "site"),
    statefulSet("blog", "pg"),
    credentials("blog", "pg", "blog-pg-secret-pw"),
    deployment("kube-system", "coredns", { stack: false }),
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-1", labels: { "node-role.kubernetes.io/control-plane": "true" } },
      status: {
        capacity: { cpu: "2", memory: "4026680Ki", pods: "110" },
        allocatable: { cpu: "2", memory: "3924280Ki", pods: "110" },
        conditions: [{ type: "Ready", status: "True" }],
        nodeInfo: { kubeletVersion: "v1.33.1+k3s1" },
      },
    },
  ];
}

export interface Harness {
  readonly kube: MemoryKube;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly key: SigningKey;
  /** Audit lines printed (the console prints each entry too). */
  readonly printed: string[];
  addUser(email: string, role: Role, projects?: string[]): Promise<void>;
  login(email: string, password?: string): Promise<{ token: string; cookie: string }>;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
}

export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  readonly json: any;
}

export async function startConsole(
  t: TestContext,
  options: Partial<ConsoleAppOptions> & { objects?: K8sObject[]; simulate?: boolean } = {},
): Promise<Harness> {
  const kube = await startMemoryKube({
    objects: options.objects ?? seed(),
    simulateWorkloads: options.simulate ?? true,
  });
  const key = generateSigningKey();
  const printed: string[] = [];
  const app = await createConsoleApp({
    kube: loadKubeConfig({ kind: "string", yaml: kube.kubeconfig }),
    signingKey: key,
    namespace: CONSOLE_NS,
    stackFile: STACK_FILE,
    clusterId: "c1",
    gatewayDomain: GATEWAY,
    secureCookies: false,
    cacheTtlMs: 0,
    logPingMs: 1000,
    processMetrics: false,
    print: (line) => printed.push(line),
    warn: () => {},
    ...options,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  t.after(async () => {
    await app.close();
    await kube.close();
  });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const hashes = new Map<string, string>();

  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers["authorization"] = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined && { body }) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  return {
    kube,
    app,
    url,
    key,
    printed,
    async addUser(email, role, projects = []) {
      let passwordHash = hashes.get(PASSWORD);
      if (passwordHash === undefined) {
        passwordHash = await hashPassword(PASSWORD);
        hashes.set(PASSWORD, passwordHash);
      }
      const user: StoredUser = { email, role, projects, passwordHash, createdAt: new Date().toISOString() };
      await app.console.users.update((users) => ({ users: [...users, user], result: undefined }));
    },
    async login(email, password = PASSWORD) {
      const r = await call("POST", "/api/v1/auth/login", { body: { email, password } });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
      const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      return { token: r.json.accessToken as string, cookie };
    },
    call,
  };
}
