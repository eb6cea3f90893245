/**
 * App → Deployment, + ClusterIP Service when it has a port, + Ingresses and Traefik Middlewares for its gateway host
 * and custom domains; `renderAppSecret` gives the Secret of its secret env.
 *
 * Routing (Traefik, the k3s ingress controller):
 * - Gateway host `<app>-<cluster>.<gateway>`: the gateway terminates TLS with its wildcard certificate and proxies plain
 *   HTTP to the cluster's port 80, so this host is served on Traefik's `web` entrypoint only, without a redirect (a
 *   redirect would loop through the gateway). Ingress `<app>`.
 * - Custom domains: served over HTTPS on `websecure` with a Let's Encrypt certificate that cert-manager issues into
 *   Secret `<app>-tls` (annotation `cert-manager.io/cluster-issuer`), Ingress `<app>-domains`; on plain HTTP a second
 *   Ingress `<app>-redirect` answers with a permanent redirect to HTTPS. cert-manager's HTTP-01 solver adds its own
 *   Ingress for `/.well-known/acme-challenge/<token>`; Traefik ranks longer rules first, so the challenge is answered
 *   and not redirected.
 * - Every host gets security headers (Middleware `<app>-headers`): nosniff, a referrer policy, same-origin framing, and
 *   HSTS, which Traefik sends on HTTPS responses only (so never on the gateway's plain-HTTP hop).
 *
 * Rollouts: RollingUpdate with maxUnavailable 0 and maxSurge 1, so an old pod is only removed once a new one is
 * Ready; a new version that never passes readiness leaves the old one serving and the rollout is reported failed
 * after `progressDeadlineSeconds`. Readiness is the health path when given, else a TCP check of the app's port.
 */
import type { IDeploymentSpec } from "kubernetes-models/apps/v1/DeploymentSpec";
import type { IIngressRule } from "kubernetes-models/networking.k8s.io/v1/IngressRule";
import type { IIngressSpec } from "kubernetes-models/networking.k8s.io/v1/IngressSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IServiceSpec } from "kubernetes-models/v1/ServiceSpec";
import { SpecError } from "../errors.ts";
import type { K8sObject } from "../k8s.ts";
import { ANNOTATION_DECLARED_REPLICAS, appLabels, appSelector } from "../labels.ts";
import type { App, Stack } from "../model.ts";
import { bindingEnv } from "./binding.ts";
import { type EnvVar, literalEnv, secretEnv } from "./env.ts";
import {
  appSecretName,
  domainsIngressName,
  gatewayIngressName,
  headersMiddlewareName,
  redirectIngressName,
  redirectMiddlewareName,
  tlsSecretName,
} from "./names.ts";
import { byName, containerSecurity, podDefaults, REVISION_HISTORY_LIMIT, resourceRequirements } from "./pod.ts";

/** The cert-manager ClusterIssuer (rendered by `renderAddons`) that custom domains use. */
export const CLUSTER_ISSUER = "skipper-letsencrypt";
export const INGRESS_CLASS = "traefik";
/** Name of the container port every app listens on; Service and probes refer to it. */
export const HTTP_PORT_NAME = "http";
export const PROGRESS_DEADLINE_SECONDS = 600;

const TRAEFIK = "traefik.ingress.kubernetes.io";
const MIDDLEWARE_API = "traefik.io/v1alpha1";
/** One year of HSTS; subdomains are not included (a custom domain's siblings are not ours). */
const HSTS_SECONDS = 31_536_000;

export function renderApp(app: App, stack: Stack): K8sObject[] {
  const objects: K8sObject[] = [renderDeployment(app, stack)];
  if (app.port === undefined) return objects;
  objects.push(renderAppService(app));
  if (app.gatewayHost === undefined && app.domains.length === 0) return objects;
  objects.push(headersMiddleware(app));
  if (app.gatewayHost !== undefined) objects.push(gatewayIngress(app, app.gatewayHost));
  if (app.domains.length > 0) objects.push(redirectMiddleware(app), domainsIngress(app), redirectIngress(app));
  return objects;
}

/**
 * Secret `<app>-env` with the app's secret env values. Generic in the value type so a component can pass Pulumi
 * Outputs; this is the only place secret values are rendered. Throws when a declared secret env has no value.
 */
export function renderAppSecret<V>(app: App, values: Readonly<Record<string, V>>): K8sObject {
  const missing = app.secretEnv.filter((n) => !Object.hasOwn(values, n) || values[n] === undefined);
  if (missing.length > 0) {
    throw new SpecError(
      `apps.${app.name}.secretEnv`,
      `has no value for ${missing.join(", ")}; set each with: pulumi config set --secret skipper:secret.${app.name}.<NAME> <value>`,
    );
  }
  const stringData = Object.fromEntries([...app.secretEnv].sort().map((n) => [n, values[n] as V]));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: appSecretName(app.name), namespace: app.namespace, labels: appLabels(app) },
    type: "Opaque",
    stringData,
  };
}

function meta(app: App, name: string, annotations?: Record<string, string>): K8sObject["metadata"] {
  return {
    name,
    namespace: app.namespace,
    labels: appLabels(app),
    ...(annotations !== undefined && { annotations }),
  };
}

/**
 * Plain env, secret env (from `<app>-env`) and binding env, sorted by name. An app with a port also gets `PORT`
 * (as on Heroku) unless it sets `PORT` itself.
 */
export function appEnv(app: App, stack: Stack): EnvVar[] {
  const port =
    app.port !== undefined && !Object.hasOwn(app.env, "PORT") && !app.secretEnv.includes("PORT")
      ? [literalEnv("PORT", String(app.port))]
      : [];
  return byName([
    ...port,
    ...Object.entries(app.env).map(([name, value]) => literalEnv(name, value)),
    ...app.secretEnv.map((name) => secretEnv(name, appSecretName(app.name), name)),
    ...bindingEnv(app, stack),
  ]);
}

