/**
 * The console-api's Kubernetes objects, as plain data (DESIGN.md §7, issue 8 "Deployed by the stack").
 * `components/console.ts` creates them; tests validate them offline.
 *
 * Shipping: the console-api is more than one file (its bundle, argon2's WebAssembly build and the JavaScript runtime
 * that loads it, the web console's assets), about 8 MB uncompressed and well over the 1 MiB a ConfigMap may hold. The
 * component packs the tree into one `.tar.gz`; here it is cut into ConfigMaps of at most `ARCHIVE_PART_BYTES` each
 * (`binaryData`), and an init container on the same pinned Node image concatenates the parts, checks the SHA-256 of
 * the tar, and unpacks it into an `emptyDir` that the server's container mounts read-only. The tar's hash is a
 * pod-template annotation, so new code rolls the pod and nothing else does.
 *
 * Routing is an app's: the gateway host `console-<cluster-id>.<gateway>` arrives as plain HTTP from the gateway (which
 * terminates TLS) on Traefik's `web` entry point; `console.domain` is served on `websecure` with a Let's Encrypt
 * certificate (the stack's ClusterIssuer) and redirected there from plain HTTP. Only Traefik may connect to the pod.
 *
 * Access (least privilege, from `core/console/permissions.ts`):
 * - a ClusterRole with the cluster-scope permissions except Secrets, bound cluster-wide;
 * - Secrets outside its own namespace: only `get`, only the credentials Secrets of the stack's services, one Role per
 *   project namespace with `resourceNames` (service credentials are the one Secret the API reads elsewhere). An app's
 *   secret env, the gateway's tokens, cert-manager's keys and k3s's own Secrets stay out of its reach;
 * - a Role in its own namespace for what it writes there (its users Secret and audit ConfigMaps).
 * Reads stay cluster-wide (the dashboard lists nodes, pods and failures everywhere). Writes are bound cluster-wide
 * (projects are created at run time), and the admission policy of `console-policy.ts` (`renderConsoleAdmission`)
 * narrows them to project namespaces and the console's own: the component creates it before anything else.
 *
 * Secret values never appear here: `consoleSecrets` takes them in whatever type the caller holds (Pulumi Outputs in
 * the component, strings in tests).
 */
import {
  CLUSTER_PERMISSIONS,
  mergePermissions,
  OWN_NAMESPACE_PERMISSIONS,
  type Permission,
} from "../console/permissions.ts";
import type { K8sObject } from "../k8s.ts";
import { platformLabels, selectorLabels } from "../labels.ts";
import type { Resources } from "../model.ts";
import { CLUSTER_ISSUER, httpsRedirectMiddleware, INGRESS_CLASS } from "./app.ts";
import { CONFIGMAP_MAX_BYTES, NODE_RUNTIME_IMAGE, NODE_RUNTIME_UID } from "./code-bundle.ts";
import { consoleKubernetesProblem, renderConsolePolicy } from "./console-policy.ts";
import { type EnvVar, literalEnv, secretEnv } from "./env.ts";
import { httpService } from "./http-service.ts";
import { credentialsSecretName } from "./names.ts";
import { onlyFromTraefik, type TraefikPods } from "./network-policy.ts";
import { hardenedContainerSecurity, nonRootPodSecurity } from "./pod.ts";
import { opaqueSecret } from "./secret.ts";

/** The console's namespace (contract 3's default for `SKIPPER_CONSOLE_NAMESPACE`). */
export const CONSOLE_NAMESPACE = "skipper-console";
/** Raw bytes of archive per ConfigMap: the 1 MiB limit less 4 KiB for the key and metadata. */
export const ARCHIVE_PART_BYTES = CONFIGMAP_MAX_BYTES - 4 * 1024;
/** Pod-template annotation with the SHA-256 of the unpacked tar. */
export const ARCHIVE_HASH_ANNOTATION = "skipper.dev/archive-sha256";
/** Where the archive parts are mounted, one folder per part. */
export const ARCHIVE_MOUNT = "/opt/skipper/archive";
/** Where the unpacked tree lives (an emptyDir, read-only in the server container). */
export const APP_DIR = "/opt/skipper/app";
/** Where the signing key is mounted. */
export const SIGNING_KEY_DIR = "/etc/skipper/console";
export const SIGNING_KEY_KEY = "signing-key.pem";
export const ADMIN_PASSWORD_KEY = "password";
/** The files inside the archive the pod refers to (see `components/console-bundle.ts`). */
export const SERVER_FILE = "console-api.mjs";
export const WEB_FOLDER = "web";
const PART_KEY = "part";

