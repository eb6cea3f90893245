import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { LABEL_MANAGED_BY } from "../../core/labels.ts";
import { ACME_PRODUCTION, ACME_STAGING, CERT_MANAGER_CHART_VERSION, renderAddons } from "../../core/render/addons.ts";
import { CLUSTER_ISSUER, INGRESS_CLASS } from "../../core/render/app.ts";
import { renderNamespace } from "../../core/render/namespace.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

type Rec = Record<string, any>;
const stack = validateStack(EXAMPLE_SPEC);
const byKind = (objects: readonly Rec[], kind: string): Rec => objects.find((o) => o["kind"] === kind)!;

describe("renderAddons", () => {
  const objects = renderAddons(stack) as Rec[];

  it("renders the Traefik HelmChartConfig, the cert-manager HelmChart and the ClusterIssuer", () => {
    assert.deepEqual(
      objects.map((o) => `${o["apiVersion"]}/${o["kind"]}/${o["metadata"].name}`),
      [
        "helm.cattle.io/v1/HelmChartConfig/traefik",
        "helm.cattle.io/v1/HelmChart/cert-manager",
        "cert-manager.io/v1/ClusterIssuer/skipper-letsencrypt",
      ],
    );
    for (const o of objects) assert.equal(o["metadata"].labels[LABEL_MANAGED_BY], "skipper");
  });

  it("configures k3s's Traefik: access logs on and no global HTTP→HTTPS redirect (gateway traffic is plain HTTP)", () => {
    const config = byKind(objects, "HelmChartConfig");
    assert.equal(config["metadata"].namespace, "kube-system", "k3s only reads HelmChartConfigs from kube-system");
    const values = parse(config["spec"].valuesContent);
    assert.equal(values.logs.access.enabled, true);
    assert.equal(values.ports?.web?.redirectTo, undefined);
    assert.equal(values.ports?.web?.redirections, undefined);
    assert.equal(values.ports?.web?.forwardedHeaders, undefined, "no forwarded headers trusted by default");
  });

  it("trusts X-Forwarded-* only from the configured proxies", () => {
    const config = byKind(
      renderAddons(stack, { trustedProxies: ["198.51.100.7/32", "10.0.0.0/8"] }) as Rec[],
      "HelmChartConfig",
    );
    const values = parse(config["spec"].valuesContent);
    assert.deepEqual(values.ports.web.forwardedHeaders.trustedIPs, ["10.0.0.0/8", "198.51.100.7/32"]);
    assert.deepEqual(values.ports.websecure.forwardedHeaders.trustedIPs, ["10.0.0.0/8", "198.51.100.7/32"]);
  });

  it("reads the PROXY protocol only from the given load balancer, and keeps its address through kube-proxy", () => {
    const config = byKind(
      renderAddons(stack, { trustedProxies: ["198.51.100.7"], proxyProtocolFrom: ["10.0.1.5", "10.0.1.5"] }) as Rec[],
      "HelmChartConfig",
    );
    const text: string = config["spec"].valuesContent;
    assert.doesNotMatch(text, /[&*]a\d/, "no YAML anchors or aliases: each entry point is written out");
    const values = parse(text);
    for (const entryPoint of ["web", "websecure"]) {
      assert.deepEqual(values.ports[entryPoint].proxyProtocol, { trustedIPs: ["10.0.1.5"] });
      assert.deepEqual(values.ports[entryPoint].forwardedHeaders, { trustedIPs: ["198.51.100.7"] });
    }
    assert.equal(values.service.spec.externalTrafficPolicy, "Local");
    const plain = parse(
      byKind(renderAddons(stack, { trustedProxies: ["198.51.100.7"] }) as Rec[], "HelmChartConfig")["spec"]
        .valuesContent,
    );
    assert.equal(plain.ports.web.proxyProtocol, undefined, "no PROXY protocol without a load balancer that sends it");
    assert.equal(plain.service, undefined, "the default traffic policy without it");
  });

  it("installs a pinned cert-manager with its CRDs into its own namespace", () => {
    const chart = byKind(objects, "HelmChart");
    assert.equal(chart["metadata"].namespace, "kube-system");
    assert.equal(chart["spec"].repo, "https://charts.jetstack.io");
    assert.equal(chart["spec"].chart, "cert-manager");
    assert.match(chart["spec"].version, /^v\d+\.\d+\.\d+$/);
    assert.equal(chart["spec"].version, CERT_MANAGER_CHART_VERSION);
    assert.equal(chart["spec"].targetNamespace, "cert-manager");
    assert.equal(chart["spec"].createNamespace, true);
    assert.deepEqual(parse(chart["spec"].valuesContent), { crds: { enabled: true } });
  });

  it("issues from Let's Encrypt production by HTTP-01 through Traefik, with the stack's email", () => {
    const issuer = byKind(objects, "ClusterIssuer");
    assert.equal(issuer["metadata"].name, CLUSTER_ISSUER);
    assert.equal(issuer["metadata"].namespace, undefined, "cluster-scoped");
    assert.equal(issuer["spec"].acme.server, ACME_PRODUCTION);
    assert.equal(issuer["spec"].acme.email, "ops@example.com");
    assert.deepEqual(issuer["spec"].acme.solvers, [{ http01: { ingress: { ingressClassName: INGRESS_CLASS } } }]);
  });

  it("uses the staging directory, with its own account key, when acmeStaging is set", () => {
    const staging = validateStack({ ...EXAMPLE_SPEC, domain: { ...EXAMPLE_SPEC.domain, acmeStaging: true } });
    const issuer = byKind(renderAddons(staging) as Rec[], "ClusterIssuer");
    const prod = byKind(objects, "ClusterIssuer");
    assert.equal(issuer["spec"].acme.server, ACME_STAGING);
    assert.notEqual(issuer["spec"].acme.privateKeySecretRef.name, prod["spec"].acme.privateKeySecretRef.name);
  });

  it("is deterministic", () => {
    assert.equal(JSON.stringify(renderAddons(stack)), JSON.stringify(objects));
  });
});

describe("renderNamespace", () => {
  it("names the namespace after the project and labels it as Skipper's", () => {
    const ns = renderNamespace("shop") as Rec;
    assert.equal(ns["kind"], "Namespace");
    assert.equal(ns["metadata"].name, "shop");
    assert.equal(ns["metadata"].namespace, undefined);
    assert.equal(ns["metadata"].labels["app.kubernetes.io/managed-by"], "skipper");
    assert.equal(ns["metadata"].labels["skipper.dev/project"], "shop");
    assert.equal(
      ns["metadata"].labels["pod-security.kubernetes.io/enforce"],
      undefined,
      "arbitrary images are not refused",
    );
    const keys = Object.keys(ns["metadata"].labels);
    assert.deepEqual(keys, [...keys].sort());
  });
});
