/**
 * defineStack wiring that the example stack does not exercise: the gateway's addresses reach Traefik's configuration
 * in the add-on manifests the first server writes, a stack without a gateway registers nowhere, and each service's
 * StatefulSet names the apps that bind it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { buildStack } from "../../components/define-stack.ts";
import { bareMetal } from "../../providers/bare-metal.ts";
import { evaluateProgram, evaluateStackFile, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

const config = { "skipper:sshPrivateKey": TEST_SSH_KEY };
const cluster = {
  provider: bareMetal({ hosts: [{ address: "203.0.113.20" }] }),
  k3s: { version: "v1.31.4+k3s1" },
};
const apps = { web: { image: "ghcr.io/acme/web:1.0.0", port: 8080 } };

describe("defineStack", () => {
  it("hands domain.trustedProxies to Traefik through the add-on manifests", async () => {
    const stack = await evaluateProgram(
      () => buildStack({ cluster, apps, domain: { gateway: "skipper.run", trustedProxies: ["198.51.100.7"] } }),
      { config },
    );
    const manifests = stack.get("command:remote:Command", "cluster-203-0-113-20-manifests");
    const docs = parseAllDocuments(String(manifests.inputs["stdin"])).map((d) => d.toJSON());
    const traefik = docs.find((d) => d.kind === "HelmChartConfig");
    assert.ok(traefik, "the manifests carry Traefik's HelmChartConfig");
    assert.match(traefik.spec.valuesContent, /trustedIPs:\n\s+- 198\.51\.100\.7/);
    assert.equal(stack.ofType("skipper:gateway:GatewayRegistration").length, 1);
  });

  it("registers with no gateway and trusts no forwarded headers when the stack names no gateway", async () => {
    const stack = await evaluateProgram(() => buildStack({ cluster, apps }), { config });
    assert.equal(stack.ofType("skipper:gateway:GatewayRegistration").length, 0);
    assert.equal(stack.result.gatewayClusterId, undefined);
    const manifests = stack.get("command:remote:Command", "cluster-203-0-113-20-manifests");
    assert.doesNotMatch(String(manifests.inputs["stdin"]), /trustedIPs/);
  });

  it("records on each service's StatefulSet the apps that bind it, sorted; binding one more changes no spec", async () => {
    const services = { db: { engine: "postgres" }, cache: { engine: "redis" }, spare: { engine: "redis" } } as const;
    const web = { image: "ghcr.io/acme/web:1.0.0", port: 8080, bind: ["db"] };
    const worker = { image: "ghcr.io/acme/worker:1.0.0", bind: ["db", "cache"] };
    const sets = async (apps: Record<string, typeof web | typeof worker>) => {
      const stack = await evaluateProgram(() => buildStack({ cluster, services, apps }), { config });
      return (name: string) =>
        stack.get("kubernetes:apps/v1:StatefulSet", `main/${name}`).inputs as {
          metadata: { annotations?: Record<string, string> };
          spec: Record<string, unknown>;
        };
    };
    const before = await sets({ web });
    const after = await sets({ worker, web });
    const recorded = (set: ReturnType<typeof before>) => set.metadata.annotations?.["skipper.run/bound-apps"];
    assert.deepEqual(
      ["db", "cache", "spare"].map((n) => recorded(before(n))),
      ["web", "", ""],
    );
    assert.deepEqual(
      ["db", "cache", "spare"].map((n) => recorded(after(n))),
      ["web,worker", "worker", ""],
    );
    // The StatefulSet rolls its pods only when its spec (the pod template) changes: binding worker changes none.
    for (const name of ["db", "cache"]) assert.deepEqual(after(name).spec, before(name).spec, name);
  });

  it("pins the host key from skipper:hostKey in the example stack's SSH connections", async () => {
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw0d3NYtJw5Cq0m9c0jv0bS7S3b9bCq9eZ3p0Lx6Hq1";
    const pinned = await evaluateStackFile("stacks/skipper.ts", { config: { ...config, "skipper:hostKey": hostKey } });
    const steps = pinned.ofType("command:remote:Command");
    assert.ok(steps.length > 0);
    for (const step of steps)
      assert.equal((pinned.inputs(step)["connection"] as { hostKey?: string }).hostKey, hostKey);
    const unpinned = await evaluateStackFile("stacks/skipper.ts", { config });
    for (const step of unpinned.ofType("command:remote:Command")) {
      assert.equal((unpinned.inputs(step)["connection"] as { hostKey?: string }).hostKey, undefined);
    }
  });
});
