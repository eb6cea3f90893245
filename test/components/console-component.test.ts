/**
 * `Console` under the mock runtime, on a cluster of its own (the stack wiring is in console-stack.test.ts): what it
 * creates and where (the cluster's provider, parents, deleted with the install, admission policy first, namespace
 * first), and how the two generated secrets travel (secret inputs, never in a manifest or the pod spec in plain text).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { remote } from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Console, packConsole } from "../../components/console.ts";
import { signingKeyPem } from "../../core/ed25519-key.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateProgram,
  isSecretValue,
  outputValue,
  type RecordedResource,
  revealSecrets,
} from "../support/pulumi-mocks.ts";
import { renderAll } from "../support/render-all.ts";

/** A stand-in entry (the console-api is engineer C's console-api/main.ts; its size is measured in console-bundle). */
const ARCHIVE = packConsole({ entry: "test/components/fixtures/console-entry.ts", webDir: false });

interface Built {
  urls: readonly string[];
  adminPassword: pulumi.Output<string>;
}

let ev: Evaluated<Built>;
let consoleUrn: string;

before(async () => {
  ev = await evaluateProgram(() => {
    const install = new remote.Command("install", { connection: { host: "203.0.113.10" }, create: "true" });
    const provider = new k8s.Provider("cluster-k8s", { kubeconfig: "fake", clusterIdentifier: "skipper-test" });
    const c = new Console("console", {
      cluster: { provider, installStep: install },
      archive: ARCHIVE,
      clusterId: "203-0-113-10",
      gatewayDomain: "skipper.run",
      gatewayHost: "console-203-0-113-10.skipper.run",
      domain: "console.example.com",
      adminEmail: "ops@example.com",
      credentials: [{ namespace: "main", name: "db-credentials" }],
    });
    return { urls: c.urls, adminPassword: c.adminPassword };
  });
  consoleUrn = ev.get("skipper:console:Console", "console").urn;
});