/** The packed tree the pod runs. */
export interface ConsoleArchive {
  /** The `.tar.gz` bytes. */
  readonly gzip: Uint8Array;
  /** Hex SHA-256 of the uncompressed tar. */
  readonly tarSha256: string;
  /** Whether the tree holds the web console under `web/`. */
  readonly hasWeb: boolean;
}

export interface ConsoleInput {
  /** The cluster id (`SKIPPER_CLUSTER_ID`). */
  readonly clusterId: string;
  /** Base domain of the gateway, when the stack uses one (`SKIPPER_GATEWAY_DOMAIN`). */
  readonly gatewayDomain?: string;
  /** `console-<cluster-id>.<gateway>`, when the stack uses a gateway. */
  readonly gatewayHost?: string;
  /** `console.domain`: served over HTTPS with a Let's Encrypt certificate. */
  readonly domain?: string;
  /** The first admin's e-mail (`SKIPPER_ADMIN_EMAIL`; used only while no user exists). */
  readonly adminEmail: string;
  readonly archive: ConsoleArchive;
  /**
   * The credentials Secrets the console may read, by namespace: the stack's services.
   * @default none (the console then reads no Secret outside its namespace)
   */
  readonly credentials?: readonly { readonly namespace: string; readonly name: string }[];
  /** @default CONSOLE_NAMESPACE */
  readonly namespace?: string;
  /** @default NODE_RUNTIME_IMAGE */
  readonly image?: string;
  /** @default 50m/128Mi requested, 1 CPU / 512Mi limit */
  readonly resources?: Resources;
  /** Port the server listens on in the pod. @default 8080 */
  readonly port?: number;
  /** Where Traefik's pods run: only they may connect. @default k3s's bundled Traefik */
  readonly traefik?: TraefikPods;
  /**
   * The cluster's k3s version (`cluster.k3s.version`): one older than v1.30 is refused, as it cannot serve the
   * console's admission policy. @default not checked (the caller vouches for Kubernetes 1.30 or newer)
   */
  readonly k3sVersion?: string;
}

export interface ConsoleNames {
  readonly serviceAccount: string;
  readonly clusterRole: string;
  readonly ownRole: string;
  readonly credentialsRole: string;
  readonly archivePrefix: string;
  readonly signingKeySecret: string;
  readonly adminSecret: string;
  readonly deployment: string;
  readonly service: string;
  readonly headersMiddleware: string;
  readonly redirectMiddleware: string;
  readonly gatewayIngress: string;
  readonly domainIngress: string;
  readonly redirectIngress: string;
  readonly tlsSecret: string;
  readonly networkPolicy: string;
  /** The ValidatingAdmissionPolicy and its binding (cluster-scoped). */
  readonly admissionPolicy: string;
}

/** A console deployment with defaults filled in and names derived. */
export interface ConsoleConfig
  extends Required<Omit<ConsoleInput, "gatewayDomain" | "gatewayHost" | "domain" | "k3sVersion">> {
  readonly gatewayDomain?: string;
  readonly gatewayHost?: string;
  readonly domain?: string;
  readonly names: ConsoleNames;
}

const APP = "skipper-console";

