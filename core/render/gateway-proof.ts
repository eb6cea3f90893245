/**
 * The Kubernetes objects of the proof responder (gateway/proof): what a cluster behind a load balancer runs so the
 * gateway can check, through the load balancer, that the claimed address is this cluster's (core/gateway-proof.ts).
 * Plain data; `components/gateway-registration.ts` creates them when the registration is challenged.
 *
 * - ConfigMap: the bundled responder (`gateway/proof/main.ts`), run by the pinned Node image like the gateway.
 * - Secret: the Ed25519 private key (PKCS #8 PEM), mounted read-only for the pod's group; never in a manifest file.
 * - Deployment: one small non-root pod, read-only root filesystem, no capabilities, probes on /healthz.
 * - Service and a NetworkPolicy that lets only Traefik's pods reach it.
 * - Ingress: only the exact proof path of this cluster's id, on the cluster's own host name, on Traefik's plain-HTTP
 *   entry point (the gateway challenges `http://<ip>:<port>`).
 */
import { proofPath } from "../gateway-proof.ts";
import type { K8sObject } from "../k8s.ts";
import { platformLabels, selectorLabels } from "../labels.ts";
import type { Resources } from "../model.ts";
import { isDnsLabel } from "../naming.ts";
import { INGRESS_CLASS } from "./app.ts";
import {
  type CodeBundle,
  codeAnnotations,
  codeCommand,
  codeConfigMap,
  codeVolume,
  codeVolumeMount,
  NODE_RUNTIME_IMAGE,
  NODE_RUNTIME_UID,
} from "./code-bundle.ts";
import { httpService } from "./http-service.ts";
import { onlyFromTraefik, type TraefikPods } from "./network-policy.ts";
import { hardenedContainerSecurity, nonRootPodSecurity, REVISION_HISTORY_LIMIT, resourceRequirements } from "./pod.ts";
import { opaqueSecret } from "./secret.ts";

/** The key of the private key in the Secret, and the file name it is mounted as. */
export const PROOF_KEY_FILE = "key.pem";
/** Where the Secret is mounted in the container. */
export const PROOF_KEY_DIR = "/etc/skipper/proof";

export interface GatewayProofInput {
  /** The registered cluster id (dashed IP or name): the only id the responder signs for. */
  readonly clusterId: string;
  /** The cluster's own host name (`<id>.<base>`), which the gateway sends as Host. */
  readonly clusterHost: string;
  /** The bundled responder. */
  readonly bundle: CodeBundle;
  /** @default "skipper-registration" (the registration's namespace) */
  readonly namespace?: string;
  /** @default NODE_RUNTIME_IMAGE */
  readonly image?: string;
  /** @default "traefik" (k3s) */
  readonly ingressClassName?: string;
  /** Where Traefik's pods run. @default k3s's bundled Traefik: kube-system, app.kubernetes.io/name=traefik */
  readonly traefik?: TraefikPods;
  /** @default 10m / 64Mi requested, 100m / 128Mi at most (the responder peaks near 66 MiB resident on Node 24) */
  readonly resources?: Resources;
}

export interface GatewayProofConfig {
  readonly clusterId: string;
  readonly clusterHost: string;
  readonly path: string;
  readonly bundle: CodeBundle;
  readonly namespace: string;
  readonly image: string;
  readonly ingressClassName: string;
  readonly traefik: TraefikPods;
  readonly resources: Resources;
  /** The container's port (unprivileged, the pod runs as the `node` user). */
  readonly port: number;
  readonly names: {
    readonly app: string;
    readonly code: string;
    readonly keySecret: string;
    readonly deployment: string;
    readonly service: string;
    readonly networkPolicy: string;
    readonly ingress: string;
  };
}

export function gatewayProofConfig(input: GatewayProofInput): GatewayProofConfig {
  if (!isDnsLabel(input.clusterId)) {
    throw new Error(`gateway proof: clusterId must be a DNS label (got ${JSON.stringify(input.clusterId)})`);
  }
  const labels = input.clusterHost.split(".");
  if (labels.length < 3 || labels[0] !== input.clusterId || !labels.every(isDnsLabel)) {
    throw new Error(
      `gateway proof: clusterHost must be the cluster's own host name, ${input.clusterId}.<base> (got ${JSON.stringify(input.clusterHost)})`,
    );
  }
  return {
    clusterId: input.clusterId,
    clusterHost: input.clusterHost,
    path: proofPath(input.clusterId),
    bundle: input.bundle,
    namespace: input.namespace ?? "skipper-registration",
    image: input.image ?? NODE_RUNTIME_IMAGE,
    ingressClassName: input.ingressClassName ?? INGRESS_CLASS,
    traefik: input.traefik ?? { namespace: "kube-system", podLabels: { "app.kubernetes.io/name": "traefik" } },
    resources: input.resources ?? { cpu: "10m", memory: "64Mi", cpuLimit: "100m", memoryLimit: "128Mi" },
    port: 8080,
    names: {
      app: "gateway-proof",
      code: "gateway-proof-code",
      keySecret: "gateway-proof-key",
      deployment: "gateway-proof",
      service: "gateway-proof",
      networkPolicy: "gateway-proof-from-traefik",
      ingress: "gateway-proof",
    },
  };
}

