/**
 * The address proof by challenge in the component tree, under the mock runtime: a challenged `GatewayRegistration`
 * (and the Hetzner example stack with its load balancer, through defineStack) generates the key, deploys the proof
 * responder through the cluster's provider, and registers only after the responder's objects, with the key's public
 * half in the body and the bounded wait in the script. A bare-metal stack has none of it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { remote } from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultState } from "../../cli/synth/runtime.ts";
import type { StackOutputs } from "../../components/define-stack.ts";
import { GatewayRegistration, registerStackCluster } from "../../components/gateway-registration.ts";
import { rawPublicKey } from "../../core/ed25519-key.ts";
import { unwrapPrivileged } from "../../core/k3s/shell.ts";
import type { K8sObject } from "../../core/k8s.ts";
import type { Host } from "../../core/model.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { HETZNER_CONFIG, hetznerState, LB_ADDRESS } from "../providers/hetzner-support.ts";
import { EXAMPLE_HOST, EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateProgram,
  evaluateStackFile,
  isSecretValue,
  type RecordedResource,
  revealSecrets,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const CMD = "command:remote:Command";
const PROOF_KINDS = ["ConfigMap", "Secret", "Deployment", "Service", "NetworkPolicy", "Ingress"];
const HOST: Host = EXAMPLE_HOST;

const isK8s = (r: RecordedResource) => r.custom && r.type.startsWith("kubernetes:") && !r.type.includes("providers");
const kindOf = (r: RecordedResource) => String((r.inputs as { kind?: unknown }).kind);

/** The proof responder's objects among `resources` (by name, in the registration namespace). */
function proofObjects(ev: Evaluated<unknown>): RecordedResource[] {
  return ev.resources.filter((r) => isK8s(r) && r.name.startsWith("skipper-registration/gateway-proof"));
}

/** What a challenged registration must look like in any tree: key, responder, order, script. */
function assertChallenged(ev: Evaluated<unknown>, register: RecordedResource, ip: string, id: string): void {
  const objects = proofObjects(ev);
  assert.deepEqual(objects.map(kindOf).sort(), [...PROOF_KINDS].sort());
  for (const o of objects) assert.ok(register.dependsOn.includes(o.urn), `the register step waits for ${o.name}`);
  const ns = ev.resources.find((r) => isK8s(r) && r.name === "skipper-registration" && kindOf(r) === "Namespace");
  assert.ok(ns);
  assert.ok(register.dependsOn.includes(ns.urn));
  for (const o of objects) assert.ok(o.dependsOn.includes(ns.urn), `${o.name} waits for its namespace`);

  const secret = objects.find((o) => kindOf(o) === "Secret")!;
  assert.ok(isSecretValue(secret.inputs["stringData"]), "the private key is a secret in state");
  const pem = String((revealSecrets(secret.inputs["stringData"]) as Record<string, unknown>)["key.pem"]);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);

  const create = register.inputs["create"];
  assert.ok(!isSecretValue(create), "the script holds nothing secret, so it stays readable in previews");
  const script = unwrapPrivileged(String(revealSecrets(create)))?.script ?? "";
  assert.ok(!script.includes(pem.split("\n")[1]!), "the private key is in no script");
  assert.ok(
    script.includes(`"name":"${id}","proofKey":"${rawPublicKey(pem)}"`),
    "the body carries the public half of the deployed key",
  );
  assert.ok(script.includes(`proof_url='http://${ip}:80/.well-known/skipper-gateway/${id}'`));
  assert.match(script, /did not answer 200 within 300 s/);
  assert.match(script, /skipper: waiting for the address proof at/);
}

