/**
 * `Gateway` under the mock runtime: what it creates, where (provider routing, parents), with which options (data kept,
 * deleted with the cluster, namespace first) and how secrets travel (admin token, Cloudflare token).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { remote } from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Gateway, gatewayBundle } from "../../components/gateway.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { renderAddons } from "../../core/render/addons.ts";
import { CODE_HASH_ANNOTATION } from "../../core/render/code-bundle.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateProgram,
  isSecretValue,
  valueOf as outputValue,
  type RecordedResource,
  revealSecrets,
} from "../support/pulumi-mocks.ts";

const CF_TOKEN = "cf-token-7d1e-never-in-plain";
const ADMIN_MOCK = "mock-password-gateway-admin-token";
/** The real gateway bundle: the component builds it itself when no bundle is passed (cached per process). */
const BUNDLE = gatewayBundle();

interface Built {
  url: string;
  adminToken: pulumi.Output<string>;
}

let ev: Evaluated<Built>;
let gateway: Gateway;
let gw: RecordedResource;

before(async () => {
  ev = await evaluateProgram(() => {
    const install = new remote.Command("install", { connection: { host: "203.0.113.5" }, create: "true" });
    const provider = new k8s.Provider("edge-k8s", { kubeconfig: "fake", clusterIdentifier: "skipper-edge" });
    gateway = new Gateway("gateway", {
      baseDomain: "skipper.run",
      cloudflareZoneId: "zone-0123",
      cloudflareApiToken: CF_TOKEN,
      cluster: { provider, installStep: install },
      publicIp: "203.0.113.5",
      acmeEmail: "ops@example.com",
    });
    return { url: gateway.url, adminToken: gateway.adminToken };
  });
  gw = ev.get("skipper:gateway:Gateway", "gateway");
});