export function consoleConfig(input: ConsoleInput): ConsoleConfig {
  const port = input.port ?? 8080;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`console port must be an unprivileged port between 1024 and 65535 (got ${port})`);
  }
  if (input.archive.gzip.byteLength === 0) throw new Error("console archive is empty");
  const tooOld = input.k3sVersion === undefined ? undefined : consoleKubernetesProblem(input.k3sVersion);
  if (tooOld !== undefined) throw new Error(`cluster.k3s.version: ${tooOld} (got "${input.k3sVersion}")`);
  const { k3sVersion: _checked, ...rest } = input;
  return {
    ...rest,
    credentials: [...(input.credentials ?? [])],
    namespace: input.namespace ?? CONSOLE_NAMESPACE,
    image: input.image ?? NODE_RUNTIME_IMAGE,
    resources: input.resources ?? { cpu: "50m", memory: "128Mi", cpuLimit: "1", memoryLimit: "512Mi" },
    port,
    traefik: input.traefik ?? { namespace: "kube-system", podLabels: { "app.kubernetes.io/name": "traefik" } },
    names: {
      serviceAccount: "console-api",
      clusterRole: "skipper-console-api",
      ownRole: "console-api",
      credentialsRole: "skipper-console-credentials",
      archivePrefix: "console-api-code",
      signingKeySecret: "console-api-signing-key",
      adminSecret: "console-api-admin",
      deployment: "console-api",
      service: "console-api",
      headersMiddleware: "console-api-headers",
      redirectMiddleware: "console-api-https-redirect",
      gatewayIngress: "console-api",
      domainIngress: "console-api-domain",
      redirectIngress: "console-api-redirect",
      tlsSecret: "console-api-tls",
      networkPolicy: "console-api-from-traefik",
      admissionPolicy: "skipper-console-api-writes",
    },
  };
}

/**
 * The first admin's e-mail when the stack names none: the stack's ACME e-mail (the operator's address, given or
 * derived from the custom domains), else `admin@` the console's own host, else `admin@skipper.local`.
 */
export function defaultAdminEmail(acmeEmail: string | undefined, hosts: readonly (string | undefined)[]): string {
  if (acmeEmail !== undefined) return acmeEmail;
  const host = hosts.find((h) => h !== undefined);
  return `admin@${host ?? "skipper.local"}`;
}

/** `https://…` for the gateway host, then the custom domain. */
export function consoleUrls(cfg: Pick<ConsoleConfig, "gatewayHost" | "domain">): string[] {
  return [cfg.gatewayHost, cfg.domain].filter((h): h is string => h !== undefined).map((h) => `https://${h}`);
}

function labels(): Record<string, string> {
  return platformLabels("console", APP);
}

function meta(cfg: ConsoleConfig, name: string, annotations?: Record<string, string>) {
  return { name, namespace: cfg.namespace, labels: labels(), ...(annotations && { annotations }) };
}

/**
 * The admission policy and its binding that keep the console's writes inside Skipper's projects (see
 * `console-policy.ts`). Not part of `renderConsole`: the component creates them before every other object.
 */
export function renderConsoleAdmission(cfg: ConsoleConfig): K8sObject[] {
  return renderConsolePolicy({
    namespace: cfg.namespace,
    serviceAccount: cfg.names.serviceAccount,
    policyName: cfg.names.admissionPolicy,
  });
}

/** Every non-secret object, namespace first (the admission policy is `renderConsoleAdmission`'s). */
export function renderConsole(cfg: ConsoleConfig): K8sObject[] {
  const routed = cfg.gatewayHost !== undefined || cfg.domain !== undefined;
  return [
    consoleNamespace(cfg),
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(cfg, cfg.names.serviceAccount),
      automountServiceAccountToken: true,
    },
    ...renderConsoleRbac(cfg),
    ...archiveConfigMaps(cfg),
    consoleDeployment(cfg),
    consoleService(cfg),
    consoleNetworkPolicy(cfg),
    ...(routed ? [headersMiddleware(cfg)] : []),
    ...(cfg.gatewayHost !== undefined ? [gatewayIngress(cfg, cfg.gatewayHost)] : []),
    ...(cfg.domain !== undefined
      ? [redirectMiddleware(cfg), domainIngress(cfg, cfg.domain), redirectIngress(cfg, cfg.domain)]
      : []),
  ];
}

function consoleNamespace(cfg: ConsoleConfig): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    // The pod meets the "restricted" Pod Security Standard; the API server holds it to that.
    metadata: { name: cfg.namespace, labels: { ...labels(), "pod-security.kubernetes.io/enforce": "restricted" } },
  };
}

/** RBAC rules of a permission list. */
function rules(perms: readonly Permission[], resourceNames?: readonly string[]) {
  return perms.map((p) => ({
    apiGroups: [p.apiGroup],
    resources: [p.resource],
    ...(resourceNames && { resourceNames: [...resourceNames] }),
    verbs: [...p.verbs],
  }));
}

