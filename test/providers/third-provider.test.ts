/**
 * A third provider written against `InfraProvider` alone, as a DigitalOcean one would be: machines whose public AND
 * private addresses are Outputs of resources it creates, a load balancer whose address is an Output, an add-on and an
 * in-cluster object. Nothing outside this file knows it exists; the whole stack must still come out right. The
 * "machines" are `random` resources (the only plugin-free resources the mock runtime answers for), so the addresses
 * are derived from their outputs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { buildStack, type StackOutputs } from "../../components/define-stack.ts";
import { UNKNOWN_ADDRESS } from "../../core/k3s/addresses.ts";
import type { Cluster } from "../../core/model.ts";
import type { InfraProvider, Machine, Provisioned } from "../../providers/infra-provider.ts";
import { evaluateProgram, isUnknownValue, type RecordedResource } from "../support/pulumi-mocks.ts";

/** `droplet-<n>` → public 192.0.2.<n>, private 10.10.0.<n> (from the fake machine's `hex` output). */
const publicOf = (n: number) => `192.0.2.${n}`;
const privateOf = (n: number) => `10.10.0.${n}`;
const LB = "192.0.2.250";

class FakeDroplets implements InfraProvider {
  readonly name = "fake-droplets";
  readonly storageClass = "do-block-storage";
  readonly hosts = [
    { address: UNKNOWN_ADDRESS, nodeName: "node-1" },
    { address: UNKNOWN_ADDRESS, nodeName: "node-2", role: "agent" as const },
  ];

  provision(cluster: Cluster, parent: pulumi.Resource): Provisioned {
    const machines = cluster.hosts.map((host): Machine => {
      const droplet = new random.RandomId(`droplet-${host.index + 1}`, { byteLength: 1 }, { parent });
      const address = droplet.hex.apply(() => publicOf(host.index + 1));
      return {
        host,
        connection: pulumi.secret(address.apply((h) => ({ host: h, user: "root", password: "pw" }))),
        dependsOn: [droplet],
        address,
        nodeIp: droplet.hex.apply(() => privateOf(host.index + 1)),
      };
    });
    const lb = new random.RandomId("lb", { byteLength: 1 }, { parent });
    return {
      machines,
      loadBalancer: { address: lb.hex.apply(() => LB) },
      addons: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "do-csi" } }],
      objects: [
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "do-token", namespace: "kube-system" },
          stringData: { token: pulumi.secret("t") },
        },
      ],
    };
  }
}

const args = () => ({
  cluster: { name: "third", provider: new FakeDroplets(), k3s: { version: "v1.31.4+k3s1" } },
  domain: { gateway: "skipper.run" },
  services: { db: { engine: "postgres" as const } },
  apps: { web: { image: "ghcr.io/acme/web:1", port: 8080, bind: ["db"] } },
});

/** The mock gives every random resource its `hex`, so the fake machines "exist". */
const exists = (a: pulumi.runtime.MockResourceArgs) =>
  a.type === "command:remote:Command"
    ? {
        stdout:
          "apiVersion: v1\nkind: Config\nclusters: [{name: default, cluster: {server: 'https://127.0.0.1:6443'}}]\ncontexts: [{name: default, context: {cluster: default, user: default}}]\nusers: [{name: default, user: {}}]\n",
      }
    : { ...a.inputs, hex: "ab", result: `pw-${a.name}` };

function step(
  ev: { get(t: string, n: string): RecordedResource; inputs(r: RecordedResource): Record<string, unknown> },
  name: string,
): string {
  return String(ev.inputs(ev.get("command:remote:Command", name))["create"]);
}

describe("a third provider, through the InfraProvider interface only", () => {
  it("gets its hosts set up at their created addresses, over their private ones, behind its load balancer", async () => {
    const ev = await evaluateProgram(() => buildStack(args()), { stateFor: exists });
    const install1 = step(ev, "cluster-node-1-install");
    assert.ok(install1.includes(`- ${publicOf(1)}`) && install1.includes(`- ${LB}`), "SANs: own address and the LB");
    assert.ok(install1.includes(`node-ip: ${privateOf(1)}`));
    const install2 = step(ev, "cluster-node-2-install");
    assert.ok(install2.includes(`server: https://${privateOf(1)}:6443`), "the agent joins over the private network");
    assert.ok(step(ev, "gateway-registration-register").includes(`"ip":"${LB}"`));
    const droplet2 = ev.get("random:index/randomId:RandomId", "droplet-2");
    for (const r of ev.ofType("command:remote:Command").filter((c) => c.parent.endsWith("cluster-node-2"))) {
      assert.ok(r.dependsOn.includes(droplet2.urn), `${r.name} waits for its machine`);
      assert.equal((ev.inputs(r)["connection"] as { host: string }).host, publicOf(2));
    }
    const manifests = String(ev.inputs(ev.get("command:remote:Command", "cluster-node-1-manifests"))["stdin"]);
    assert.match(manifests, /name: do-csi/, "its add-on reaches k3s's manifests folder");
    const secret = ev.get("kubernetes:core/v1:Secret", "kube-system/do-token");
    assert.equal(secret.options.deletedWith, ev.get("command:remote:Command", "cluster-node-1-install").urn);
    assert.equal((ev.result as StackOutputs).gatewayClusterId, "third");
  });

  it("plans a first preview with every address unknown", async () => {
    const ev = await evaluateProgram(() => buildStack(args()), { preview: true });
    const steps = ev.ofType("command:remote:Command");
    assert.ok(steps.length > 0 && steps.every((s) => isUnknownValue(s.inputs["create"])));
    assert.equal(ev.ofType("pulumi:providers:kubernetes")[0]?.inputs["clusterIdentifier"], "skipper-third");
  });
});
