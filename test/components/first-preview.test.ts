/**
 * A first preview: nothing exists yet, so the kubeconfig (a command's stdout) is unknown. The stack must still
 * evaluate, and the Kubernetes provider must carry a known, stable clusterIdentifier, so the engine does not plan to
 * replace the provider (and every object in the cluster) because its kubeconfig is unknown.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { StackOutputs } from "../../components/define-stack.ts";
import { evaluateStackFile, isKnown, isSecretValue, isUnknownValue, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

describe("first preview of stacks/skipper.ts", () => {
  it("evaluates with an unknown kubeconfig and a known, stable cluster identifier", async () => {
    const stack = await evaluateStackFile<StackOutputs>("stacks/skipper.ts", {
      preview: true,
      config: { "skipper:sshPrivateKey": TEST_SSH_KEY },
    });
    assert.equal(pulumi.runtime.isDryRun(), true);
    assert.equal(await isKnown(stack.result.kubeconfig), false, "kubeconfig is unknown before k3s exists");
    const [provider] = stack.ofType("pulumi:providers:kubernetes");
    assert.ok(provider);
    assert.equal(provider.inputs["clusterIdentifier"], "skipper-203-0-113-10");
    const kubeconfig = provider.inputs["kubeconfig"];
    assert.ok(isSecretValue(kubeconfig), "the kubeconfig input stays a secret");
    assert.ok(isUnknownValue(kubeconfig.value), "and is unknown at the first preview");
    // Every object is still declared, through that provider.
    const objects = stack.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    assert.ok(objects.length >= 10);
    for (const r of objects) assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.urn} via ${r.provider}`);
    assert.deepEqual(stack.result.apps["web"], ["https://web-203-0-113-10.skipper.run", "https://www.example.com"]);
  });
});
