/**
 * stacks/skipper.ts under the mock runtime, loaded the way Pulumi's Node host loads it: the resource tree, the
 * provider every Kubernetes object goes through, secrets, retention, deletedWith and the order of the host steps.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { StackOutputs } from "../../components/define-stack.ts";
import { deriveServicePassword } from "../../core/render/service.ts";
import {
  type Evaluated,
  evaluateStackFile,
  isSecretValue,
  outputValue,
  type RecordedResource,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const CMD = "command:remote:Command";
const HOST = "skipper:cluster:K3sHost";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

let stack: Evaluated<StackOutputs>;
const k8sObjects = (): RecordedResource[] =>
  stack.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
const ofKind = (kind: string): RecordedResource[] => k8sObjects().filter((r) => stack.inputs(r)["kind"] === kind);
/** The k3s bootstrap steps (children of a K3sHost), not the gateway registration's commands. */
const hostSteps = (): RecordedResource[] => stack.ofType(CMD).filter((c) => stack.byUrn(c.parent)?.type === HOST);

before(async () => {
  stack = await evaluateStackFile<StackOutputs>("stacks/skipper.ts", {
    config: { "skipper:sshPrivateKey": TEST_SSH_KEY },
  });
});

describe("stacks/skipper.ts under mocks", () => {
  it("declares the components of the example: one cluster on one host, one project, two services, two apps", () => {
    assert.equal(stack.ofType("skipper:cluster:K3sCluster").length, 1);
    assert.equal(stack.ofType(HOST).length, 1);
    assert.equal(stack.ofType(K8S_PROVIDER).length, 1);
    assert.deepEqual(
      stack.ofType("skipper:apps:Project").map((r) => r.name),
      ["main"],
    );
    assert.deepEqual(
      stack
        .ofType("skipper:apps:Service")
        .map((r) => r.name)
        .sort(),
      ["cache", "db"],
    );
    assert.deepEqual(
      stack
        .ofType("skipper:apps:App")
        .map((r) => r.name)
        .sort(),
      ["web", "worker"],
    );
    // Cluster token, the services' credentials key, and the console's admin password and signing-key seed.
    assert.equal(stack.ofType("random:index/randomPassword:RandomPassword").length, 4);
    assert.equal(stack.ofType("skipper:console:Console").length, 1);
  });

  it("creates one Deployment per app, a StatefulSet per service, and routes only for the app with a port", () => {
    assert.deepEqual(
      ofKind("Deployment")
        .map((r) => stack.inputs(r)["metadata"])
        .map((m) => (m as { name: string }).name)
        .sort(),
      ["console-api", "web", "worker"],
    );
    assert.equal(ofKind("StatefulSet").length, 2);
    // The project's namespace, the gateway heartbeat's and the console's.
    assert.deepEqual(
      ofKind("Namespace")
        .map((r) => (stack.inputs(r)["metadata"] as { name: string }).name)
        .sort(),
      ["main", "skipper-console", "skipper-registration"],
    );
    const ingressParents = new Set(ofKind("Ingress").map((r) => stack.byUrn(r.parent)?.name));
    assert.deepEqual([...ingressParents].sort(), ["console", "web"]);
    const serviceParents = new Set(ofKind("Service").map((r) => stack.byUrn(r.parent)?.name));
    assert.ok(!serviceParents.has("worker"), "the worker has no port, so no Service");
  });

  it("runs the host steps of the first server in order, each waiting for the previous one", () => {
    const steps = hostSteps();
    const host = stack.ofType(HOST)[0] as RecordedResource;
    const names = ["preflight", "manifests", "install", "wait-ready", "wait-addons", "read-kubeconfig"].map(
      (s) => `${host.name}-${s}`,
    );
    assert.deepEqual(steps.map((s) => s.name).sort(), [...names].sort());
    for (let i = 1; i < names.length; i++) {
      const step = stack.get(CMD, names[i] as string);
      const previous = stack.get(CMD, names[i - 1] as string);
      assert.ok(step.dependsOn.includes(previous.urn), `${step.name} must depend on ${previous.name}`);
    }
    for (const s of steps) assert.equal(s.parent, host.urn);
  });

  it("registers the cluster with the gateway from its first server once k3s is up", () => {
    const register = stack.get(CMD, "gateway-registration-register");
    const lastStep = stack.get(CMD, `${stack.ofType(HOST)[0]?.name}-read-kubeconfig`);
    assert.ok(register.dependsOn.includes(lastStep.urn), "registration waits for the first server's last step");
    assert.equal(stack.byUrn(register.parent)?.type, "skipper:gateway:GatewayRegistration");
    assert.equal(stack.result.gatewayClusterId, "203-0-113-10");
  });

  it("keeps the SSH key and the cluster token out of every command string", () => {
    const token = stack.inputs(stack.get("random:index/randomPassword:RandomPassword", "cluster-token"));
    assert.equal(token["length"], 48);
    for (const s of hostSteps()) {
      assert.equal(typeof s.inputs["create"], "string", `${s.name} has a plain create string`);
      const create = s.inputs["create"] as string;
      assert.ok(!create.includes("TEST-KEY-7f3a9c"), `${s.name} create holds the SSH key`);
      assert.ok(!create.includes("mock-password-cluster-token"), `${s.name} create holds the token`);
      assert.ok(isSecretValue(s.inputs["connection"]), `${s.name} connection is a secret`);
    }
    const install = stack.get(CMD, `${stack.ofType(HOST)[0]?.name}-install`);
    assert.ok(isSecretValue(install.inputs["stdin"]), "the token goes in on stdin, as a secret");
    assert.equal(stack.inputs(install)["stdin"], "mock-password-cluster-token");
    assert.equal(install.inputs["logging"], "none");
  });

  it("reaches the host with the configured key, bounded dial settings and no host key when none is given", () => {
    const conn = stack.inputs(hostSteps()[0] as RecordedResource)["connection"] as Record<string, unknown>;
    assert.equal(conn["host"], "203.0.113.10");
    assert.equal(conn["user"], "root");
    assert.equal(conn["port"], 22);
    assert.equal(conn["privateKey"], TEST_SSH_KEY);
    assert.equal(conn["dialErrorLimit"], 4);
    assert.equal(conn["perDialTimeout"], 10);
    assert.equal(conn["hostKey"], undefined);
  });

  it("reads the kubeconfig as a secret that is never logged, and rewrites it to the host", async () => {
    const read = stack.get(CMD, `${stack.ofType(HOST)[0]?.name}-read-kubeconfig`);
    assert.deepEqual(read.options.additionalSecretOutputs?.includes("stdout"), true);
    assert.equal(read.inputs["logging"], "none");
    assert.ok(await pulumi.isSecret(stack.result.kubeconfig));
    const kubeconfig = await outputValue(stack.result.kubeconfig);
    assert.match(kubeconfig, /server: https:\/\/203\.0\.113\.10:6443/);
    assert.match(kubeconfig, /current-context: skipper-203-0-113-10/);
  });

  it("gives the Kubernetes provider the kubeconfig as a secret and a stable cluster identifier", () => {
    const provider = stack.ofType(K8S_PROVIDER)[0] as RecordedResource;
    assert.ok(isSecretValue(provider.inputs["kubeconfig"]));
    assert.equal(provider.inputs["clusterIdentifier"], "skipper-203-0-113-10");
    assert.equal(provider.inputs["enableServerSideApply"], "true");
    assert.equal(stack.byUrn(provider.parent)?.type, "skipper:cluster:K3sCluster");
  });

  it("creates every Kubernetes object through the cluster's provider, deleted with the k3s install", () => {
    const provider = stack.ofType(K8S_PROVIDER)[0] as RecordedResource;
    const install = stack.get(CMD, `${stack.ofType(HOST)[0]?.name}-install`);
    assert.ok(k8sObjects().length >= 10);
    for (const r of k8sObjects()) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.urn} uses ${r.provider || "the default provider"}`);
      assert.equal(r.options.deletedWith, install.urn, `${r.urn} deletedWith`);
    }
  });

  it("parents every object to its component, and every component to the stack", () => {
    const root = stack.ofType("pulumi:pulumi:Stack")[0] as RecordedResource;
    for (const type of [
      "skipper:cluster:K3sCluster",
      "skipper:apps:Project",
      "skipper:apps:Service",
      "skipper:apps:App",
      "skipper:gateway:GatewayRegistration",
      "skipper:console:Console",
    ]) {
      for (const c of stack.ofType(type)) assert.equal(c.parent, root.urn, `${c.urn} parent`);
    }
    for (const r of k8sObjects()) {
      const parent = stack.byUrn(r.parent);
      assert.ok(
        parent &&
          /^skipper:(apps:(App|Service|Project)|gateway:GatewayRegistration|console:Console)$/.test(parent.type),
        `${r.urn} parent ${parent?.type}`,
      );
      const ns = (stack.inputs(r)["metadata"] as { namespace?: string }).namespace;
      if (/^skipper:apps:(App|Service)$/.test(parent?.type ?? "")) assert.equal(ns, "main");
    }
  });

  it("builds URNs as the engine does: every parent type in the chain, the root stack left out", () => {
    const install = stack.get(CMD, `${stack.ofType(HOST)[0]?.name}-install`);
    assert.equal(
      install.urn,
      "urn:pulumi:test::skipper::skipper:cluster:K3sCluster$skipper:cluster:K3sHost$command:remote:Command::cluster-203-0-113-10-install",
    );
    assert.equal(stack.get("skipper:apps:App", "web").urn, "urn:pulumi:test::skipper::skipper:apps:App::web");
  });

  it("keeps service data on destroy: StatefulSets deleted (no engine left running), claims retained by policy", () => {
    for (const r of ofKind("StatefulSet")) {
      assert.equal(r.options.retainOnDelete, undefined, `${r.urn} retainOnDelete`);
      const spec = stack.inputs(r)["spec"] as Record<string, Record<string, string>>;
      assert.equal(spec["persistentVolumeClaimRetentionPolicy"]?.["whenDeleted"], "Retain");
    }
    for (const r of ofKind("Deployment")) assert.equal(r.options.retainOnDelete, undefined);
  });

  it("keeps service credentials secret: passwords derived from the stack's generated key, Secret data secret", () => {
    const key = stack.inputs(stack.get("random:index/randomPassword:RandomPassword", "service-credentials-key"));
    assert.equal(key["length"], 64);
    assert.equal(key["special"], false);
    for (const name of ["db", "cache"]) {
      const secret = ofKind("Secret").find((r) => r.name === `main/${name}-credentials`) as RecordedResource;
      assert.ok(isSecretValue(secret.inputs["stringData"]), `${name}-credentials stringData is secret`);
      const data = stack.inputs(secret)["stringData"] as Record<string, string>;
      const expected = deriveServicePassword("mock-password-service-credentials-key", { namespace: "main", name });
      assert.equal(data["PASSWORD"], expected);
    }
  });

  it("makes apps wait for their namespace and the services they bind", () => {
    const web = ofKind("Deployment").find((r) => r.name === "main/web") as RecordedResource;
    const dbSet = ofKind("StatefulSet").find((r) => r.name === "main/db") as RecordedResource;
    const ns = ofKind("Namespace")[0] as RecordedResource;
    assert.ok(web.dependsOn.includes(dbSet.urn), "web waits for the db StatefulSet");
    assert.ok(web.dependsOn.includes(ns.urn), "web waits for its namespace");
    const cacheSet = ofKind("StatefulSet").find((r) => r.name === "main/cache") as RecordedResource;
    assert.ok(!web.dependsOn.includes(cacheSet.urn), "web does not bind cache");
  });

  it("outputs each app's URLs, the console URL, the cluster id and its public address", async () => {
    assert.equal(stack.result.clusterId, "203-0-113-10");
    assert.equal(await outputValue(stack.result.publicAddress), "203.0.113.10", "no load balancer: the server");
    assert.deepEqual(stack.result.apps, {
      web: ["https://web-203-0-113-10.skipper.run", "https://www.example.com"],
      worker: [],
    });
    assert.equal(stack.result.consoleUrl, "https://console-203-0-113-10.skipper.run");
  });
});
