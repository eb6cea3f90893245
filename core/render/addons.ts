/**
 * Cluster add-ons, as manifests the host writes into `/var/lib/rancher/k3s/server/manifests` (k3s applies that folder
 * itself and keeps retrying until CRDs exist, so the order of the objects does not matter there):
 *
 * - `HelmChartConfig` for the Traefik that k3s bundles (never patch what k3s deploys). Access logs on, and the
 *   addresses whose `X-Forwarded-*` headers Traefik believes (the gateway, a load balancer) configurable, and the
 *   load balancer that speaks the PROXY protocol to it, when the provider made one.
 *   There is deliberately NO global `web` → `websecure` redirect: traffic from the subdomain gateway arrives as plain
 *   HTTP on port 80 after the gateway terminated TLS, and a global redirect would send it around in a loop. Custom
 *   domains get their redirect per route instead (see `core/render/app.ts`).
 * - `HelmChart` installing cert-manager (pinned chart version, CRDs included) into namespace `cert-manager`.
 * - `ClusterIssuer` `skipper-letsencrypt`: Let's Encrypt ACME with the HTTP-01 challenge served through Traefik;
 *   the staging directory when `domain.acmeStaging` is set.
 */
import { stringify } from "yaml";
import type { K8sObject } from "../k8s.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../labels.ts";
import type { Stack } from "../model.ts";
import { CLUSTER_ISSUER, INGRESS_CLASS } from "./app.ts";

export const CERT_MANAGER_CHART_VERSION = "v1.17.2";
export const CERT_MANAGER_REPO = "https://charts.jetstack.io";
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const ACME_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const ACME_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
/** Where k3s applies manifests from; the host steps write the add-ons here. */
export const K3S_MANIFESTS_DIR = "/var/lib/rancher/k3s/server/manifests";

/**
 * CRDs of k3s's bundled Traefik that Skipper's objects use (`Middleware`, apiVersion `traefik.io/v1alpha1`). The
 * `traefik.io` group exists since Traefik 2.10 (k3s v1.31's chart registers it beside the old `traefik.containo.us`)
 * and is the only one in Traefik 3 (k3s v1.32 and later).
 */
export const TRAEFIK_CRDS: readonly string[] = ["middlewares.traefik.io"];
/** CRDs of cert-manager that Skipper's objects use (the chart above installs them: `crds.enabled`). */
export const CERT_MANAGER_CRDS: readonly string[] = [
  "certificates.cert-manager.io",
  "issuers.cert-manager.io",
  "clusterissuers.cert-manager.io",
];

export interface AddonOptions {
  /**
   * IPs or CIDRs whose `X-Forwarded-For`/`-Proto`/`-Host` Traefik trusts: the gateway's egress address or a load
   * balancer in front of the cluster. Without them an app behind the gateway sees `X-Forwarded-Proto: http` and
   * the client's address is the gateway's. @default [] (no forwarded headers trusted)
   */
  readonly trustedProxies?: readonly string[];
  /**
   * Keep each client's own source address up to Traefik: `externalTrafficPolicy: Local` on Traefik's Service (with
   * k3s's ServiceLB this holds for traffic arriving on a node that runs Traefik, as on a single host). A cluster that
   * runs the subdomain gateway needs it: the gateway grants an IP-derived id only to the address the id names, and
   * it learns that address from Traefik's `X-Forwarded-For`. @default false
   */
  readonly preserveClientIp?: boolean;
  /**
   * Addresses that put a PROXY protocol header in front of every connection they forward to Traefik: a TCP load
   * balancer in front of the cluster (the provider's `loadBalancer.proxyProtocolFrom`). Traefik takes the client's
   * address from that header, so `trustedProxies` and apps see the real client instead of the load balancer. Only
   * these peers may send the header (from anyone else it is ignored), and only plain addresses known up front (they are
   * written into the add-on manifests). Implies `preserveClientIp`: the peer must reach Traefik with its own address.
   * @default [] (no PROXY protocol)
   */
  readonly proxyProtocolFrom?: readonly string[];
}

const LABELS = { [LABEL_MANAGED_BY]: MANAGED_BY } as const;

export function renderAddons(stack: Stack, options: AddonOptions = {}): K8sObject[] {
  return [traefikConfig(options), certManagerChart(), clusterIssuer(stack)];
}

/** The values handed to k3s's Traefik chart. */
export function traefikValues(options: AddonOptions = {}): Record<string, unknown> {
  const trusted = [...(options.trustedProxies ?? [])].sort();
  const proxies = [...new Set(options.proxyProtocolFrom ?? [])].sort();
  const values: Record<string, unknown> = { logs: { access: { enabled: true } } };
  // The same settings for both entry points (plain HTTP from the gateway, HTTPS from browsers).
  const entryPoint: Record<string, unknown> = {
    ...(trusted.length > 0 && { forwardedHeaders: { trustedIPs: trusted } }),
    ...(proxies.length > 0 && { proxyProtocol: { trustedIPs: proxies } }),
  };
  if (Object.keys(entryPoint).length > 0) values["ports"] = { web: entryPoint, websecure: entryPoint };
  // kube-proxy masquerades external traffic under the default policy `Cluster`: Traefik would see a node's address,
  // and a PROXY header from the load balancer would no longer come from a trusted peer.
  if (options.preserveClientIp || proxies.length > 0) {
    values["service"] = { spec: { externalTrafficPolicy: "Local" } };
  }
  return values;
}

function traefikConfig(options: AddonOptions): K8sObject {
  return {
    apiVersion: "helm.cattle.io/v1",
    kind: "HelmChartConfig",
    metadata: { name: "traefik", namespace: "kube-system", labels: LABELS },
    spec: { valuesContent: stringify(traefikValues(options), { sortMapEntries: true, aliasDuplicateObjects: false }) },
  };
}

function certManagerChart(): K8sObject {
  return {
    apiVersion: "helm.cattle.io/v1",
    kind: "HelmChart",
    metadata: { name: "cert-manager", namespace: "kube-system", labels: LABELS },
    spec: {
      repo: CERT_MANAGER_REPO,
      chart: "cert-manager",
      version: CERT_MANAGER_CHART_VERSION,
      targetNamespace: CERT_MANAGER_NAMESPACE,
      createNamespace: true,
      valuesContent: stringify({ crds: { enabled: true } }, { sortMapEntries: true }),
    },
  };
}

function clusterIssuer(stack: Stack): K8sObject {
  const staging = stack.domain.acmeStaging;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: CLUSTER_ISSUER, labels: LABELS },
    spec: {
      acme: {
        server: staging ? ACME_STAGING : ACME_PRODUCTION,
        ...(stack.domain.acmeEmail !== undefined && { email: stack.domain.acmeEmail }),
        // One account key per directory: a staging account is not valid against production.
        privateKeySecretRef: { name: `${CLUSTER_ISSUER}-${staging ? "staging" : "production"}-account` },
        solvers: [{ http01: { ingress: { ingressClassName: INGRESS_CLASS } } }],
      },
    },
  };
}
