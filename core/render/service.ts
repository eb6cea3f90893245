/**
 * Stateful service → StatefulSet (one replica, a volume claim template `data`) + headless governing Service, and
 * `renderServiceCredentials` → Secret `<svc>-credentials` (HOST, PORT, USERNAME, PASSWORD, DATABASE, URL).
 *
 * Data safety: the claim retention policy is Retain for both deletion and scale-down, so deleting the StatefulSet
 * (a destroy, or removing the service from the stack) stops the engine but leaves the PersistentVolumeClaim and its
 * data in place. Only `deleteDataOnDestroy: true` turns deletion into Delete; scaling down never deletes a claim. A
 * full destroy deletes no in-cluster object: the release-data step (`core/k3s/release-data.ts`) deletes such a
 * service's StatefulSet and claims itself, by the names and selector labels rendered here.
 * The password is derived (`deriveServicePassword`), so a service declared again meets its old data with the same
 * credentials.
 *
 * The StatefulSet's metadata carries the apps that bind the service (`skipper.run/bound-apps`), for the console. It is
 * on the set itself and not on its pod template, so binding or unbinding an app does not restart the engine.
 *
 * The headless Service does not publish unready pods: with one replica there are no peers that need to find each
 * other during start-up, and apps should reach the engine only once its readiness check passes.
 */
import { createHmac } from "node:crypto";
import type { IStatefulSetSpec } from "kubernetes-models/apps/v1/StatefulSetSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IServiceSpec } from "kubernetes-models/v1/ServiceSpec";
import { type CredentialKey, credentialKeys, type EngineEntry, engineEntry } from "../catalogue.ts";
import type { K8sObject } from "../k8s.ts";
import { ANNOTATION_BOUND_APPS, LABEL_COMPONENT, serviceLabels, serviceSelector } from "../labels.ts";
import type { App, Service } from "../model.ts";
import { type EnvVar, literalEnv, secretEnv } from "./env.ts";
import { credentialsSecretName } from "./names.ts";
import { containerSecurity, podDefaults, REVISION_HISTORY_LIMIT_STATEFUL, resourceRequirements } from "./pod.ts";

/** The StorageClass k3s ships (its bundled local-path provisioner): bare-metal volumes use it unless told otherwise. */
export const K3S_STORAGE_CLASS = "local-path";

/** Name of the volume claim template; claims are `data-<svc>-0`. */
export const DATA_VOLUME = "data";

/** In-cluster DNS name of a service (its headless Service). */
export function serviceHost(svc: Service): string {
  return `${svc.name}.${svc.namespace}.svc.cluster.local`;
}

/** The connection URL, e.g. `postgresql://app:<password>@db.main.svc.cluster.local:5432/app`. */
export function connectionUrl(svc: Service, password: string): string {
  const e = engineEntry(svc.engine);
  const user = encodeURIComponent(e.username ?? "");
  const auth = `${user}:${encodeURIComponent(password)}@`;
  const path = e.database !== undefined ? `/${e.database}` : e.engine === "redis" ? "/0" : "";
  const query = e.urlQuery !== undefined ? `?${e.urlQuery}` : "";
  return `${e.urlScheme}://${auth}${serviceHost(svc)}:${svc.port}${path}${query}`;
}

/**
 * The password of a service, derived from the stack's credentials key: the same key, project and name give the same
 * password. A service removed from the stack keeps its volume (the claim is retained), so when it is declared again
 * it must come back with the password its data was initialised with; deriving it (instead of generating one per
 * service, which would be lost with the service) makes that so. 40 hex digits: 160 bits, safe in URLs and shells.
 */
export function deriveServicePassword(key: string, svc: Pick<Service, "namespace" | "name">): string {
  return createHmac("sha256", key)
    .update(`skipper/service-password/v1/${svc.namespace}/${svc.name}`)
    .digest("hex")
    .slice(0, 40);
}

/** Something with `apply`, as a Pulumi Output: the URL is derived inside it without this module knowing Pulumi. */
interface Applicable<V> {
  apply(fn: (value: string) => string): V;
}

function hasApply<V>(value: unknown): value is Applicable<V> {
  return typeof value === "object" && value !== null && typeof (value as { apply?: unknown }).apply === "function";
}

/**
 * Secret `<svc>-credentials`. `password` is a string or anything with `apply` (a Pulumi Output), from which the URL
 * is derived; or pass `url` explicitly. This and `renderAppSecret` are the only places secret values are rendered.
 */
