/**
 * stacks/multi-host.ts under mocks: the first server initialises the cluster, the second server and the agent join
 * after it; pinned host keys and per-host users and ports reach the connections; app secret env comes from config.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { StackOutputs } from "../../components/define-stack.ts";
import {
  type Evaluated,
  evaluateStackFile,
  isSecretValue,
  type RecordedResource,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const CMD = "command:remote:Command";
const STRIPE = "sk_test_multi_host_3c1d";
let stack: Evaluated<StackOutputs>;

const stepsOf = (host: RecordedResource): string[] =>
  stack
    .childrenOf(host.urn)
    .filter((r) => r.type === CMD)
    .map((r) => r.name.slice(host.name.length + 1));

before(async () => {
  stack = await evaluateStackFile<StackOutputs>("stacks/multi-host.ts", {
    config: { "skipper:sshPrivateKey": TEST_SSH_KEY, "skipper:secret.storefront.STRIPE_KEY": STRIPE },
  });
});

describe("stacks/multi-host.ts under mocks", () => {
  it("plans each host by its role: servers get add-ons and a readiness wait, only the first reads the kubeconfig", () => {
    const hosts = stack.ofType("skipper:cluster:K3sHost");
    assert.equal(hosts.length, 3);
    const [first, second, agent] = ["198-51-100-10", "198-51-100-11", "198-51-100-20"].map((n) =>
      stack.get("skipper:cluster:K3sHost", `cluster-${n}`),
    ) as [RecordedResource, RecordedResource, RecordedResource];
    assert.ok(stepsOf(first).includes("read-kubeconfig"));
    assert.ok(!stepsOf(second).includes("read-kubeconfig"));
    assert.ok(stepsOf(second).includes("manifests") && stepsOf(second).includes("wait-ready"));
    assert.ok(!stepsOf(agent).includes("manifests"), "agents run no add-on step");
    for (const h of [first, second, agent]) assert.ok(stepsOf(h).includes("install"));
  });

  it("makes joining hosts wait until the first server is fully up", () => {
    const firstLast = stack.get(CMD, "cluster-198-51-100-10-read-kubeconfig");
    for (const n of ["198-51-100-11", "198-51-100-20"]) {
      const preflight = stack.get(CMD, `cluster-${n}-preflight`);
      assert.ok(preflight.dependsOn.includes(firstLast.urn), `${n} starts after the first server`);
    }
    const firstPreflight = stack.get(CMD, "cluster-198-51-100-10-preflight");
    assert.deepEqual(
      firstPreflight.dependsOn.filter((d) => d.includes("command:remote")),
      [],
    );
  });

  it("gives every joining install the token on stdin, never in the command", () => {
    for (const n of ["198-51-100-10", "198-51-100-11", "198-51-100-20"]) {
      const install = stack.get(CMD, `cluster-${n}-install`);
      assert.ok(isSecretValue(install.inputs["stdin"]));
      assert.ok(!(install.inputs["create"] as string).includes("mock-password-cluster-token"));
    }
  });

  it("pins the host key where one is given and leaves it unset elsewhere", () => {
    const pinned = stack.inputs(stack.get(CMD, "cluster-198-51-100-10-preflight"))["connection"] as Record<
      string,
      unknown
    >;
    assert.match(String(pinned["hostKey"]), /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5/);
    const other = stack.inputs(stack.get(CMD, "cluster-198-51-100-11-preflight"))["connection"] as Record<
      string,
      unknown
    >;
    assert.equal(other["hostKey"], undefined);
  });

  it("uses each host's own user and port", () => {
    const conn = stack.inputs(stack.get(CMD, "cluster-198-51-100-20-install"))["connection"] as Record<string, unknown>;
    assert.equal(conn["user"], "deploy");
    assert.equal(conn["port"], 2222);
    assert.equal(conn["host"], "198.51.100.20");
  });

  it("puts secret env from config into the app's Secret, as a secret, and nowhere else", () => {
    const secrets = stack.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    const env = secrets.find((r) => r.name === "shop/storefront-env") as RecordedResource;
    assert.ok(env, `no storefront-env Secret among ${secrets.map((s) => s.name).join(", ")}`);
    assert.ok(isSecretValue(env.inputs["stringData"]));
    assert.equal((stack.inputs(env)["stringData"] as Record<string, string>)["STRIPE_KEY"], STRIPE);
    for (const r of stack.resources) {
      if (r === env) continue;
      const plain = JSON.stringify(r.inputs, (_k, v) => (isSecretValue(v) ? "<secret>" : v));
      assert.ok(!plain.includes(STRIPE), `${r.urn} carries the secret outside a secret`);
    }
  });

  it("lets a service opt in to deleting its data, and keeps the others'", () => {
    const sets = stack.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    assert.equal(sets.length, 4);
    for (const s of sets) {
      assert.equal(s.options.retainOnDelete, undefined, `${s.name}: the workload goes with the service`);
      const spec = stack.inputs(s)["spec"] as Record<string, Record<string, string>>;
      const whenDeleted = spec["persistentVolumeClaimRetentionPolicy"]?.["whenDeleted"];
      assert.equal(whenDeleted, s.name === "shop/legacy" ? "Delete" : "Retain", s.name);
    }
  });

  it("names the cluster and its URLs after the chosen cluster name", () => {
    assert.equal(stack.result.clusterId, "acme");
    assert.deepEqual(stack.result.apps["storefront"], [
      "https://storefront--acme.skipper.run",
      "https://shop.acme.example",
    ]);
    assert.deepEqual(stack.result.apps["admin"], []);
    assert.equal(stack.result.consoleUrl, undefined);
    const provider = stack.ofType("pulumi:providers:kubernetes")[0] as RecordedResource;
    assert.equal(provider.inputs["clusterIdentifier"], "skipper-acme");
  });
});