const isK8sObject = (r: RecordedResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");
const k8sObjects = () => ev.resources.filter(isK8sObject);
const manifest = (r: RecordedResource) => revealSecrets(r.inputs) as K8sObject;
const named = (kind: string, name: string) => {
  const r = k8sObjects().find((x) => x.type.endsWith(`:${kind}`) && manifest(x).metadata.name === name);
  assert.ok(r, `no ${kind} ${name}`);
  return r;
};

describe("Console component", () => {
  it("creates every object under itself, through the cluster's provider, deleted with the k3s install", () => {
    const provider = ev.get("pulumi:providers:kubernetes", "cluster-k8s");
    const install = ev.get("command:remote:Command", "install");
    const objects = k8sObjects();
    assert.deepEqual(
      objects.map((r) => manifest(r).kind).sort(),
      [
        "ClusterRole",
        "ClusterRoleBinding",
        ...Array(2).fill("ConfigMap"),
        "Deployment",
        ...Array(3).fill("Ingress"),
        ...Array(2).fill("Middleware"),
        "Namespace",
        "NetworkPolicy",
        ...Array(2).fill("Role"),
        ...Array(2).fill("RoleBinding"),
        ...Array(2).fill("Secret"),
        "Service",
        "ServiceAccount",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
      ].sort(),
    );
    for (const r of objects) {
      assert.equal(r.parent, consoleUrn, `${r.name} parent`);
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} on the cluster's provider`);
      assert.equal(r.options.deletedWith, install.urn, `${r.name} deletedWith`);
    }
    const ns = named("Namespace", "skipper-console");
    for (const r of objects) {
      if (manifest(r).metadata.namespace === "skipper-console") {
        assert.ok(r.dependsOn.includes(ns.urn), `${r.name} waits for the namespace`);
      }
    }
    const deployment = named("Deployment", "console-api");
    for (const kind of ["ConfigMap", "Secret", "ServiceAccount"]) {
      for (const r of objects.filter((x) => x.type.endsWith(`:${kind}`))) {
        assert.ok(deployment.dependsOn.includes(r.urn), `the Deployment waits for ${kind} ${r.name}`);
      }
    }
    assert.deepEqual(validateObjects([...renderAll(validateStack(EXAMPLE_SPEC)), ...objects.map(manifest)]), []);
  });

  it("creates its admission policy and binding before every other object, the RBAC and the Deployment included", () => {
    const policy = named("ValidatingAdmissionPolicy", "skipper-console-api-writes");
    const binding = named("ValidatingAdmissionPolicyBinding", "skipper-console-api-writes");
    assert.equal((manifest(binding)["spec"] as { policyName: string }).policyName, "skipper-console-api-writes");
    assert.ok(binding.dependsOn.includes(policy.urn), "the binding waits for its policy");
    assert.ok(!policy.dependsOn.includes(binding.urn));
    const others = k8sObjects().filter((r) => r !== policy && r !== binding);
    assert.ok(others.length > 10);
    for (const r of others) assert.ok(r.dependsOn.includes(binding.urn), `${r.name} waits for the policy binding`);
    const order = ev.resources.map((r) => r.urn);
    assert.ok(order.indexOf(binding.urn) < order.indexOf(named("Deployment", "console-api").urn), "registered first");
    for (const kind of ["Deployment", "ClusterRoleBinding", "RoleBinding", "Namespace"]) {
      assert.ok(
        others.some((r) => r.type.endsWith(`:${kind}`)),
        `${kind} is among them`,
      );
    }
    // Created through the typed admissionregistration/v1 classes, on the cluster's provider.
    assert.equal(policy.type, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
    assert.equal(binding.type, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding");
  });

  it("generates the admin password and the signing key as secrets, and they reach only the Secrets", async () => {
    const passwords = ev.ofType("random:index/randomPassword:RandomPassword");
    assert.deepEqual(passwords.map((p) => p.name).sort(), ["console-admin-password", "console-signing-key"]);
    for (const p of passwords) assert.equal(p.parent, consoleUrn);
    assert.equal(ev.inputs(ev.get("random:index/randomPassword:RandomPassword", "console-signing-key"))["length"], 64);

    const adminSecret = named("Secret", "console-api-admin");
    const keySecret = named("Secret", "console-api-signing-key");
    for (const s of [adminSecret, keySecret]) assert.ok(isSecretValue(s.inputs["stringData"]), `${s.name} is secret`);
    assert.deepEqual(manifest(adminSecret)["stringData"], { password: "mock-password-console-admin-password" });
    assert.deepEqual(manifest(keySecret)["stringData"], {
      "signing-key.pem": signingKeyPem("mock-password-console-signing-key"),
    });

    const built = ev.result;
    assert.ok(await pulumi.isSecret(built.adminPassword));
    assert.equal(await outputValue(built.adminPassword), "mock-password-console-admin-password");
    const plain = k8sObjects()
      .filter((r) => !r.type.endsWith(":Secret"))
      .map((r) => JSON.stringify(manifest(r)))
      .join("\n");
    assert.ok(!plain.includes("mock-password-console-admin-password"), "password only in its Secret");
    assert.ok(!plain.includes("BEGIN PRIVATE KEY"), "key only in its Secret");
  });

  it("routes the gateway host and the custom domain, and says so in its URLs", () => {
    assert.deepEqual(ev.result.urls, ["https://console-203-0-113-10.skipper.run", "https://console.example.com"]);
    const hosts = k8sObjects()
      .filter((r) => r.type.endsWith(":Ingress"))
      .flatMap((r) => (manifest(r)["spec"] as { rules: { host: string }[] }).rules.map((x) => x.host))
      .sort();
    assert.deepEqual(hosts, ["console-203-0-113-10.skipper.run", "console.example.com", "console.example.com"]);
  });

  it("refuses a bad argument before registering anything", async () => {
    await assert.rejects(
      evaluateProgram(() => {
        const provider = new k8s.Provider("p", { kubeconfig: "fake" });
        return new Console("c", {
          cluster: { provider },
          archive: ARCHIVE,
          clusterId: "x",
          adminEmail: "a@b.c",
          port: 80,
        });
      }),
      /unprivileged port/,
    );
  });
});