export function renderServiceCredentials<V>(svc: Service, password: V, url?: V): K8sObject {
  const e = engineEntry(svc.engine);
  let urlValue: V | string;
  if (url !== undefined) urlValue = url;
  else if (typeof password === "string") urlValue = connectionUrl(svc, password);
  else if (hasApply<V>(password)) urlValue = password.apply((p) => connectionUrl(svc, p));
  else
    throw new TypeError(
      `renderServiceCredentials(${svc.name}): pass the password as a string or an Output, or pass url`,
    );
  const values: Record<CredentialKey, V | string | undefined> = {
    HOST: serviceHost(svc),
    PORT: String(svc.port),
    USERNAME: e.username,
    PASSWORD: password,
    DATABASE: e.database,
    URL: urlValue,
  };
  const stringData = Object.fromEntries([...credentialKeys(svc.engine)].sort().map((k) => [k, values[k]]));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: credentialsSecretName(svc.name), namespace: svc.namespace, labels: serviceLabels(svc) },
    type: "Opaque",
    stringData,
  };
}

/** The apps of the service's project that bind it (`bind: ["<svc>"]`), sorted by name. */
export function boundAppNames(svc: Service, apps: readonly App[]): string[] {
  return apps
    .filter((app) => app.project === svc.project && app.bind.includes(svc.name))
    .map((app) => app.name)
    .sort();
}

/**
 * The service's StatefulSet and headless Service. `storageClass` backs its volume: the infrastructure provider's
 * (`InfraProvider.storageClass`, k3s's `local-path` on bare metal); without one the cluster's default class does.
 * `boundApps` (from `boundAppNames`) is recorded on the StatefulSet; without it the set says nothing about bindings.
 */
export function renderService(
  svc: Service,
  storageClass: string | undefined,
  boundApps?: readonly string[],
): K8sObject[] {
  return [renderStatefulSet(svc, storageClass, boundApps), renderHeadlessService(svc)];
}

function engineEnv(svc: Service, e: EngineEntry): EnvVar[] {
  const secret = credentialsSecretName(svc.name);
  return e.env.map((v) => ("credential" in v ? secretEnv(v.name, secret, v.credential) : literalEnv(v.name, v.value)));
}

function container(svc: Service, e: EngineEntry): IContainer {
  return {
    name: e.engine,
    image: svc.image,
    ...(e.args !== undefined && { args: [...e.args] }),
    ports: [{ name: e.portName, containerPort: svc.port, protocol: "TCP" }],
    env: engineEnv(svc, e),
    resources: resourceRequirements(svc.resources),
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: e.dataPath, ...(e.dataSubPath !== undefined && { subPath: e.dataSubPath }) },
    ],
    readinessProbe: {
      exec: { command: [...e.readinessCommand] },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    // A TCP check only: an engine replaying its journal after a crash must not be killed for being slow to answer.
    livenessProbe: {
      tcpSocket: { port: e.portName },
      initialDelaySeconds: 30,
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
    securityContext: containerSecurity(),
  };
}

function renderStatefulSet(
  svc: Service,
  storageClass: string | undefined,
  boundApps: readonly string[] | undefined,
): K8sObject {
  const e = engineEntry(svc.engine);
  const spec: IStatefulSetSpec = {
    serviceName: svc.name,
    replicas: 1,
    revisionHistoryLimit: REVISION_HISTORY_LIMIT_STATEFUL,
    selector: { matchLabels: { ...serviceSelector(svc) } },
    updateStrategy: { type: "RollingUpdate" },
    persistentVolumeClaimRetentionPolicy: {
      whenDeleted: svc.deleteDataOnDestroy ? "Delete" : "Retain",
      whenScaled: "Retain",
    },
    template: {
      metadata: { labels: { ...serviceLabels(svc) } },
      spec: {
        ...podDefaults(),
        terminationGracePeriodSeconds: e.terminationGracePeriodSeconds,
        containers: [container(svc, e)],
      },
    },
    volumeClaimTemplates: [
      {
        // volumeClaimTemplates cannot change once the StatefulSet exists: stable labels only (no version).
        metadata: { name: DATA_VOLUME, labels: { ...serviceSelector(svc), [LABEL_COMPONENT]: "service" } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(storageClass !== undefined && { storageClassName: storageClass }),
          resources: { requests: { storage: svc.storage } },
        },
      },
    ],
  };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: svc.name,
      namespace: svc.namespace,
      labels: serviceLabels(svc),
      ...(boundApps !== undefined && { annotations: { [ANNOTATION_BOUND_APPS]: [...boundApps].sort().join(",") } }),
    },
    spec,
  };
}

function renderHeadlessService(svc: Service): K8sObject {
  const e = engineEntry(svc.engine);
  const spec: IServiceSpec = {
    clusterIP: "None",
    publishNotReadyAddresses: false,
    selector: { ...serviceSelector(svc) },
    ports: [{ name: e.portName, port: svc.port, targetPort: e.portName, protocol: "TCP" }],
  };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: svc.name, namespace: svc.namespace, labels: serviceLabels(svc) },
    spec,
  };
}
