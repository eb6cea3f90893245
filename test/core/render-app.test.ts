import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpecError } from "../../core/errors.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { LABEL_MANAGED_BY, LABEL_PROJECT } from "../../core/labels.ts";
import type { App, Stack } from "../../core/model.ts";
import { CLUSTER_ISSUER, renderApp, renderAppSecret } from "../../core/render/app.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

const stack: Stack = validateStack(EXAMPLE_SPEC);
const app = (name: string): App => stack.apps.find((a) => a.name === name)!;
type Rec = Record<string, any>;

function find(objects: readonly K8sObject[], kind: string, name: string): Rec {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind} ${name} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o as Rec;
}

describe("renderApp: the web app (port, health, bindings, secret env, gateway host, custom domain)", () => {
  const objects = renderApp(app("web"), stack);
  const deployment = find(objects, "Deployment", "web");
  const container = deployment["spec"].template.spec.containers[0];

  it("renders Deployment, Service, two Middlewares and three Ingresses, all in the project namespace", () => {
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      "Deployment/web",
      "Ingress/web",
      "Ingress/web-domains",
      "Ingress/web-redirect",
      "Middleware/web-headers",
      "Middleware/web-https-redirect",
      "Service/web",
    ]);
    for (const o of objects) assert.equal(o.metadata.namespace, "main");
  });

  it("labels everything with the recommended labels and managed-by skipper", () => {
    for (const o of objects) {
      assert.equal(o.metadata.labels?.[LABEL_MANAGED_BY], "skipper");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/name"], "web");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/instance"], "web");
      assert.equal(o.metadata.labels?.[LABEL_PROJECT], "main");
    }
  });

  it("selects its pods with a stable subset of the template labels", () => {
    const selector = deployment["spec"].selector.matchLabels;
    const labels = deployment["spec"].template.metadata.labels;
    assert.deepEqual(selector, { "app.kubernetes.io/instance": "web", "app.kubernetes.io/managed-by": "skipper" });
    for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v);
    assert.deepEqual(find(objects, "Service", "web")["spec"].selector, selector);
  });

  it("rolls out without losing capacity and keeps the old version when the new one is never ready", () => {
    const spec = deployment["spec"];
    assert.equal(spec.replicas, 2);
    assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    assert.ok(spec.progressDeadlineSeconds > 0);
    assert.ok(spec.revisionHistoryLimit > 0);
    assert.ok(container.readinessProbe, "without readiness a broken version would replace the old one");
  });

  it("probes the health path on the named port, liveness more patient than readiness", () => {
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]);
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/healthz", port: "http" });
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "http" });
    assert.notEqual(container.readinessProbe.httpGet, container.livenessProbe.httpGet, "no shared objects");
    assert.ok(
      container.livenessProbe.initialDelaySeconds * container.livenessProbe.failureThreshold >
        container.readinessProbe.initialDelaySeconds * container.readinessProbe.failureThreshold,
    );
  });

  it("sets requests and limits and safe security defaults", () => {
    assert.deepEqual(container.resources, {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext.runAsNonRoot, undefined, "arbitrary images may need root");
    const pod = deployment["spec"].template.spec;
    assert.equal(pod.enableServiceLinks, false, "service links would inject DB_PORT=tcp://… and clash with bindings");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
  });

  it("passes plain env literally, secret env and bindings by secretKeyRef only", () => {
    const env: Rec[] = container.env;
    assert.deepEqual(
      env.find((e) => e.name === "NODE_ENV"),
      { name: "NODE_ENV", value: "production" },
    );
    assert.deepEqual(env.find((e) => e.name === "SESSION_SECRET")!.valueFrom, {
      secretKeyRef: { name: "web-env", key: "SESSION_SECRET" },
    });
    assert.deepEqual(env.find((e) => e.name === "DATABASE_URL")!.valueFrom, {
      secretKeyRef: { name: "db-credentials", key: "URL" },
    });
    const literal = env.filter((e) => "value" in e).map((e) => e.name);
    assert.deepEqual(literal, ["NODE_ENV", "PORT"], "nothing but the plain env and PORT is a literal");
    assert.deepEqual(
      env.find((e) => e.name === "PORT"),
      { name: "PORT", value: "3000" },
    );
    const names = env.map((e) => e.name);
    assert.deepEqual(names, [...names].sort(), "env sorted by name");
    assert.equal(new Set(names).size, names.length, "no env var twice");
  });

  it("escapes '$' in plain env values so Kubernetes does not expand $(VAR)", () => {
    const a: App = { ...app("web"), env: { PRICE: "$(COST) and $$" } };
    const env = (renderApp(a, stack)[0] as Rec)["spec"].template.spec.containers[0].env as Rec[];
    assert.equal(env.find((e) => e.name === "PRICE")!.value, "$$(COST) and $$$$");
  });

  it("serves the gateway host on the web entrypoint with headers and no redirect", () => {
    const ing = find(objects, "Ingress", "web");
    assert.equal(ing["spec"].ingressClassName, "traefik");
    assert.deepEqual(
      ing["spec"].rules.map((r: Rec) => r.host),
      ["web-203-0-113-10.skipper.run"],
    );
    assert.equal(ing["spec"].tls, undefined, "the gateway terminates TLS");
    assert.equal(ing["metadata"].annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert.equal(
      ing["metadata"].annotations["traefik.ingress.kubernetes.io/router.middlewares"],
      "main-web-headers@kubernetescrd",
    );
    assert.deepEqual(ing["spec"].rules[0].http.paths[0].backend, { service: { name: "web", port: { name: "http" } } });
  });

  it("serves custom domains over HTTPS with a cert-manager certificate and security headers", () => {
    const ing = find(objects, "Ingress", "web-domains");
    const a = ing["metadata"].annotations;
    assert.equal(a["cert-manager.io/cluster-issuer"], CLUSTER_ISSUER);
    assert.equal(a["traefik.ingress.kubernetes.io/router.entrypoints"], "websecure");
    assert.equal(a["traefik.ingress.kubernetes.io/router.tls"], "true");
    assert.equal(a["traefik.ingress.kubernetes.io/router.middlewares"], "main-web-headers@kubernetescrd");
    assert.deepEqual(ing["spec"].tls, [{ hosts: ["shop.example.com"], secretName: "web-tls" }]);
    const headers = find(objects, "Middleware", "web-headers")["spec"].headers;
    assert.equal(headers.contentTypeNosniff, true);
    assert.ok(headers.stsSeconds >= 15_552_000, "HSTS for at least 180 days");
  });

  it("redirects custom domains from HTTP to HTTPS", () => {
    const ing = find(objects, "Ingress", "web-redirect");
    assert.equal(ing["metadata"].annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert.equal(
      ing["metadata"].annotations["traefik.ingress.kubernetes.io/router.middlewares"],
      "main-web-https-redirect@kubernetescrd",
    );
    assert.deepEqual(
      ing["spec"].rules.map((r: Rec) => r.host),
      ["shop.example.com"],
    );
    assert.deepEqual(find(objects, "Middleware", "web-https-redirect")["spec"], {
      redirectScheme: { scheme: "https", permanent: true },
    });
  });

  it("is deterministic: rendering twice gives equal objects and identical JSON", () => {
    const again = renderApp(app("web"), stack);
    assert.deepEqual(again, objects);
    assert.equal(JSON.stringify(again), JSON.stringify(objects));
  });
});

describe("renderApp: other shapes", () => {
  it("a worker without a port gets a Deployment only, no ports and no probes", () => {
    const objects = renderApp(app("worker"), stack);
    assert.deepEqual(
      objects.map((o) => o.kind),
      ["Deployment"],
    );
    const c = (objects[0] as Rec)["spec"].template.spec.containers[0];
    assert.equal(c.ports, undefined);
    assert.equal(c.readinessProbe, undefined);
    assert.deepEqual(c.command, ["node", "worker.js"]);
  });

  it("an app with a port but no health path is ready once it accepts connections; nothing restarts it", () => {
    const { health: _, ...a } = app("web");
    const c = (renderApp(a, stack)[0] as Rec)["spec"].template.spec.containers[0];
    assert.deepEqual(c.readinessProbe.tcpSocket, { port: "http" });
    assert.equal(c.livenessProbe, undefined);
  });

  it("an app's own PORT is kept", () => {
    const a: App = { ...app("web"), env: { PORT: "8080" } };
    const env = (renderApp(a, stack)[0] as Rec)["spec"].template.spec.containers[0].env as Rec[];
    assert.deepEqual(
      env.filter((e) => e.name === "PORT"),
      [{ name: "PORT", value: "8080" }],
    );
  });

  it("an app with a port but no route gets no Ingress", () => {
    const a: App = { ...app("web"), domains: [] };
    const { gatewayHost: _, ...noHost } = a;
    const kinds = renderApp(noHost, stack).map((o) => o.kind);
    assert.deepEqual(kinds, ["Deployment", "Service"]);
  });

  it("a health port other than the app port is probed by number", () => {
    const a: App = { ...app("web"), health: { path: "/live", port: 9090, initialDelaySeconds: 0 } };
    const c = (renderApp(a, stack)[0] as Rec)["spec"].template.spec.containers[0];
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/live", port: 9090 });
  });
});

describe("renderAppSecret", () => {
  const web = app("web");

  it("puts the values in stringData of Secret <app>-env, passing any value type through", () => {
    const marker = { output: "opaque" };
    const s = renderAppSecret(web, { SESSION_SECRET: marker }) as Rec;
    assert.equal(s["metadata"].name, "web-env");
    assert.equal(s["metadata"].namespace, "main");
    assert.equal(s["type"], "Opaque");
    assert.equal(s["stringData"].SESSION_SECRET, marker);
  });

  it("keeps only declared names and refuses a missing value naming the field", () => {
    const s = renderAppSecret(web, { SESSION_SECRET: "x", OTHER: "y" }) as Rec;
    assert.deepEqual(Object.keys(s["stringData"]), ["SESSION_SECRET"]);
    assert.throws(
      () => renderAppSecret(web, {}),
      (e: unknown) => e instanceof SpecError && e.field === "apps.web.secretEnv" && /SESSION_SECRET/.test(e.rule),
    );
  });

  it("no secret value appears in any other rendered object", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    const all = [...renderApp(web, stack), renderAppSecret(web, { SESSION_SECRET: secret })];
    const leaking = all.filter((o) => o.kind !== "Secret" && JSON.stringify(o).includes(secret));
    assert.deepEqual(leaking, []);
  });
});
