/**
 * The subdomain gateway's Kubernetes objects, as plain data (DESIGN.md §6), rendered from the `GatewayConfig` that
 * `gateway-config.ts` fills in. `components/gateway.ts` creates them through the cluster's provider; tests validate
 * them offline.
 *
 * Traffic path: client → Traefik (k3s's ingress, terminates TLS with the wildcard certificate) → the gateway's
 * ClusterIP Service → the gateway pod → the registered cluster. Because Traefik sits in front, the gateway is told to
 * believe `X-Forwarded-For` from the pod network (`trustedProxies`), and only from there.
 *
 * Routing uses a standard `networking.k8s.io/v1` Ingress with a wildcard host rather than a Traefik IngressRoute:
 * Traefik's Ingress provider accepts `*.<base>` (one label, as a wildcard certificate) on both Traefik v2 (k3s ≤ 1.31)
 * and v3 (k3s ≥ 1.32), while IngressRoute's `HostRegexp` changed syntax between the two. The only Traefik CRD used is
 * the HTTP→HTTPS redirect Middleware, whose `traefik.io/v1alpha1` schema is the same in both.
 *
 * Secret values never appear here: `gatewaySecrets` renders the two Secrets with values of any type, so a component
 * passes Pulumi secret Outputs and a test passes strings.
 */
import type { K8sObject } from "../k8s.ts";
import { platformLabels, selectorLabels } from "../labels.ts";
import { ACME_PRODUCTION, ACME_STAGING } from "./addons.ts";
import { httpsRedirectMiddleware } from "./app.ts";
import {
  codeAnnotations,
  codeCommand,
  codeConfigMap,
  codeVolume,
  codeVolumeMount,
  NODE_RUNTIME_UID,
} from "./code-bundle.ts";
import type { GatewayConfig } from "./gateway-config.ts";
import { httpService } from "./http-service.ts";
import { onlyFromTraefik } from "./network-policy.ts";
import { hardenedContainerSecurity, nonRootPodSecurity, resourceRequirements } from "./pod.ts";
import { opaqueSecret } from "./secret.ts";

/** Keys inside the Secrets. */
export const ADMIN_TOKEN_KEY = "admin-token";
export const CLOUDFLARE_TOKEN_KEY = "api-token";
/** Where the registry file lives in the pod (on the volume). */
export const GATEWAY_DATA_DIR = "/data";
export const GATEWAY_DATA_FILE = `${GATEWAY_DATA_DIR}/registry`;

/** The hosts the certificate and routing cover: the base itself (control plane) and one label under it. */
export function gatewayHosts(cfg: GatewayConfig): [string, string] {
  return [cfg.baseDomain, `*.${cfg.baseDomain}`];
}

function labels(cfg: GatewayConfig): Record<string, string> {
  return platformLabels("gateway", cfg.names.app);
}

function selector(cfg: GatewayConfig): Record<string, string> {
  return { ...selectorLabels(cfg.names.app) };
}

/** Metadata of an object in the gateway's namespace (everything the gateway renders lives there). */
function meta(cfg: GatewayConfig, name: string) {
  return { name, namespace: cfg.namespace, labels: labels(cfg) };
}

/** Every non-secret object of the gateway, in apply order (namespace first). */
export function renderGateway(cfg: GatewayConfig): K8sObject[] {
  return [
    gatewayNamespace(cfg),
    gatewayServiceAccount(cfg),
    gatewayDataClaim(cfg),
    codeConfigMap(cfg.bundle, { name: cfg.names.code, namespace: cfg.namespace, labels: labels(cfg) }),
    gatewayHeadlessService(cfg),
    gatewayService(cfg),
    gatewayStatefulSet(cfg),
    gatewayNetworkPolicy(cfg),
    gatewayIssuer(cfg),
    gatewayCertificate(cfg),
    gatewayRedirectMiddleware(cfg),
    gatewayHttpsIngress(cfg),
    gatewayHttpIngress(cfg),
  ];
}

function gatewayNamespace(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: cfg.namespace,
      labels: {
        ...labels(cfg),
        // The pod below meets the "restricted" Pod Security Standard; have the API server hold it to that.
        "pod-security.kubernetes.io/enforce": "restricted",
      },
    },
  };
}