/** The cluster-scope permissions without Secrets, which are narrowed below. */
export function clusterRolePermissions(): Permission[] {
  return mergePermissions(CLUSTER_PERMISSIONS.filter((p) => !(p.apiGroup === "" && p.resource === "secrets")));
}

/** The cluster-scope permissions on Secrets (what the credentials Roles grant, by name). */
export function credentialsPermissions(): Permission[] {
  return mergePermissions(CLUSTER_PERMISSIONS.filter((p) => p.apiGroup === "" && p.resource === "secrets"));
}

/** ClusterRole + binding, a Role + binding in its own namespace, and a credentials Role per project with services. */
export function renderConsoleRbac(cfg: ConsoleConfig): K8sObject[] {
  const subject = { kind: "ServiceAccount", name: cfg.names.serviceAccount, namespace: cfg.namespace };
  const rbac = "rbac.authorization.k8s.io/v1";
  const roleRef = (kind: "Role" | "ClusterRole", name: string) => ({
    apiGroup: "rbac.authorization.k8s.io",
    kind,
    name,
  });
  const out: K8sObject[] = [
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: { name: cfg.names.clusterRole, labels: labels() },
      rules: rules(clusterRolePermissions()),
    },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: cfg.names.clusterRole, labels: labels() },
      roleRef: roleRef("ClusterRole", cfg.names.clusterRole),
      subjects: [subject],
    },
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: meta(cfg, cfg.names.ownRole),
      rules: rules(mergePermissions(OWN_NAMESPACE_PERMISSIONS)),
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: meta(cfg, cfg.names.ownRole),
      roleRef: roleRef("Role", cfg.names.ownRole),
      subjects: [subject],
    },
  ];
  const byNamespace = new Map<string, Set<string>>();
  for (const c of cfg.credentials) {
    if (c.namespace === cfg.namespace) continue;
    byNamespace.set(c.namespace, (byNamespace.get(c.namespace) ?? new Set()).add(c.name));
  }
  for (const [namespace, names] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const m = { name: cfg.names.credentialsRole, namespace, labels: labels() };
    out.push(
      { apiVersion: rbac, kind: "Role", metadata: m, rules: rules(credentialsPermissions(), [...names].sort()) },
      {
        apiVersion: rbac,
        kind: "RoleBinding",
        metadata: m,
        roleRef: roleRef("Role", cfg.names.credentialsRole),
        subjects: [subject],
      },
    );
  }
  return out;
}

/** The credentials Secrets of a stack's services, for `ConsoleInput.credentials`. */
export function serviceCredentials(
  services: readonly { readonly name: string; readonly namespace: string }[],
): { namespace: string; name: string }[] {
  return services.map((s) => ({ namespace: s.namespace, name: credentialsSecretName(s.name) }));
}

/** The archive cut into parts of at most `ARCHIVE_PART_BYTES`, base64 for `binaryData`. */
export function archiveParts(archive: ConsoleArchive): string[] {
  const bytes = Buffer.from(archive.gzip.buffer, archive.gzip.byteOffset, archive.gzip.byteLength);
  const parts: string[] = [];
  for (let at = 0; at < bytes.byteLength; at += ARCHIVE_PART_BYTES) {
    parts.push(bytes.subarray(at, at + ARCHIVE_PART_BYTES).toString("base64"));
  }
  return parts;
}

function archiveConfigMaps(cfg: ConsoleConfig): K8sObject[] {
  return archiveParts(cfg.archive).map((base64, i) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(cfg, `${cfg.names.archivePrefix}-${i}`, { [ARCHIVE_HASH_ANNOTATION]: cfg.archive.tarSha256 }),
    // Never edited in place: a new archive is new data under the same names, and the pod rolls on the new hash.
    binaryData: { [PART_KEY]: base64 },
  }));
}

/**
 * The init container's script: join the parts, check the tar against the hash in the pod template, unpack. busybox
 * (in the Alpine Node image) provides `gunzip`, `sha256sum` and `tar`; `-o` keeps the files owned by the pod's user.
 * @param dirs where the parts are mounted and where to unpack (tests run the script elsewhere)
 */
