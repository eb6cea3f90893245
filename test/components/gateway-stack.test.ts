/**
 * `stacks/gateway.ts` loaded the way Pulumi loads it, under the mock runtime: a k3s host plus the gateway on that
 * cluster's provider, DNS records pointing at the host, secrets as secret outputs, and every object valid beside the
 * add-ons k3s deploys. Missing settings fail with the command that sets them.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { K8sObject } from "../../core/k8s.ts";
import { renderAddons } from "../../core/render/addons.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateStackFile,
  isSecretValue,
  type RecordedResource,
  revealSecrets,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const STACK = "stacks/gateway.ts";
const CONFIG = {
  "skipper:gatewayHost": "198.51.100.50",
  "skipper:gatewayDomain": "gw.example.net",
  "skipper:cloudflareZoneId": "zone-abc",
  "skipper:cloudflareApiToken": "cf-token-for-the-stack-test",
  "skipper:sshPrivateKey": TEST_SSH_KEY,
};
const SECRET_KEYS = ["skipper:cloudflareApiToken", "skipper:sshPrivateKey"];

let ev: Evaluated;
before(async () => {
  ev = await evaluateStackFile(STACK, { config: CONFIG, secretKeys: SECRET_KEYS });
});

const isObject = (r: RecordedResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:");

describe("stacks/gateway.ts", () => {
  it("deploys the gateway into the stack's own k3s cluster, deleted with its install", () => {
    const cluster = ev.get("skipper:cluster:K3sCluster", "gateway-cluster");
    const gateway = ev.get("skipper:gateway:Gateway", "gateway");
    assert.equal(gateway.parent, cluster.parent, "the gateway sits beside the cluster at the top of the stack");
    const provider = ev.get("pulumi:providers:kubernetes", "gateway-cluster-k8s");
    const install = ev.ofType("command:remote:Command").find((r) => r.name.endsWith("-install"));
    assert.ok(install, "the k3s install step");
    const objects = ev.resources.filter(isObject);
    assert.equal(objects.length, 15);
    for (const r of objects) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} on the cluster's provider`);
      assert.equal(r.options.deletedWith, install.urn);
    }
  });

  it("points the base and the wildcard at the host, and validates beside the add-ons", () => {
    const names = ev.ofType("cloudflare:index/dnsRecord:DnsRecord").map((r) => {
      const i = ev.inputs(r);
      assert.equal(i["content"], "198.51.100.50");
      assert.equal(i["zoneId"], "zone-abc");
      return i["name"];
    });
    assert.deepEqual(names.sort(), ["*.gw.example.net", "gw.example.net"]);
    const stack = validateStack({
      cluster: { hosts: [{ address: "198.51.100.50" }], k3s: { version: "v1.31.4+k3s1" } },
    });
    const manifests = ev.resources.filter(isObject).map((r) => revealSecrets(r.inputs) as K8sObject);
    assert.deepEqual(validateObjects([...renderAddons(stack), ...manifests]), []);
  });

  it("has k3s's Traefik keep callers' source addresses (the gateway checks IP-derived ids against them)", () => {
    const manifests = ev.ofType("command:remote:Command").find((r) => r.name.endsWith("-manifests"));
    assert.ok(manifests, "the add-on manifests step");
    const text = JSON.stringify(ev.inputs(manifests));
    assert.match(text, /HelmChartConfig/);
    assert.match(text, /externalTrafficPolicy: Local/);
  });

  it("outputs the URL, and the admin token and kubeconfig as secrets", () => {
    const out = ev.runtime.stackOutputs();
    assert.equal(out["url"], "https://gw.example.net");
    assert.ok(isSecretValue(out["adminToken"]));
    assert.ok(isSecretValue(out["kubeconfig"]));
  });

  it("fails with the command to run when the Cloudflare token or zone is missing", async () => {
    const { "skipper:cloudflareApiToken": _token, ...noToken } = CONFIG;
    await assert.rejects(
      evaluateStackFile(STACK, { config: noToken, secretKeys: ["skipper:sshPrivateKey"] }),
      /skipper:cloudflareApiToken.*pulumi config set --secret skipper:cloudflareApiToken/,
    );
    const { "skipper:cloudflareZoneId": _zone, ...noZone } = CONFIG;
    await assert.rejects(
      evaluateStackFile(STACK, { config: noZone, secretKeys: SECRET_KEYS }),
      /missing config 'skipper:cloudflareZoneId'\. Set it with: pulumi config set skipper:cloudflareZoneId/,
    );
  });
});