function gatewayServiceAccount(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(cfg, cfg.names.serviceAccount),
    // The gateway never talks to the Kubernetes API.
    automountServiceAccountToken: false,
  };
}

/**
 * The registry volume, as a claim of its own rather than a `volumeClaimTemplates` entry: the component can then keep it
 * (and its namespace) on destroy with `retainOnDelete`, and a size change is a claim update instead of an immutable
 * StatefulSet field that forces a replacement.
 */
function gatewayDataClaim(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: meta(cfg, cfg.names.dataClaim),
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(cfg.storageClassName ? { storageClassName: cfg.storageClassName } : {}),
      resources: { requests: { storage: cfg.storage } },
    },
  };
}

function gatewayHeadlessService(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(cfg, cfg.names.headlessService),
    spec: {
      clusterIP: "None",
      selector: selector(cfg),
      ports: [{ name: "http", port: cfg.port, targetPort: "http", protocol: "TCP" }],
    },
  };
}

function gatewayService(cfg: GatewayConfig): K8sObject {
  return httpService(meta(cfg, cfg.names.service), selector(cfg));
}

function gatewayStatefulSet(cfg: GatewayConfig): K8sObject {
  const probe = (failureThreshold: number, periodSeconds: number) => ({
    // The gateway serves /healthz on its own host name; the kubelet would otherwise send the pod IP as Host.
    httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "Host", value: cfg.baseDomain }] },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const args: string[] = [];
  for (const cidr of cfg.trustedProxies) args.push("--trusted-proxy", cidr);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(cfg, cfg.names.statefulSet),
    spec: {
      // The registry is a single-writer file: exactly one pod, and never two during an update.
      replicas: 1,
      serviceName: cfg.names.headlessService,
      selector: { matchLabels: selector(cfg) },
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: { labels: labels(cfg), annotations: codeAnnotations(cfg.bundle) },
        spec: {
          serviceAccountName: cfg.names.serviceAccount,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: nonRootPodSecurity(NODE_RUNTIME_UID),
          containers: [
            {
              name: "gateway",
              image: cfg.image,
              imagePullPolicy: "IfNotPresent",
              command: codeCommand(cfg.bundle),
              args,
              env: [
                { name: "NODE_ENV", value: "production" },
                { name: "SKIPPER_GATEWAY_PORT", value: String(cfg.port) },
                { name: "SKIPPER_GATEWAY_BASE_DOMAIN", value: cfg.baseDomain },
                { name: "SKIPPER_GATEWAY_DATA", value: GATEWAY_DATA_FILE },
                { name: "SKIPPER_GATEWAY_WORKERS", value: String(cfg.workers) },
                {
                  name: "SKIPPER_GATEWAY_ADMIN_TOKEN",
                  valueFrom: { secretKeyRef: { name: cfg.names.adminSecret, key: ADMIN_TOKEN_KEY } },
                },
              ],
              ports: [{ name: "http", containerPort: cfg.port, protocol: "TCP" }],
              readinessProbe: probe(3, 5),
              livenessProbe: { ...probe(6, 10), initialDelaySeconds: 10 },
              resources: resourceRequirements(cfg.resources),
              securityContext: hardenedContainerSecurity(),
              volumeMounts: [
                codeVolumeMount("code"),
                { name: cfg.names.dataVolume, mountPath: GATEWAY_DATA_DIR },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            codeVolume("code", cfg.names.code),
            { name: cfg.names.dataVolume, persistentVolumeClaim: { claimName: cfg.names.dataClaim } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

/** Only Traefik may open connections to the gateway pod (k3s enforces NetworkPolicies; probes still pass). */
function gatewayNetworkPolicy(cfg: GatewayConfig): K8sObject {
  return onlyFromTraefik(meta(cfg, cfg.names.networkPolicy), selector(cfg), cfg.traefik);
}

/**
 * A namespaced Issuer, not a ClusterIssuer: the Cloudflare token (DNS edit rights on the zone) then stays in the
 * gateway's namespace, and no other namespace of the cluster can obtain a certificate for `*.<base>` through it.
 */
function gatewayIssuer(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Issuer",
    metadata: meta(cfg, cfg.names.issuer),
    spec: {
      acme: {
        server: cfg.acmeStaging ? ACME_STAGING : ACME_PRODUCTION,
        ...(cfg.acmeEmail ? { email: cfg.acmeEmail } : {}),
        privateKeySecretRef: { name: cfg.names.acmeAccountSecret },
        solvers: [
          {
            selector: { dnsZones: [cfg.baseDomain] },
            dns01: {
              cloudflare: { apiTokenSecretRef: { name: cfg.names.cloudflareSecret, key: CLOUDFLARE_TOKEN_KEY } },
            },
          },
        ],
      },
    },
  };
}

function gatewayCertificate(cfg: GatewayConfig): K8sObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: meta(cfg, cfg.names.certificate),
    spec: {
      secretName: cfg.names.tlsSecret,
      dnsNames: gatewayHosts(cfg),
      issuerRef: { group: "cert-manager.io", kind: "Issuer", name: cfg.names.issuer },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      secretTemplate: { labels: labels(cfg) },
    },
  };
}

function gatewayRedirectMiddleware(cfg: GatewayConfig): K8sObject {
  return httpsRedirectMiddleware(meta(cfg, cfg.names.redirectMiddleware));
}

/**
 * The gateway's routes are catch-alls: the lowest priority, so that when the gateway shares its cluster with apps, an
 * app's own exact-host route (which the gateway proxies to on port 80) wins over the wildcard instead of being sent
 * back to the gateway (or redirected in a loop). Traefik otherwise ranks routers by rule length.
 */
const CATCH_ALL_PRIORITY = "1";

function ingressRules(cfg: GatewayConfig) {
  const backend = { service: { name: cfg.names.service, port: { name: "http" } } };
  return gatewayHosts(cfg).map((host) => ({
    host,
    http: { paths: [{ path: "/", pathType: "Prefix", backend }] },
  }));
}

/** A catch-all Ingress for the gateway's hosts on one Traefik entry point. */
function gatewayIngress(
  cfg: GatewayConfig,
  name: string,
  annotations: Readonly<Record<string, string>>,
  tls?: readonly object[],
): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      ...meta(cfg, name),
      annotations: { ...annotations, "traefik.ingress.kubernetes.io/router.priority": CATCH_ALL_PRIORITY },
    },
    spec: { ingressClassName: cfg.ingressClassName, ...(tls ? { tls } : {}), rules: ingressRules(cfg) },
  };
}

