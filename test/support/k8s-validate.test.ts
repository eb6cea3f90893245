/** The validator must catch each mistake it claims to: break one thing in a valid set and look for the problem. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { K8sObject } from "../../core/k8s.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "./example-stack.ts";
import { validateObjects } from "./k8s-validate.ts";
import { renderAll } from "./render-all.ts";

type Rec = Record<string, any>;
const valid = renderAll(validateStack(EXAMPLE_SPEC));

function find(objects: Rec[], kind: string, name: string): Rec {
  const o = objects.find((x) => x["kind"] === kind && x["metadata"].name === name);
  assert.ok(o, `no ${kind} ${name}`);
  return o;
}

/** Clone the valid set, apply `breakIt`, and expect exactly the problems matching `pattern` to appear. */
function expectProblem(breakIt: (objects: Rec[]) => Rec[] | undefined, pattern: RegExp): void {
  const objects = structuredClone(valid) as Rec[];
  const broken = breakIt(objects) ?? objects;
  const problems = validateObjects(broken as K8sObject[]);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join("\n") || "(none)"}`,
  );
}

describe("validateObjects", () => {
  it("finds nothing wrong with the example stack", () => {
    assert.deepEqual(validateObjects(valid), []);
  });

  const cases: [string, (o: Rec[]) => Rec[] | undefined, RegExp][] = [
    [
      "a Deployment selector that misses the template labels",
      (o) => {
        find(o, "Deployment", "web")["spec"].selector.matchLabels["app.kubernetes.io/instance"] = "other";
        return undefined;
      },
      /Deployment main\/web: spec.selector.matchLabels .* does not match the pod template labels/,
    ],
    [
      "a Service selecting no pods",
      (o) => {
        find(o, "Service", "web")["spec"].selector = { app: "nothing" };
        return undefined;
      },
      /Service main\/web: selector .* matches no workload's pods/,
    ],
    [
      "a Service selector so broad it selects several workloads",
      (o) => {
        find(o, "Service", "web")["spec"].selector = { "app.kubernetes.io/managed-by": "skipper" };
        return undefined;
      },
      /Service main\/web: selector .* matches the pods of several workloads \(.*Deployment main\/web.*\)/,
    ],
    [
      "a Service targeting a port no container exposes",
      (o) => {
        find(o, "Service", "web")["spec"].ports[0].targetPort = "metrics";
        return undefined;
      },
      /Service main\/web: port http targets "metrics", which no selected container exposes/,
    ],
    [
      "a numeric targetPort that no container has",
      (o) => {
        find(o, "Service", "web")["spec"].ports[0].targetPort = 9999;
        return undefined;
      },
      /targets 9999/,
    ],
    [
      "an Ingress backend naming a missing Service",
      (o) => {
        find(o, "Ingress", "web")["spec"].rules[0].http.paths[0].backend.service.name = "ghost";
        return undefined;
      },
      /Ingress main\/web: backend Service 'ghost' does not exist in main/,
    ],
    [
      "an Ingress backend naming a missing port",
      (o) => {
        find(o, "Ingress", "web")["spec"].rules[0].http.paths[0].backend.service.port = { name: "grpc" };
        return undefined;
      },
      /backend Service 'web' has no port "grpc"/,
    ],
    [
      "a StatefulSet whose governing Service is missing",
      (o) => o.filter((x) => !(x["kind"] === "Service" && x["metadata"].name === "db")),
      /StatefulSet main\/db: serviceName 'db' names no Service/,
    ],
    [
      "a StatefulSet whose governing Service is not headless",
      (o) => {
        delete find(o, "Service", "db")["spec"].clusterIP;
        return undefined;
      },
      /governing Service 'db' is not headless/,
    ],
    [
      "a secretKeyRef to a Secret that is not rendered",
      (o) => o.filter((x) => !(x["kind"] === "Secret" && x["metadata"].name === "db-credentials")),
      /Deployment main\/web: env DATABASE_URL names Secret 'db-credentials', which is not rendered/,
    ],
    [
      "a secretKeyRef to a key the Secret lacks",
      (o) => {
        delete find(o, "Secret", "db-credentials")["stringData"].URL;
        return undefined;
      },
      /env DATABASE_URL reads key 'URL' that Secret 'db-credentials' does not have/,
    ],
    [
      "an envFrom secretRef to a missing Secret",
      (o) => {
        find(o, "Deployment", "worker")["spec"].template.spec.containers[0].envFrom = [{ secretRef: { name: "nope" } }];
        return undefined;
      },
      /Deployment main\/worker: envFrom names Secret 'nope'/,
    ],
    [
      "a secret volume with a missing key",
      (o) => {
        const pod = find(o, "Deployment", "worker")["spec"].template.spec;
        pod.volumes = [{ name: "v", secret: { secretName: "web-env", items: [{ key: "NOPE", path: "x" }] } }];
        return undefined;
      },
      /volume v reads key 'NOPE'/,
    ],
    [
      "a namespace that is never rendered",
      (o) => o.filter((x) => x["kind"] !== "Namespace"),
      /namespace 'main' is neither rendered nor built in/,
    ],
    [
      "a namespaced object without a namespace",
      (o) => {
        delete find(o, "Secret", "web-env")["metadata"].namespace;
        return undefined;
      },
      /Secret web-env: namespaced kind without metadata.namespace/,
    ],
    [
      "the same object twice",
      (o) => [...o, structuredClone(find(o, "Service", "web"))],
      /Service main\/web: rendered twice/,
    ],
    [
      "a Service name that is not a DNS label",
      (o) => {
        find(o, "Service", "web")["metadata"].name = "web.app";
        return undefined;
      },
      /Service main\/web.app: name must be a DNS-1123 label/,
    ],
    [
      "an object name with upper case",
      (o) => {
        find(o, "Secret", "web-env")["metadata"].name = "Web-Env";
        return undefined;
      },
      /name must be a DNS-1123 subdomain/,
    ],
    [
      "an unknown kind",
      (o) => [...o, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "main" } }],
      /unknown kind example.com\/v1\/Widget/,
    ],
    [
      "a schema type error",
      (o) => {
        find(o, "Deployment", "web")["spec"].replicas = "two";
        return undefined;
      },
      /Deployment main\/web: schema: \/spec\/replicas must be integer/,
    ],
    [
      "a missing required field",
      (o) => {
        delete find(o, "Deployment", "web")["spec"].template.spec.containers[0].name;
        return undefined;
      },
      /schema: \/spec\/template\/spec\/containers\/0 must have required property name/,
    ],
    [
      "a misspelt field the schema does not have",
      (o) => {
        const spec = find(o, "StatefulSet", "db")["spec"];
        spec.persistentVolumeClaimRetentionPolicies = spec.persistentVolumeClaimRetentionPolicy;
        delete spec.persistentVolumeClaimRetentionPolicy;
        return undefined;
      },
      /StatefulSet main\/db: spec.persistentVolumeClaimRetentionPolicies is not a field of IStatefulSetSpec/,
    ],
    [
      "a Traefik middleware reference to a missing Middleware",
      (o) => o.filter((x) => !(x["kind"] === "Middleware" && x["metadata"].name === "web-headers")),
      /Ingress main\/web: middleware 'main-web-headers@kubernetescrd' names no rendered Middleware/,
    ],
    [
      "a cert-manager issuer annotation naming no ClusterIssuer",
      (o) => o.filter((x) => x["kind"] !== "ClusterIssuer"),
      /Ingress main\/web-domains: cert-manager.io\/cluster-issuer 'skipper-letsencrypt' names no rendered ClusterIssuer/,
    ],
    [
      "a TLS secret nobody creates",
      (o) => {
        delete find(o, "Ingress", "web-domains")["metadata"].annotations["cert-manager.io/cluster-issuer"];
        return undefined;
      },
      /TLS secret 'web-tls' is neither rendered nor issued by cert-manager/,
    ],
    [
      "a probe on a port name the container lacks",
      (o) => {
        find(o, "Deployment", "web")["spec"].template.spec.containers[0].readinessProbe.httpGet.port = "admin";
        return undefined;
      },
      /readinessProbe.httpGet.port 'admin' names no port of this container/,
    ],
    [
      "an env var set twice",
      (o) => {
        const c = find(o, "Deployment", "web")["spec"].template.spec.containers[0];
        c.env.push({ name: "NODE_ENV", value: "dev" });
        return undefined;
      },
      /env var NODE_ENV is set twice/,
    ],
    [
      "an invalid label value",
      (o) => {
        find(o, "Secret", "web-env")["metadata"].labels["app.kubernetes.io/version"] = "1.0 beta";
        return undefined;
      },
      /is not a valid label value/,
    ],
    [
      "a volume mount naming no volume",
      (o) => {
        find(o, "StatefulSet", "db")["spec"].template.spec.containers[0].volumeMounts[0].name = "disk";
        return undefined;
      },
      /volumeMount 'disk' names no volume or claim template/,
    ],
    [
      "a Middleware configuring two things at once",
      (o) => {
        find(o, "Middleware", "web-headers")["spec"].redirectScheme = { scheme: "https" };
        return undefined;
      },
      /spec must configure exactly one middleware/,
    ],
    [
      "a Middleware field Traefik does not know",
      (o) => {
        find(o, "Middleware", "web-headers")["spec"].headers.stsSecond = 1;
        return undefined;
      },
      /spec.headers.stsSecond is not a known field/,
    ],
    [
      "a HelmChart without a chart",
      (o) => {
        delete find(o, "HelmChart", "cert-manager")["spec"].chart;
        return undefined;
      },
      /HelmChart kube-system\/cert-manager: spec.chart is required/,
    ],
    [
      "two Ingresses routing one host and path on the same entry point",
      (o) => {
        const copy = structuredClone(find(o, "Ingress", "web-domains"));
        copy["metadata"].name = "shop-copy";
        return [...o, copy];
      },
      /Ingress main\/shop-copy: routes shop.example.com \/ on an entry point that Ingress main\/web-domains already routes/,
    ],
    [
      "an Ingress host that is not a DNS name",
      (o) => {
        find(o, "Ingress", "web")["spec"].rules[0].host = "web_app.example.com";
        return undefined;
      },
      /rule host 'web_app.example.com' is not a valid DNS name/,
    ],
    [
      "a cluster-scoped object with a namespace",
      (o) => {
        find(o, "ClusterIssuer", "skipper-letsencrypt")["metadata"].namespace = "main";
        return undefined;
      },
      /is cluster-scoped but has a namespace/,
    ],
  ];

  for (const [title, breakIt, pattern] of cases) {
    it(`catches ${title}`, () => expectProblem(breakIt, pattern));
  }
});
