/**
 * K3sCluster with a provider that is not bare metal: whatever `provision` creates sits under the cluster, and the
 * first host step waits for it. The provider interface is the only thing the cluster knows about machines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { K3sCluster, manifestsYaml } from "../../components/k3s-cluster.ts";
import type { Cluster } from "../../core/model.ts";
import { validateCluster } from "../../core/validate/cluster.ts";
import type { InfraProvider, Machine } from "../../providers/infra-provider.ts";
import { evaluateProgram, isSecretValue } from "../support/pulumi-mocks.ts";

/** A stand-in for a cloud provider: one resource per machine (as a server would be), connections with a password. */
class FakeCloud implements InfraProvider {
  readonly name = "fake-cloud";
  readonly storageClass = "fake-ssd";
  readonly hosts = [{ address: "192.0.2.50" }, { address: "192.0.2.51", role: "agent" as const }];
  provision(cluster: Cluster, parent: pulumi.Resource): readonly Machine[] {
    return cluster.hosts.map((host) => {
      const server = new random.RandomId(`server-${host.nodeName}`, { byteLength: 4 }, { parent });
      return { host, connection: { host: host.address, password: pulumi.secret("pw") }, dependsOn: [server] };
    });
  }
}

describe("K3sCluster", () => {
  it("puts what the provider creates under the cluster and starts each host after its machine exists", async () => {
    const infra = new FakeCloud();
    const cluster = validateCluster({ hosts: infra.hosts, k3s: { version: "v1.31.4+k3s1" } }, "cluster");
    const run = await evaluateProgram(() => {
      const c = new K3sCluster("edge", { cluster, infra });
      return { kubeconfig: c.kubeconfig };
    });
    const component = run.get("skipper:cluster:K3sCluster", "edge");
    for (const host of cluster.hosts) {
      const server = run.get("random:index/randomId:RandomId", `server-${host.nodeName}`);
      assert.equal(server.parent, component.urn);
      const preflight = run.get("command:remote:Command", `edge-${host.nodeName}-preflight`);
      assert.ok(preflight.dependsOn.includes(server.urn), `${host.address} waits for its machine`);
      assert.ok(isSecretValue(preflight.inputs["connection"]));
    }
    assert.ok(await pulumi.isSecret(run.result.kubeconfig));
    assert.equal(run.ofType("pulumi:providers:kubernetes")[0]?.inputs["clusterIdentifier"], "skipper-192-0-2-50");
  });

  it("writes no add-on step when there are no add-ons, and joins add-ons as one multi-document file", async () => {
    assert.equal(manifestsYaml([]), undefined);
    const two = manifestsYaml([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } },
    ]);
    assert.equal(two?.split("---\n").length, 2);
    const infra = new FakeCloud();
    const cluster = validateCluster({ hosts: infra.hosts, k3s: { version: "v1.31.4+k3s1" } }, "cluster");
    const run = await evaluateProgram(() => new K3sCluster("bare", { cluster, infra }) && {});
    assert.deepEqual(
      run.ofType("command:remote:Command").filter((r) => r.name.endsWith("-manifests")),
      [],
      "no manifests step without add-ons",
    );
  });
});