/** HTTPS on Traefik's `websecure` entry point, with the wildcard certificate. */
function gatewayHttpsIngress(cfg: GatewayConfig): K8sObject {
  return gatewayIngress(
    cfg,
    cfg.names.httpsIngress,
    {
      "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
      "traefik.ingress.kubernetes.io/router.tls": "true",
    },
    [{ hosts: gatewayHosts(cfg), secretName: cfg.names.tlsSecret }],
  );
}

/** Plain HTTP on `web`: every request is redirected to HTTPS by the Middleware before it reaches the backend. */
function gatewayHttpIngress(cfg: GatewayConfig): K8sObject {
  return gatewayIngress(cfg, cfg.names.httpIngress, {
    "traefik.ingress.kubernetes.io/router.entrypoints": "web",
    "traefik.ingress.kubernetes.io/router.middlewares": `${cfg.namespace}-${cfg.names.redirectMiddleware}@kubernetescrd`,
  });
}

/** Secret values, of whatever type the caller holds them in (Pulumi Outputs in components, strings in tests). */
export interface GatewaySecretValues<V> {
  readonly adminToken: V;
  readonly cloudflareApiToken: V;
}

/**
 * The admin-token Secret and the Cloudflare API token Secret (read by the Issuer's DNS-01 solver), both in the
 * gateway's namespace. Values go in `stringData`; nothing else of the program ever holds them.
 */
export function gatewaySecrets<V>(cfg: GatewayConfig, values: GatewaySecretValues<V>): K8sObject[] {
  return [
    opaqueSecret(meta(cfg, cfg.names.adminSecret), { [ADMIN_TOKEN_KEY]: values.adminToken }),
    opaqueSecret(meta(cfg, cfg.names.cloudflareSecret), { [CLOUDFLARE_TOKEN_KEY]: values.cloudflareApiToken }),
  ];
}
