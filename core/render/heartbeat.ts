/**
 * The cluster side of a gateway registration: a CronJob that tells the gateway every six hours that the cluster is
 * alive (registrations that miss heartbeats for 30 days expire), authenticated with the registration token from a
 * Secret. Plain data; `components/gateway-registration.ts` creates it.
 *
 * The token reaches curl as a header file (`-H @file`) mounted from the Secret, so it is on no command line. The
 * minute and hour of the schedule are derived from the cluster id, so many clusters do not all call at the same time.
 */
import type { K8sObject } from "../k8s.ts";
import { platformLabels } from "../labels.ts";
import { normaliseDomain } from "../naming.ts";
import { hardenedContainerSecurity, nonRootPodSecurity } from "./pod.ts";

/** curl's official image, pinned by version. It runs as `curl_user` (uid 100, gid 101). */
export const CURL_IMAGE = "docker.io/curlimages/curl:8.11.1";
const CURL_UID = 100;
const CURL_GID = 101;

/** Keys of the registration Secret. */
export const TOKEN_KEY = "token";
/** A ready `Authorization: Bearer …` header line, for `curl -H @file`. */
export const AUTHORIZATION_KEY = "authorization";

export interface HeartbeatInput {
  readonly baseDomain: string;
  /** The registered cluster id (dashed IP or name). */
  readonly clusterId: string;
  /** @default "skipper-registration" */
  readonly namespace?: string;
  /** @default CURL_IMAGE */
  readonly image?: string;
  /** Cron schedule in UTC. @default every 6 hours at a minute derived from the cluster id */
  readonly schedule?: string;
}

export interface HeartbeatConfig {
  readonly baseDomain: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly image: string;
  readonly schedule: string;
  readonly url: string;
  readonly names: { readonly secret: string; readonly serviceAccount: string; readonly cronJob: string };
}

/** A small stable hash (FNV-1a, 32 bit) used only to spread schedules. */
function spread(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Every 6 hours, at a minute and hour offset fixed per cluster id. */
export function heartbeatSchedule(clusterId: string): string {
  const h = spread(clusterId);
  return `${h % 60} ${(h >>> 8) % 6}-23/6 * * *`;
}

export function heartbeatConfig(input: HeartbeatInput): HeartbeatConfig {
  const baseDomain = normaliseDomain(input.baseDomain);
  return {
    baseDomain,
    clusterId: input.clusterId,
    namespace: input.namespace ?? "skipper-registration",
    image: input.image ?? CURL_IMAGE,
    schedule: input.schedule ?? heartbeatSchedule(input.clusterId),
    url: `https://${baseDomain}/v1/clusters/${encodeURIComponent(input.clusterId)}/heartbeat`,
    names: { secret: "gateway-registration", serviceAccount: "gateway-heartbeat", cronJob: "gateway-heartbeat" },
  };
}

function labels(): Record<string, string> {
  return platformLabels("gateway-registration", "gateway-heartbeat", "skipper-gateway-heartbeat");
}

/** Namespace, ServiceAccount and CronJob (the Secret comes from `heartbeatSecret`). */
export function renderHeartbeat(cfg: HeartbeatConfig): K8sObject[] {
  const meta = (name: string) => ({ name, namespace: cfg.namespace, labels: labels() });
  const mountDir = "/etc/skipper/gateway";
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: cfg.namespace, labels: { ...labels(), "pod-security.kubernetes.io/enforce": "restricted" } },
    },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(cfg.names.serviceAccount),
      automountServiceAccountToken: false,
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta(cfg.names.cronJob),
      spec: {
        schedule: cfg.schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: labels() },
          spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: 600,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels: labels() },
              spec: {
                restartPolicy: "Never",
                serviceAccountName: cfg.names.serviceAccount,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: nonRootPodSecurity(CURL_UID, CURL_GID),
                containers: [
                  {
                    name: "heartbeat",
                    image: cfg.image,
                    imagePullPolicy: "IfNotPresent",
                    command: ["curl"],
                    args: [
                      "--fail-with-body",
                      "--silent",
                      "--show-error",
                      "--max-time",
                      "30",
                      "--retry",
                      "5",
                      "--retry-delay",
                      "20",
                      "--retry-all-errors",
                      "--request",
                      "POST",
                      "--header",
                      `@${mountDir}/${AUTHORIZATION_KEY}`,
                      cfg.url,
                    ],
                    resources: {
                      requests: { cpu: "10m", memory: "16Mi" },
                      limits: { cpu: "100m", memory: "64Mi" },
                    },
                    securityContext: hardenedContainerSecurity(),
                    volumeMounts: [{ name: "registration", mountPath: mountDir, readOnly: true }],
                  },
                ],
                volumes: [
                  {
                    name: "registration",
                    secret: {
                      secretName: cfg.names.secret,
                      items: [{ key: AUTHORIZATION_KEY, path: AUTHORIZATION_KEY }],
                      // Readable by curl's group only (fsGroup); the file belongs to root.
                      defaultMode: 0o440,
                    },
                  },
                ],
              },
            },
          },
        },
      },
    },
  ];
}

/** The registration Secret: the token itself (to recover it with kubectl) and the header line curl sends. */
export function heartbeatSecret<V>(
  cfg: HeartbeatConfig,
  values: { readonly token: V; readonly authorization: V },
): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: cfg.names.secret, namespace: cfg.namespace, labels: labels() },
    type: "Opaque",
    stringData: { [TOKEN_KEY]: values.token, [AUTHORIZATION_KEY]: values.authorization },
  };
}