export function unpackScript(
  cfg: ConsoleConfig,
  parts: number,
  dirs: { readonly archive: string; readonly app: string } = { archive: ARCHIVE_MOUNT, app: APP_DIR },
): string {
  const files = Array.from({ length: parts }, (_, i) => `${dirs.archive}/${i}/${PART_KEY}`).join(" ");
  const tar = `${dirs.app}/.archive.tar`;
  return [
    "set -euo pipefail",
    `cat ${files} | gunzip > ${tar}`,
    `echo "${cfg.archive.tarSha256}  ${tar}" | sha256sum -c - >/dev/null || { echo "console archive: SHA-256 mismatch" >&2; exit 1; }`,
    `tar -x -o -f ${tar} -C ${dirs.app}`,
    `rm ${tar}`,
  ].join("\n");
}

/** Contract 3: the console-api is configured only by its environment. */
export function consoleEnv(cfg: ConsoleConfig): EnvVar[] {
  return [
    literalEnv("HOST", "0.0.0.0"),
    // argon2 through its WebAssembly build only (see components/console-bundle.ts).
    literalEnv("NAPI_RS_FORCE_WASI", "error"),
    literalEnv("NODE_ENV", "production"),
    literalEnv("PORT", String(cfg.port)),
    literalEnv("SKIPPER_ADMIN_EMAIL", cfg.adminEmail),
    secretEnv("SKIPPER_ADMIN_PASSWORD", cfg.names.adminSecret, ADMIN_PASSWORD_KEY),
    literalEnv("SKIPPER_CLUSTER_ID", cfg.clusterId),
    literalEnv("SKIPPER_CONSOLE_NAMESPACE", cfg.namespace),
    literalEnv("SKIPPER_CONSOLE_SIGNING_KEY_FILE", `${SIGNING_KEY_DIR}/${SIGNING_KEY_KEY}`),
    ...(cfg.archive.hasWeb ? [literalEnv("SKIPPER_CONSOLE_WEB_DIR", `${APP_DIR}/${WEB_FOLDER}`)] : []),
    ...(cfg.gatewayDomain !== undefined ? [literalEnv("SKIPPER_GATEWAY_DOMAIN", cfg.gatewayDomain)] : []),
  ];
}