function probes(app: App): Pick<IContainer, "readinessProbe" | "livenessProbe"> {
  const h = app.health;
  if (h === undefined) {
    // No health path: a pod is ready once it accepts connections on its port (as Heroku waits for the web process
    // to bind $PORT), so a new version that never listens does not replace the old one. Nothing restarts it.
    if (app.port === undefined) return {};
    return {
      readinessProbe: { tcpSocket: { port: HTTP_PORT_NAME }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    };
  }
  const httpGet = () => ({ path: h.path, port: h.port === app.port ? HTTP_PORT_NAME : h.port });
  const readinessProbe: IProbe = {
    httpGet: httpGet(),
    initialDelaySeconds: h.initialDelaySeconds,
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
  };
  // Liveness restarts the container, so it waits longer and tolerates a minute of failures.
  const livenessProbe: IProbe = {
    httpGet: httpGet(),
    initialDelaySeconds: h.initialDelaySeconds + 10,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 6,
  };
  return { readinessProbe, livenessProbe };
}

function container(app: App, stack: Stack): IContainer {
  const env = appEnv(app, stack);
  return {
    name: app.name,
    image: app.image,
    ...(app.command !== undefined && { command: [...app.command] }),
    ...(app.args !== undefined && { args: [...app.args] }),
    ...(app.port !== undefined && { ports: [{ name: HTTP_PORT_NAME, containerPort: app.port, protocol: "TCP" }] }),
    ...(env.length > 0 && { env }),
    resources: resourceRequirements(app.resources),
    ...probes(app),
    securityContext: containerSecurity(),
  };
}

function renderDeployment(app: App, stack: Stack): K8sObject {
  const spec: IDeploymentSpec = {
    replicas: app.replicas,
    revisionHistoryLimit: REVISION_HISTORY_LIMIT,
    progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    selector: { matchLabels: { ...appSelector(app) } },
    template: {
      metadata: { labels: { ...appLabels(app) } },
      spec: { ...podDefaults(), containers: [container(app, stack)] },
    },
  };
  // The declared replicas ride along so the console can show them beside a scale made there (DESIGN.md §7).
  const metadata = meta(app, app.name, { [ANNOTATION_DECLARED_REPLICAS]: String(app.replicas) });
  return { apiVersion: "apps/v1", kind: "Deployment", metadata, spec };
}

function renderAppService(app: App): K8sObject {
  const spec: IServiceSpec = {
    type: "ClusterIP",
    selector: { ...appSelector(app) },
    ports: [{ name: HTTP_PORT_NAME, port: app.port!, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
  };
  return { apiVersion: "v1", kind: "Service", metadata: meta(app, app.name), spec };
}

function middlewareRef(app: App, name: string): string {
  return `${app.namespace}-${name}@kubernetescrd`;
}

function rule(app: App, host: string): IIngressRule {
  return {
    host,
    http: {
      paths: [
        { path: "/", pathType: "Prefix", backend: { service: { name: app.name, port: { name: HTTP_PORT_NAME } } } },
      ],
    },
  };
}

function ingress(
  app: App,
  name: string,
  hosts: readonly string[],
  annotations: Record<string, string>,
  tls: boolean,
): K8sObject {
  const spec: IIngressSpec = {
    ingressClassName: INGRESS_CLASS,
    ...(tls && { tls: [{ hosts: [...hosts], secretName: tlsSecretName(app.name) }] }),
    rules: hosts.map((h) => rule(app, h)),
  };
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta(app, name, annotations), spec };
}

function gatewayIngress(app: App, host: string): K8sObject {
  return ingress(
    app,
    gatewayIngressName(app.name),
    [host],
    {
      [`${TRAEFIK}/router.entrypoints`]: "web",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(app, headersMiddlewareName(app.name)),
    },
    false,
  );
}

function domainsIngress(app: App): K8sObject {
  return ingress(
    app,
    domainsIngressName(app.name),
    app.domains,
    {
      "cert-manager.io/cluster-issuer": CLUSTER_ISSUER,
      [`${TRAEFIK}/router.entrypoints`]: "websecure",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(app, headersMiddlewareName(app.name)),
      [`${TRAEFIK}/router.tls`]: "true",
    },
    true,
  );
}

function redirectIngress(app: App): K8sObject {
  return ingress(
    app,
    redirectIngressName(app.name),
    app.domains,
    {
      [`${TRAEFIK}/router.entrypoints`]: "web",
      [`${TRAEFIK}/router.middlewares`]: middlewareRef(app, redirectMiddlewareName(app.name)),
    },
    false,
  );
}

function headersMiddleware(app: App): K8sObject {
  return {
    apiVersion: MIDDLEWARE_API,
    kind: "Middleware",
    metadata: meta(app, headersMiddlewareName(app.name)),
    spec: {
      headers: {
        contentTypeNosniff: true,
        customFrameOptionsValue: "SAMEORIGIN",
        referrerPolicy: "strict-origin-when-cross-origin",
        stsSeconds: HSTS_SECONDS,
      },
    },
  };
}

function redirectMiddleware(app: App): K8sObject {
  return httpsRedirectMiddleware(meta(app, redirectMiddlewareName(app.name)));
}

/** A Traefik Middleware that answers plain HTTP with a permanent redirect to HTTPS (also the console's and gateway's). */
export function httpsRedirectMiddleware(metadata: K8sObject["metadata"]): K8sObject {
  return {
    apiVersion: MIDDLEWARE_API,
    kind: "Middleware",
    metadata,
    spec: { redirectScheme: { scheme: "https", permanent: true } },
  };
}
