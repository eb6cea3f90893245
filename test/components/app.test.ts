/**
 * App and Service used directly (the power-user path of DESIGN.md §2): any Kubernetes provider, options forwarded to
 * every object, secret env given in code (the Service's own lifecycle is test/components/service.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { App } from "../../components/app.ts";
import { Service } from "../../components/service.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { evaluateProgram, isSecretValue } from "../support/pulumi-mocks.ts";

const stack = validateStack({
  cluster: { hosts: [{ address: "203.0.113.10" }], k3s: { version: "v1.31.4+k3s1" } },
  domain: { gateway: "skipper.run" },
  services: { db: { engine: "postgres", deleteDataOnDestroy: true } },
  apps: { api: { image: "ghcr.io/acme/api:2.0.0", port: 8080, bind: ["db"], secretEnv: ["API_KEY"] } },
});

describe("App and Service as components", () => {
  it("create every object through the given provider, with the component's dependsOn and no deletedWith", async () => {
    const run = await evaluateProgram(() => {
      const provider = new k8s.Provider("mine", { kubeconfig: "~/.kube/config" });
      const gate = new random.RandomId("gate", { byteLength: 2 });
      const [app] = stack.apps;
      const [svc] = stack.services;
      if (!app || !svc) throw new Error("fixture");
      new Service("db", { service: svc, cluster: { provider } }, { dependsOn: [gate] });
      const api = new App(
        "api",
        { app, stack, cluster: { provider }, secretEnv: { API_KEY: "k-123" } },
        { dependsOn: [gate] },
      );
      return { urls: api.urls };
    });
    const provider = run.get("pulumi:providers:kubernetes", "mine");
    const gate = run.get("random:index/randomId:RandomId", "gate");
    const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    assert.ok(objects.length >= 5);
    for (const r of objects) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), r.urn);
      assert.equal(r.options.deletedWith, undefined, `${r.urn} has no install step to be deleted with`);
      assert.ok(r.dependsOn.includes(gate.urn), `${r.urn} inherits the component's dependsOn`);
    }
    const env = run.get("kubernetes:core/v1:Secret", "main/api-env");
    assert.ok(
      isSecretValue(env.inputs["stringData"]),
      "secret env given as a plain string is still stored as a secret",
    );
    assert.deepEqual(run.inputs(env)["stringData"], { API_KEY: "k-123" });
    const deployment = run.get("kubernetes:apps/v1:Deployment", "main/api");
    assert.ok(deployment.dependsOn.includes(env.urn), "the Deployment waits for its Secret");
    assert.deepEqual(run.result.urls, ["https://api-203-0-113-10.skipper.run"]);
  });
});