describe("a challenged GatewayRegistration", () => {
  let ev: Evaluated<Record<string, unknown>>;
  let reg: GatewayRegistration;
  before(async () => {
    ev = await evaluateProgram(
      () => {
        const connection = { host: HOST.address, user: "root", privateKey: pulumi.secret(TEST_SSH_KEY) };
        const install = new remote.Command("install", { connection, create: "true" });
        const provider = new k8s.Provider("edge-k8s", { kubeconfig: "fake", clusterIdentifier: "skipper-acme" });
        // A name long enough for the mock RandomPassword's result to pass as a 32-character seed.
        reg = new GatewayRegistration(
          "edge-gateway",
          {
            baseDomain: "skipper.run",
            host: HOST,
            ip: pulumi.output("198.51.100.200"),
            name: "acme",
            connection,
            challenge: true,
            cluster: { provider, installStep: install },
          },
          { dependsOn: [install] },
        );
        return { proofKey: reg.proofKey };
      },
      { stateFor: defaultState },
    );
  });

  it("deploys the responder with a generated key and registers after it, with proofKey", () => {
    const component = ev.get("skipper:gateway:GatewayRegistration", "edge-gateway");
    const seed = ev.get("random:index/randomPassword:RandomPassword", "edge-gateway-proof-key");
    assert.equal(seed.parent, component.urn);
    const register = ev.get(CMD, "edge-gateway-register");
    assert.ok(register.dependsOn.includes(ev.get(CMD, "install").urn), "still waits for the component's dependsOn");
    assertChallenged(ev, register, "198.51.100.200", "acme");
    const provider = ev.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    for (const o of proofObjects(ev)) {
      assert.equal(o.parent, component.urn);
      assert.ok(o.provider?.startsWith(provider.urn), `${o.name} goes through the cluster's provider`);
      assert.equal(o.options.deletedWith, ev.get(CMD, "install").urn);
    }
  });

  it("keeps the heartbeat in the same namespace, and every object passes the schema checks", () => {
    const ns = ev.resources.find((r) => isK8s(r) && kindOf(r) === "Namespace")!;
    const cron = ev.resources.find((r) => isK8s(r) && kindOf(r) === "CronJob")!;
    assert.ok(cron.dependsOn.includes(ns.urn));
    const objects = ev.resources.filter(isK8s).map((r) => revealSecrets(r.inputs) as K8sObject);
    assert.equal(objects.filter((o) => o.kind === "Namespace").length, 1);
    assert.deepEqual(validateObjects(objects), []);
  });

  it("exposes the public key, not as a secret", async () => {
    const key = ev.result["proofKey"] as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(key), false);
  });
});

describe("registerStackCluster decides when to challenge", () => {
  it("only for a named cluster behind a load balancer", async () => {
    const byIp = validateStack(EXAMPLE_SPEC);
    const named = validateStack({ ...EXAMPLE_SPEC, cluster: { ...EXAMPLE_SPEC.cluster, name: "acme" } });
    const run = await evaluateProgram(
      () => {
        const connection = { host: HOST.address };
        const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
        const base = { host: byIp.cluster.hosts[0]!, connection };
        const lb = { ...base, address: pulumi.output("198.51.100.200"), loadBalanced: true };
        const a = registerStackCluster(named, { provider }, { ...base, address: pulumi.output("203.0.113.10") });
        const b = registerStackCluster(byIp, { provider }, lb, { parent: a });
        return { a: a?.proofKey, b: b?.proofKey };
      },
      { stateFor: defaultState },
    );
    assert.equal(run.result.a, undefined, "named, no load balancer: its own address, no challenge");
    assert.equal(run.result.b, undefined, "an IP-derived id registers the server's own IP: no challenge");
    assert.equal(proofObjects(run).length, 0);
    const lbRun = await evaluateProgram(
      () => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
        const first = {
          host: named.cluster.hosts[0]!,
          connection: { host: HOST.address },
          address: pulumi.output("198.51.100.200"),
          loadBalanced: true,
        };
        return { proofKey: registerStackCluster(named, { provider }, first)?.proofKey };
      },
      { stateFor: defaultState },
    );
    assert.ok(lbRun.result.proofKey);
    assertChallenged(lbRun, lbRun.get(CMD, "gateway-registration-register"), "198.51.100.200", "acme");
  });
});

describe("stacks/hetzner.ts (load balancer) and stacks/skipper.ts (bare metal)", () => {
  it("the Hetzner stack proves the load balancer's address by challenge", async () => {
    const ev = await evaluateStackFile<StackOutputs>("stacks/hetzner.ts", {
      ...HETZNER_CONFIG,
      stateFor: hetznerState,
    });
    const register = ev.get(CMD, "gateway-registration-register");
    assertChallenged(ev, register, LB_ADDRESS, "acme");
    const objects = ev.resources.filter(isK8s).map((r) => revealSecrets(r.inputs) as K8sObject);
    assert.deepEqual(validateObjects(objects), []);
  });

  it("the bare-metal stack registers from its server's own address: no key, no responder, no proofKey", async () => {
    const ev = await evaluateStackFile<StackOutputs>("stacks/skipper.ts", {
      config: { "skipper:sshPrivateKey": TEST_SSH_KEY },
    });
    assert.equal(proofObjects(ev).length, 0);
    assert.ok(!ev.resources.some((r) => r.name.endsWith("-proof-key")));
    const script = unwrapPrivileged(
      String(revealSecrets(ev.get(CMD, "gateway-registration-register").inputs["create"])),
    )?.script;
    assert.ok(script, "the register step runs a script of ours");
    assert.ok(!script.includes("proofKey") && !script.includes("proof_url"));
  });
});