function consoleDeployment(cfg: ConsoleConfig): K8sObject {
  const parts = archiveParts(cfg.archive).length;
  const probe = (failureThreshold: number, periodSeconds: number) => ({
    httpGet: { path: "/healthz", port: "http" },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  const archiveVolumes = Array.from({ length: parts }, (_, i) => ({
    name: `archive-${i}`,
    configMap: { name: `${cfg.names.archivePrefix}-${i}`, defaultMode: 0o444 },
  }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(cfg, cfg.names.deployment),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 5,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: { ...selectorLabels(APP) } },
      template: {
        metadata: { labels: labels(), annotations: { [ARCHIVE_HASH_ANNOTATION]: cfg.archive.tarSha256 } },
        spec: {
          serviceAccountName: cfg.names.serviceAccount,
          // The console-api acts on the cluster through its ServiceAccount.
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: nonRootPodSecurity(NODE_RUNTIME_UID),
          initContainers: [
            {
              name: "unpack",
              image: cfg.image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", unpackScript(cfg, parts)],
              resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "1", memory: "128Mi" } },
              securityContext: hardenedContainerSecurity(),
              volumeMounts: [
                ...archiveVolumes.map((v, i) => ({ name: v.name, mountPath: `${ARCHIVE_MOUNT}/${i}`, readOnly: true })),
                { name: "app", mountPath: APP_DIR },
              ],
            },
          ],
          containers: [
            {
              name: "console-api",
              image: cfg.image,
              imagePullPolicy: "IfNotPresent",
              // WASI is still flagged experimental in Node; the warning would repeat for every argon2 worker.
              command: ["node", "--disable-warning=ExperimentalWarning", `${APP_DIR}/${SERVER_FILE}`],
              env: consoleEnv(cfg),
              ports: [{ name: "http", containerPort: cfg.port, protocol: "TCP" }],
              readinessProbe: probe(3, 5),
              livenessProbe: { ...probe(6, 10), initialDelaySeconds: 10 },
              resources: {
                requests: { cpu: cfg.resources.cpu, memory: cfg.resources.memory },
                limits: { cpu: cfg.resources.cpuLimit, memory: cfg.resources.memoryLimit },
              },
              securityContext: hardenedContainerSecurity(),
              volumeMounts: [
                { name: "app", mountPath: APP_DIR, readOnly: true },
                { name: "signing-key", mountPath: SIGNING_KEY_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            ...archiveVolumes,
            { name: "app", emptyDir: { sizeLimit: "64Mi" } },
            {
              name: "signing-key",
              secret: {
                secretName: cfg.names.signingKeySecret,
                items: [{ key: SIGNING_KEY_KEY, path: SIGNING_KEY_KEY }],
                // Readable by the pod's group only (fsGroup); the file belongs to root.
                defaultMode: 0o440,
              },
            },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

function consoleService(cfg: ConsoleConfig): K8sObject {
  return httpService(meta(cfg, cfg.names.service), selectorLabels(APP));
}

/** Only Traefik may open connections to the console-api (k3s enforces NetworkPolicies; probes still pass). */
function consoleNetworkPolicy(cfg: ConsoleConfig): K8sObject {
  return onlyFromTraefik(meta(cfg, cfg.names.networkPolicy), selectorLabels(APP), cfg.traefik);
}

const TRAEFIK = "traefik.ingress.kubernetes.io";
const middlewareRef = (cfg: ConsoleConfig, name: string) => `${cfg.namespace}-${name}@kubernetescrd`;

/** Security headers on every console response (HSTS is sent by Traefik on HTTPS only). */
function headersMiddleware(cfg: ConsoleConfig): K8sObject {
  return {
    apiVersion: "traefik.io/v1alpha1",
    kind: "Middleware",
    metadata: meta(cfg, cfg.names.headersMiddleware),
    spec: {
      headers: {
        contentTypeNosniff: true,
        customFrameOptionsValue: "DENY",
        referrerPolicy: "no-referrer",
        stsSeconds: 31_536_000,
      },
    },
  };
}

function redirectMiddleware(cfg: ConsoleConfig): K8sObject {
  return httpsRedirectMiddleware(meta(cfg, cfg.names.redirectMiddleware));
}

function ingress(cfg: ConsoleConfig, name: string, host: string, annotations: Record<string, string>, tls: boolean) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(cfg, name, annotations),
    spec: {
      ingressClassName: INGRESS_CLASS,
      ...(tls && { tls: [{ hosts: [host], secretName: cfg.names.tlsSecret }] }),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: cfg.names.service, port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The gateway host: plain HTTP from the gateway on `web`, no redirect (it would loop through the gateway). */
function gatewayIngress(cfg: ConsoleConfig, host: string): K8sObject {
  return ingress(
    cfg,
    cfg.names.gatewayIngress,
    host,
    {
      [`${TRAEFIK}/router.entrypoints`]: "web",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(cfg, cfg.names.headersMiddleware),
    },
    false,
  );
}

function domainIngress(cfg: ConsoleConfig, host: string): K8sObject {
  return ingress(
    cfg,
    cfg.names.domainIngress,
    host,
    {
      "cert-manager.io/cluster-issuer": CLUSTER_ISSUER,
      [`${TRAEFIK}/router.entrypoints`]: "websecure",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(cfg, cfg.names.headersMiddleware),
      [`${TRAEFIK}/router.tls`]: "true",
    },
    true,
  );
}

function redirectIngress(cfg: ConsoleConfig, host: string): K8sObject {
  return ingress(
    cfg,
    cfg.names.redirectIngress,
    host,
    {
      [`${TRAEFIK}/router.entrypoints`]: "web",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(cfg, cfg.names.redirectMiddleware),
    },
    false,
  );
}

/** The signing-key and admin-password Secrets, values of whatever type the caller holds. */
export function consoleSecrets<V>(
  cfg: ConsoleConfig,
  values: { readonly signingKeyPem: V; readonly adminPassword: V },
): K8sObject[] {
  return [
    opaqueSecret(meta(cfg, cfg.names.signingKeySecret), { [SIGNING_KEY_KEY]: values.signingKeyPem }),
    opaqueSecret(meta(cfg, cfg.names.adminSecret), { [ADMIN_PASSWORD_KEY]: values.adminPassword }),
  ];
}
