/**
 * The subdomain gateway's deployment settings: what a stack may set (`GatewayInput`), its defaults and checks, and the
 * name of every object, filled in once by `gatewayConfig`. The renderers in `gateway.ts` and the `Gateway` component
 * take the resulting `GatewayConfig`; nothing here builds a Kubernetes object.
 */
import type { Resources } from "../model.ts";
import { normaliseDomain } from "../naming.ts";
import { INGRESS_CLASS } from "./app.ts";
import { type CodeBundle, NODE_RUNTIME_IMAGE } from "./code-bundle.ts";
import type { TraefikPods } from "./network-policy.ts";

/** What a deployment of the gateway needs; `gatewayConfig` fills the defaults. */
export interface GatewayInput {
  /** The base domain every cluster gets names under, e.g. `skipper.run`. */
  readonly baseDomain: string;
  /** The bundled gateway program. */
  readonly bundle: CodeBundle;
  /** @default "skipper-gateway" */
  readonly namespace?: string;
  /** @default NODE_RUNTIME_IMAGE (pinned Node 20 Alpine; pass a digest-pinned reference to pin harder) */
  readonly image?: string;
  /** Size of the registry volume. @default "1Gi" */
  readonly storage?: string;
  /** Storage class of the registry volume. @default the cluster's default (k3s: local-path) */
  readonly storageClassName?: string;
  /** Port the gateway listens on inside the pod. @default 8080 */
  readonly port?: number;
  /**
   * Networks whose `X-Forwarded-For` the gateway believes: where Traefik's pods live. @default ["10.42.0.0/16"]
   * (k3s's default cluster CIDR; set it when k3s runs with another `--cluster-cidr`).
   */
  readonly trustedProxies?: readonly string[];
  /** @default 100m/128Mi requested, 1 CPU / 384Mi limit */
  readonly resources?: Resources;
  /** ACME account e-mail (Let's Encrypt expiry notices). @default none */
  readonly acmeEmail?: string;
  /** Use Let's Encrypt's staging directory (untrusted certificates, generous rate limits). @default false */
  readonly acmeStaging?: boolean;
  /** The Traefik IngressClass. @default "traefik" (k3s) */
  readonly ingressClassName?: string;
  /**
   * Where Traefik's pods run and how they are labelled: only they may connect to the gateway (NetworkPolicy), which
   * is what makes believing `X-Forwarded-For` from the whole pod network safe.
   * @default k3s's bundled Traefik: namespace kube-system, label app.kubernetes.io/name=traefik
   */
  readonly traefik?: TraefikPods;
  /** Worker processes (node:cluster) serving HTTP; give the pod at least as many CPUs. @default 1 */
  readonly workers?: number;
}

/** A gateway deployment with every default filled in and every object name derived. */
export interface GatewayConfig {
  readonly baseDomain: string;
  readonly bundle: CodeBundle;
  readonly namespace: string;
  readonly image: string;
  readonly storage: string;
  readonly storageClassName?: string;
  readonly port: number;
  readonly trustedProxies: readonly string[];
  readonly resources: Resources;
  readonly acmeEmail?: string;
  readonly acmeStaging: boolean;
  readonly ingressClassName: string;
  readonly traefik: TraefikPods;
  readonly workers: number;
  readonly names: GatewayNames;
}

/** Every object name, so components and tests refer to them without repeating strings. */
export interface GatewayNames {
  readonly app: string;
  readonly serviceAccount: string;
  readonly code: string;
  readonly service: string;
  readonly headlessService: string;
  readonly statefulSet: string;
  readonly dataVolume: string;
  readonly dataClaim: string;
  readonly adminSecret: string;
  readonly cloudflareSecret: string;
  readonly issuer: string;
  readonly acmeAccountSecret: string;
  readonly certificate: string;
  readonly tlsSecret: string;
  readonly redirectMiddleware: string;
  readonly httpsIngress: string;
  readonly httpIngress: string;
  readonly networkPolicy: string;
}

/** Fill defaults and derive names. Throws when the base domain is not a domain name. */
export function gatewayConfig(input: GatewayInput): GatewayConfig {
  const baseDomain = normaliseDomain(input.baseDomain);
  if (!/^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]*[a-z0-9]$/.test(baseDomain)) {
    throw new Error(
      `gateway baseDomain must be a domain name such as skipper.run (got ${JSON.stringify(input.baseDomain)})`,
    );
  }
  const port = input.port ?? 8080;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`gateway port must be an unprivileged port between 1024 and 65535 (got ${port})`);
  }
  const workers = input.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(`gateway workers must be a whole number from 1 to 64 (got ${workers})`);
  }
  const app = "skipper-gateway";
  return {
    baseDomain,
    bundle: input.bundle,
    namespace: input.namespace ?? "skipper-gateway",
    image: input.image ?? NODE_RUNTIME_IMAGE,
    storage: input.storage ?? "1Gi",
    ...(input.storageClassName ? { storageClassName: input.storageClassName } : {}),
    port,
    trustedProxies: input.trustedProxies ?? ["10.42.0.0/16"],
    resources: input.resources ?? { cpu: "100m", memory: "128Mi", cpuLimit: "1", memoryLimit: "384Mi" },
    ...(input.acmeEmail ? { acmeEmail: input.acmeEmail } : {}),
    acmeStaging: input.acmeStaging ?? false,
    ingressClassName: input.ingressClassName ?? INGRESS_CLASS,
    traefik: input.traefik ?? { namespace: "kube-system", podLabels: { "app.kubernetes.io/name": "traefik" } },
    workers,
    names: {
      app,
      serviceAccount: "gateway",
      code: "gateway-code",
      service: "gateway",
      headlessService: "gateway-headless",
      statefulSet: "gateway",
      dataVolume: "data",
      dataClaim: "gateway-data",
      adminSecret: "gateway-admin",
      cloudflareSecret: "gateway-cloudflare",
      issuer: "gateway-dns01",
      acmeAccountSecret: "gateway-acme-account",
      certificate: "gateway-wildcard",
      tlsSecret: "gateway-wildcard-tls",
      redirectMiddleware: "gateway-redirect-https",
      httpsIngress: "gateway",
      httpIngress: "gateway-http",
      networkPolicy: "gateway-from-traefik",
    },
  };
}
