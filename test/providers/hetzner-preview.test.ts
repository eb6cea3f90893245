/**
 * The Hetzner stack before its servers exist: a first `pulumi preview` (addresses unknown), `kip synth` (no plugins:
 * addresses shown as `<unknown until created>`, the same bytes on every run), and the errors a user meets when the
 * stack cannot work without the addresses (no `cluster.name`) or the provider is set up wrongly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { synthStack } from "../../cli/synth/run.ts";
import { buildStack, type StackOutputs } from "../../components/define-stack.ts";
import { type SpecError, SpecErrors } from "../../core/errors.ts";
import { UNKNOWN_ADDRESS } from "../../core/k3s/addresses.ts";
import { hetzner } from "../../providers/hetzner.ts";
import { useSecretPlaceholders } from "../../providers/secret-config.ts";
import { evaluateProgram, evaluateStackFile, isKnown, isUnknownValue } from "../support/pulumi-mocks.ts";
import { HETZNER_CONFIG, hetznerState } from "./hetzner-support.ts";

const K3S = { version: "v1.31.4+k3s1" } as const;
const PROVIDER = { location: "nbg1", serverType: "cpx21", image: "debian-12" } as const;

describe("the Hetzner stack before its servers exist", () => {
  it("previews with unknown addresses: steps planned, their commands unknown, ids and names known", async () => {
    const ev = await evaluateStackFile<StackOutputs>("stacks/hetzner.ts", { ...HETZNER_CONFIG, preview: true });
    const steps = ev.ofType("command:remote:Command");
    assert.ok(steps.length >= 8, "every host step and the registration are planned");
    for (const step of steps) {
      assert.ok(isUnknownValue(step.inputs["create"]), `${step.name}: its script waits for the address`);
    }
    const server = ev.get("hcloud:index/server:Server", "hcloud-acme-server-1");
    const preflight = ev.get("command:remote:Command", "cluster-server-1-preflight");
    assert.ok(preflight.dependsOn.includes(server.urn));
    // The Kubernetes provider keeps a known identity, so nothing in the cluster is planned for replacement.
    const k8s = ev.ofType("pulumi:providers:kubernetes")[0]!;
    assert.equal(k8s.inputs["clusterIdentifier"], "skipper-acme");
    assert.equal(ev.result.clusterId, "acme");
    assert.equal(ev.result.gatewayClusterId, "acme");
    assert.deepEqual(ev.result.apps["web"], ["https://web--acme.skipper.run"]);
    assert.equal(await isKnown(ev.result.kubeconfig), false);
    // In-cluster objects are planned with their full content: nothing there depends on an address.
    const deployment = ev.ofType("kubernetes:apps/v1:Deployment")[0]!;
    assert.ok(!JSON.stringify(deployment.inputs).includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9"));
  });

  it("asks for cluster.name when the addresses are known only once the servers exist", async () => {
    await assert.rejects(
      evaluateProgram(() => buildStack({ cluster: { provider: hetzner(PROVIDER), k3s: K3S } }), HETZNER_CONFIG),
      (err: unknown) => {
        const errors = err instanceof SpecErrors ? err.errors : [err as SpecError];
        const named = errors.find((e) => e.field === "cluster.name");
        assert.ok(named, `an error names cluster.name: ${String(err)}`);
        assert.match(named.message, /known only once the provider creates the machines/);
        assert.match(named.message, /set cluster\.name/);
        return true;
      },
    );
  });

  it("refuses bad provider settings, naming each field", () => {
    assert.throws(
      () =>
        hetzner({
          location: "fsn1",
          serverType: "CX22",
          image: "centos-9",
          count: { servers: 2, agents: -1 },
          firewall: { apiSources: ["10.0.0.0/33"] },
          network: { subnet: "192.168.1.0/24" },
        }),
      (err: unknown) => {
        assert.ok(err instanceof SpecErrors);
        assert.deepEqual(err.errors.map((e) => e.field).sort(), [
          "cluster.provider.count.agents",
          "cluster.provider.count.servers",
          "cluster.provider.firewall.apiSources[0]",
          "cluster.provider.image",
          "cluster.provider.network.subnet",
          "cluster.provider.serverType",
        ]);
        return true;
      },
    );
    assert.throws(() => hetzner({ ...PROVIDER, location: "xyz1" }), /cluster\.provider\.network\.zone/);
  });

  it("stops before creating anything when the API token is missing, saying how to set it", async () => {
    const saved = process.env["HCLOUD_TOKEN"];
    delete process.env["HCLOUD_TOKEN"];
    try {
      await assert.rejects(
        evaluateProgram(() => buildStack({ cluster: { name: "edge", provider: hetzner(PROVIDER), k3s: K3S } })),
        /missing config secret 'hcloud:token'.*pulumi config set --secret hcloud:token/,
      );
    } finally {
      if (saved !== undefined) process.env["HCLOUD_TOKEN"] = saved;
    }
  });

  it("restricts SSH and the API to the given sources, plain addresses as single-host ranges", async () => {
    const provider = hetzner({
      ...PROVIDER,
      firewall: { sshSources: ["203.0.113.7"], apiSources: ["198.51.100.0/24", "2001:db8::1"] },
    });
    const ev = await evaluateProgram(() => buildStack({ cluster: { name: "edge", provider, k3s: K3S } }), {
      ...HETZNER_CONFIG,
      stateFor: hetznerState,
    });
    const fw = ev.get("hcloud:index/firewall:Firewall", "hcloud-edge-firewall");
    const rules = ev.inputs(fw)["rules"] as { port?: string; sourceIps: string[] }[];
    const from = (port: string) => rules.find((r) => r.port === port)?.sourceIps;
    assert.deepEqual(from("22"), ["203.0.113.7/32"]);
    assert.deepEqual(from("6443"), ["198.51.100.0/24", "2001:db8::1/128"]);
    assert.deepEqual(from("80"), ["0.0.0.0/0", "::/0"]);
    assert.deepEqual(from("443"), ["0.0.0.0/0", "::/0"]);
    // No load balancer asked for: none made, and the gateway would use the first server's own address.
    assert.deepEqual(ev.ofType("hcloud:index/loadBalancer:LoadBalancer"), []);
    assert.equal(provider.privateAddress(0), "10.0.1.10");
  });

  it("kip synth renders the stack with '<unknown until created>' addresses, the same bytes every run", async () => {
    const target = { file: `${process.cwd()}/stacks/hetzner.ts`, shown: "stacks/hetzner.ts", project: "skipper" };
    pulumi.runtime.setAllConfig({}, []);
    const saved = process.env["HCLOUD_TOKEN"];
    delete process.env["HCLOUD_TOKEN"];
    try {
      const first = await synthStack(target);
      const second = await synthStack(target);
      assert.deepEqual([...first.files.entries()], [...second.files.entries()]);
      const install = [...first.files.entries()].find(([f]) => /^hosts\/server-1\/\d+-install\.sh$/.test(f))?.[1];
      assert.ok(
        install,
        `install script written; files: ${[...first.files.keys()].filter((f) => f.startsWith("hosts/")).join(", ")}`,
      );
      assert.ok(install.includes(`- ${UNKNOWN_ADDRESS}`), "the API certificate lists the address to come");
      assert.ok(install.includes("node-ip: 10.0.1.10"), "private addresses are known up front");
      const register = [...first.files.entries()].find(([f]) => f.endsWith("-register.sh"))?.[1];
      assert.ok(register?.includes(`"ip":"${UNKNOWN_ADDRESS}"`), "the registration names the address to come");
      assert.ok(![...first.files.values()].some((v) => v.includes("NaN")), "no half-made values");
    } finally {
      useSecretPlaceholders(false);
      if (saved !== undefined) process.env["HCLOUD_TOKEN"] = saved;
    }
  });
});