const isK8sObject = (r: RecordedResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");

/** The recorded Kubernetes objects as plain manifests (secrets revealed: for assertions only). */
function manifests(): K8sObject[] {
  return ev.resources.filter(isK8sObject).map((r) => revealSecrets(r.inputs) as K8sObject);
}

function k8sNamed(kind: string, name: string): RecordedResource {
  const r = ev.resources.find(
    (x) => isK8sObject(x) && (x.inputs["metadata"] as { name: string }).name === name && x.type.endsWith(`:${kind}`),
  );
  assert.ok(r, `no ${kind}/${name}`);
  return r;
}

describe("Gateway component", () => {
  it("creates the gateway's objects, the admin token and two DNS records under itself", () => {
    const kinds = ev.resources
      .filter(isK8sObject)
      .map((r) => r.type)
      .sort();
    assert.deepEqual(kinds, [
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:cert-manager.io/v1:Certificate",
      "kubernetes:cert-manager.io/v1:Issuer",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:PersistentVolumeClaim",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:networking.k8s.io/v1:Ingress",
      "kubernetes:networking.k8s.io/v1:Ingress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:traefik.io/v1alpha1:Middleware",
    ]);
    for (const r of ev.resources.filter(isK8sObject)) assert.equal(r.parent, gw.urn, `${r.name} parent`);
    const password = ev.get("random:index/randomPassword:RandomPassword", "gateway-admin-token");
    assert.equal(password.parent, gw.urn);
    const dns = ev.get("skipper:dns:DnsRecords", "gateway-dns");
    assert.equal(dns.parent, gw.urn);
    const records = ev.ofType("cloudflare:index/dnsRecord:DnsRecord");
    assert.equal(records.length, 2);
    for (const r of records) assert.equal(r.parent, dns.urn);
  });

  it("routes every Kubernetes object through the given provider and deletes it with the cluster", () => {
    const install = ev.get("command:remote:Command", "install");
    const provider = ev.get("pulumi:providers:kubernetes", "edge-k8s");
    const objects = ev.resources.filter(isK8sObject);
    assert.ok(objects.length > 10);
    for (const r of objects) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} on ${r.provider}`);
      assert.equal(r.options.deletedWith, install.urn, `${r.name} deletedWith`);
    }
  });

  it("writes A records for the base and the wildcard on Cloudflare, DNS-only with automatic TTL", async () => {
    const cf = ev.get("pulumi:providers:cloudflare", "gateway-cloudflare");
    assert.equal(cf.parent, gw.urn);
    assert.ok(isSecretValue(cf.inputs["apiToken"]), "the provider's API token is a secret input");
    const records = ev.ofType("cloudflare:index/dnsRecord:DnsRecord").map((r) => {
      assert.ok(r.provider.startsWith(`${cf.urn}::`), `${r.name} on the Cloudflare provider`);
      return ev.inputs(r);
    });
    const byName = Object.fromEntries(records.map((r) => [r["name"], r]));
    for (const name of ["skipper.run", "*.skipper.run"]) {
      const r = byName[name];
      assert.ok(r, `record ${name}`);
      assert.equal(r["type"], "A");
      assert.equal(r["content"], "203.0.113.5");
      assert.equal(r["ttl"], 1);
      assert.equal(r["proxied"], false);
      assert.equal(r["zoneId"], "zone-0123");
    }
  });

  it("keeps the registry volume and its namespace on destroy, and nothing else", () => {
    const retained = ev.resources
      .filter((r) => r.options.retainOnDelete)
      .map((r) => r.type)
      .sort();
    assert.deepEqual(retained, ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:PersistentVolumeClaim"]);
    const sts = ev.inputs(k8sNamed("StatefulSet", "gateway")) as {
      spec: { template: { spec: { volumes: unknown[] } } };
    };
    assert.ok(
      JSON.stringify(sts.spec.template.spec.volumes).includes('"claimName":"gateway-data"'),
      "the pod mounts the retained claim",
    );
  });

  it("creates the namespace before everything in it", () => {
    const ns = k8sNamed("Namespace", "skipper-gateway");
    for (const r of ev.resources.filter(isK8sObject)) {
      const meta = r.inputs["metadata"] as { namespace?: string };
      if (meta.namespace === "skipper-gateway")
        assert.ok(r.dependsOn.includes(ns.urn), `${r.name} waits for the namespace`);
    }
    const sts = k8sNamed("StatefulSet", "gateway");
    for (const name of ["gateway-admin", "gateway-code"]) {
      const dep = ev.resources.find((r) => isK8sObject(r) && (r.inputs["metadata"] as { name: string }).name === name)!;
      assert.ok(sts.dependsOn.includes(dep.urn), `the StatefulSet waits for ${name}`);
    }
    assert.ok(sts.options.customTimeouts?.create, "the StatefulSet has a bounded wait");
  });

  it("keeps the admin and Cloudflare tokens secret, and out of every other resource", async () => {
    assert.equal(await pulumi.isSecret(gateway.adminToken), true);
    assert.equal(await outputValue(gateway.adminToken), ADMIN_MOCK);
    const admin = k8sNamed("Secret", "gateway-admin");
    const cloudflare = k8sNamed("Secret", "gateway-cloudflare");
    // The Secret's whole stringData travels as one secret value.
    assert.ok(isSecretValue(admin.inputs["stringData"]), "admin token Secret data is secret");
    assert.ok(isSecretValue(cloudflare.inputs["stringData"]), "Cloudflare token Secret data is secret");
    assert.deepEqual(ev.inputs(admin)["stringData"], { "admin-token": ADMIN_MOCK });
    assert.deepEqual(ev.inputs(cloudflare)["stringData"], { "api-token": CF_TOKEN });
    assert.equal((ev.inputs(cloudflare)["metadata"] as { namespace: string }).namespace, "skipper-gateway");
    const holders = new Set([
      admin.urn,
      cloudflare.urn,
      ev.get("pulumi:providers:cloudflare", "gateway-cloudflare").urn,
    ]);
    for (const r of ev.resources) {
      const text = JSON.stringify(revealSecrets(r.inputs));
      if (holders.has(r.urn) || r.type === "random:index/randomPassword:RandomPassword") continue;
      assert.ok(!text.includes(CF_TOKEN), `${r.type} ${r.name} holds the Cloudflare token`);
      assert.ok(!text.includes(ADMIN_MOCK), `${r.type} ${r.name} holds the admin token`);
    }
    const out = ev.runtime.stackOutputs();
    assert.ok(isSecretValue(out["adminToken"]), "the admin token is a secret stack output");
  });

  it("ships the bundle in the ConfigMap and rolls the pods on its hash", () => {
    const cm = ev.inputs(k8sNamed("ConfigMap", "gateway-code")) as { data: Record<string, string> };
    assert.equal(BUNDLE.fileName, "gateway.mjs");
    assert.equal(cm.data["gateway.mjs"], BUNDLE.code, "the ConfigMap carries the bundled gateway");
    const sts = ev.inputs(k8sNamed("StatefulSet", "gateway")) as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    assert.equal(sts.spec.template.metadata.annotations[CODE_HASH_ANNOTATION], BUNDLE.sha256);
    assert.equal(gateway.url, "https://skipper.run");
  });

  it("creates objects that pass the schema and cross-object validation beside the cluster add-ons", () => {
    const objs = manifests();
    assert.equal(objs.length, 15);
    assert.deepEqual(validateObjects([...renderAddons(validateStack(EXAMPLE_SPEC)), ...objs]), []);
  });

  it("refuses a public IP that is not an IPv4 address", () => {
    const provider = {} as k8s.Provider;
    assert.throws(
      () =>
        new Gateway("bad", {
          baseDomain: "skipper.run",
          cloudflareZoneId: "z",
          cloudflareApiToken: "t",
          cluster: { provider },
          publicIp: "gateway.example.com",
          bundle: BUNDLE,
        }),
      /publicIp must be the dotted IPv4 address/,
    );
  });
});