function labels(cfg: GatewayProofConfig): Record<string, string> {
  return platformLabels("gateway-registration", cfg.names.app, "skipper-gateway-proof");
}

function meta(cfg: GatewayProofConfig, name: string, annotations?: Record<string, string>): K8sObject["metadata"] {
  return { name, namespace: cfg.namespace, labels: labels(cfg), ...(annotations ? { annotations } : {}) };
}

/** The Secret holding the private key (a Pulumi secret Output in the component, a string in tests). */
export function gatewayProofSecret<V>(cfg: GatewayProofConfig, privateKeyPem: V): K8sObject {
  return opaqueSecret(meta(cfg, cfg.names.keySecret), { [PROOF_KEY_FILE]: privateKeyPem });
}

/** Every non-secret object of the responder (its namespace is the registration's, created with the heartbeat). */
export function renderGatewayProof(cfg: GatewayProofConfig): K8sObject[] {
  return [
    codeConfigMap(cfg.bundle, { name: cfg.names.code, namespace: cfg.namespace, labels: labels(cfg) }),
    deployment(cfg),
    service(cfg),
    onlyFromTraefik(meta(cfg, cfg.names.networkPolicy), selectorLabels(cfg.names.app), cfg.traefik),
    ingress(cfg),
  ];
}

function deployment(cfg: GatewayProofConfig): K8sObject {
  const probe = (failureThreshold: number, periodSeconds: number) => ({
    httpGet: { path: "/healthz", port: "http" },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(cfg, cfg.names.deployment),
    spec: {
      replicas: 1,
      revisionHistoryLimit: REVISION_HISTORY_LIMIT,
      selector: { matchLabels: { ...selectorLabels(cfg.names.app) } },
      // Keep the old pod answering until the new one is ready: a registration may be challenged at any time.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(cfg), annotations: codeAnnotations(cfg.bundle) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 10,
          securityContext: nonRootPodSecurity(NODE_RUNTIME_UID),
          containers: [
            {
              name: "proof",
              image: cfg.image,
              imagePullPolicy: "IfNotPresent",
              command: codeCommand(cfg.bundle),
              env: [
                { name: "NODE_ENV", value: "production" },
                { name: "PORT", value: String(cfg.port) },
                { name: "SKIPPER_CLUSTER_ID", value: cfg.clusterId },
                { name: "SKIPPER_PROOF_KEY_FILE", value: `${PROOF_KEY_DIR}/${PROOF_KEY_FILE}` },
              ],
              ports: [{ name: "http", containerPort: cfg.port, protocol: "TCP" }],
              readinessProbe: probe(3, 5),
              livenessProbe: { ...probe(6, 10), initialDelaySeconds: 5 },
              resources: resourceRequirements(cfg.resources),
              securityContext: hardenedContainerSecurity(),
              volumeMounts: [codeVolumeMount("code"), { name: "key", mountPath: PROOF_KEY_DIR, readOnly: true }],
            },
          ],
          volumes: [
            codeVolume("code", cfg.names.code),
            {
              name: "key",
              // Readable by the pod's group only (fsGroup); the file belongs to root.
              secret: {
                secretName: cfg.names.keySecret,
                items: [{ key: PROOF_KEY_FILE, path: PROOF_KEY_FILE }],
                defaultMode: 0o440,
              },
            },
          ],
        },
      },
    },
  };
}

function service(cfg: GatewayProofConfig): K8sObject {
  return httpService(meta(cfg, cfg.names.service), selectorLabels(cfg.names.app));
}

/** Only `GET <proof path of this id>` on the cluster's host, over plain HTTP: nothing else reaches the responder. */
function ingress(cfg: GatewayProofConfig): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(cfg, cfg.names.ingress, { "traefik.ingress.kubernetes.io/router.entrypoints": "web" }),
    spec: {
      ingressClassName: cfg.ingressClassName,
      rules: [
        {
          host: cfg.clusterHost,
          http: {
            paths: [
              {
                path: cfg.path,
                pathType: "Exact",
                backend: { service: { name: cfg.names.service, port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    },
  };
}
