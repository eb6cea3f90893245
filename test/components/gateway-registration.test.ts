/**
 * `GatewayRegistration` under the mock runtime: the registration runs on the first server (its connection), the token
 * is read by a separate quiet command and stays a secret everywhere, no command string carries it, and the heartbeat
 * CronJob and its Secret go into the cluster through its provider and are deleted with it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { remote } from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultState } from "../../cli/synth/runtime.ts";
import { GatewayRegistration, registerStackCluster } from "../../components/gateway-registration.ts";
import type { K8sObject } from "../../core/k8s.ts";
import type { Host } from "../../core/model.ts";
import { REGISTRATION_STATE_DIR } from "../../core/render/gateway-registration.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_HOST, EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateProgram,
  isKnown,
  isSecretValue,
  valueOf as outputValue,
  type RecordedResource,
  revealSecrets,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const TOKEN = "reg-token-5b2f9e-never-in-plain";
const HOST: Host = EXAMPLE_HOST;

let ev: Evaluated<Record<string, unknown>>;
let reg: GatewayRegistration;
let component: RecordedResource;

before(async () => {
  ev = await evaluateProgram(
    () => {
      const connection = { host: HOST.address, user: "root", privateKey: pulumi.secret(TEST_SSH_KEY) };
      const install = new remote.Command("install", { connection, create: "true" });
      const provider = new k8s.Provider("edge-k8s", { kubeconfig: "fake", clusterIdentifier: "skipper-203-0-113-10" });
      reg = new GatewayRegistration("gateway", {
        baseDomain: "skipper.run",
        host: HOST,
        connection,
        cluster: { provider, installStep: install },
      });
      return { clusterId: reg.clusterId, token: reg.token };
    },
    {
      stateFor: (args) =>
        args.type === "command:remote:Command" && args.name === "gateway-token"
          ? { stdout: `${TOKEN}\n`, stderr: "" }
          : args.type === "command:remote:Command" && args.name === "gateway-register"
            ? { stdout: "skipper: changed registration of cluster 203-0-113-10 at skipper.run", stderr: "" }
            : defaultState(args),
    },
  );
  component = ev.get("skipper:gateway:GatewayRegistration", "gateway");
});

const isK8sObject = (r: RecordedResource) => r.type.startsWith("kubernetes:");

describe("GatewayRegistration component", () => {
  it("registers from the first server with a command that is safe to re-run and releases on delete", () => {
    const register = ev.get("command:remote:Command", "gateway-register");
    assert.equal(register.parent, component.urn);
    const inputs = ev.inputs(register);
    assert.equal((inputs["connection"] as { host: string }).host, "203.0.113.10");
    const create = inputs["create"] as string;
    assert.match(create, /https:\/\/skipper\.run\/v1\/clusters/);
    assert.match(create, /\{"ip":"203\.0\.113\.10","port":80\}/);
    assert.match(create, /-X "\$method"/);
    assert.ok(create.includes(`${REGISTRATION_STATE_DIR}/skipper.run`), "keeps its files in the root-only directory");
    assert.match(create, /if \[ -s "\$dir\/authorization" \]; then/, "an existing token means update, not register");
    assert.match(inputs["delete"] as string, /DELETE/);
    assert.deepEqual(inputs["triggers"], ["skipper.run", "203-0-113-10"]);
    assert.equal(register.options.deleteBeforeReplace, true);
    assert.ok(register.options.customTimeouts?.create, "bounded wait");
    assert.equal(register.options.deletedWith, undefined, "release runs while the host still exists");
  });

  it("reads the token in its own command whose stdout is secret and not logged", async () => {
    const read = ev.get("command:remote:Command", "gateway-token");
    const register = ev.get("command:remote:Command", "gateway-register");
    assert.equal(read.parent, component.urn);
    assert.ok(read.options.additionalSecretOutputs?.includes("stdout"), "stdout is a secret output");
    assert.equal(ev.inputs(read)["logging"], "none");
    assert.ok(read.dependsOn.includes(register.urn));
    assert.match(ev.inputs(read)["create"] as string, /cat "\$dir\/token"/);
    assert.equal(await pulumi.isSecret(reg.token), true);
    assert.equal(await outputValue(reg.token), TOKEN);
    assert.ok(isSecretValue(ev.runtime.stackOutputs()["token"]), "the token is a secret stack output");
  });

  it("puts the token in no command string and no resource but the Secret", () => {
    for (const r of ev.ofType("command:remote:Command")) {
      const inputs = ev.inputs(r);
      for (const field of ["create", "update", "delete", "stdin"]) {
        const text = String(inputs[field] ?? "");
        assert.ok(!text.includes(TOKEN), `${r.name}.${field} carries the token`);
        assert.ok(!text.includes("TEST-KEY-7f3a9c"), `${r.name}.${field} carries the SSH key`);
      }
    }
    const secret = ev.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
    assert.ok(secret);
    assert.ok(isSecretValue(secret.inputs["stringData"]), "the Secret's data is a secret input");
    assert.deepEqual(ev.inputs(secret)["stringData"], {
      token: TOKEN,
      authorization: `Authorization: Bearer ${TOKEN}`,
    });
    for (const r of ev.resources.filter((x) => x !== secret && x.type !== "command:remote:Command")) {
      assert.ok(!JSON.stringify(revealSecrets(r.inputs)).includes(TOKEN), `${r.type} ${r.name} holds the token`);
    }
  });

  it("installs the heartbeat through the cluster's provider, deleted with the cluster", () => {
    const provider = ev.get("pulumi:providers:kubernetes", "edge-k8s");
    const install = ev.get("command:remote:Command", "install");
    const objects = ev.resources.filter(isK8sObject).filter((r) => !r.type.startsWith("pulumi:"));
    assert.deepEqual(objects.map((r) => r.type).sort(), [
      "kubernetes:batch/v1:CronJob",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:ServiceAccount",
    ]);
    const ns = objects.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    for (const r of objects) {
      assert.equal(r.parent, component.urn);
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} on the cluster's provider`);
      assert.equal(r.options.deletedWith, install.urn);
      if (r !== ns) assert.ok(r.dependsOn.includes(ns.urn), `${r.name} waits for its namespace`);
    }
    const manifests = objects.map((r) => revealSecrets(r.inputs) as K8sObject);
    assert.deepEqual(validateObjects(manifests), []);
    const cron = manifests.find((o) => o.kind === "CronJob") as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } } };
    };
    assert.equal(
      cron.spec.jobTemplate.spec.template.spec.containers[0]?.args.at(-1),
      "https://skipper.run/v1/clusters/203-0-113-10/heartbeat",
    );
  });

  it("outputs the cluster id and its host names", () => {
    assert.equal(reg.clusterId, "203-0-113-10");
    assert.deepEqual(reg.hosts, { cluster: "203-0-113-10.skipper.run", console: "console-203-0-113-10.skipper.run" });
  });

  it("uses the chosen name, and refuses a reserved one or an address that is not IPv4", () => {
    const provider = {} as k8s.Provider;
    const common = { baseDomain: "skipper.run", connection: { host: "x" }, cluster: { provider } };
    assert.throws(
      () => new GatewayRegistration("bad-ip", { ...common, host: { ...HOST, address: "node.example.com" } }),
      /ip must be a dotted IPv4 address/,
    );
    assert.throws(() => new GatewayRegistration("bad-name", { ...common, host: HOST, name: "admin" }), /reserved/);
  });
});

describe("registerStackCluster (the defineStack hook)", () => {
  it("registers a stack with a gateway domain after its first server is ready, by IP or by name", async () => {
    const stack = validateStack(EXAMPLE_SPEC);
    const named = validateStack({ ...EXAMPLE_SPEC, cluster: { ...EXAMPLE_SPEC.cluster, name: "acme" } });
    const without = validateStack({ ...EXAMPLE_SPEC, domain: {}, apps: {}, console: { enabled: false } });
    let ids: (string | undefined)[] = [];
    const run = await evaluateProgram(() => {
      const connection = { host: HOST.address };
      const ready = new remote.Command("ready", { connection, create: "true" });
      const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
      const first = { host: stack.cluster.hosts[0]!, connection, ready };
      const a = registerStackCluster(stack, { provider }, first);
      const b = registerStackCluster(named, { provider }, first, { parent: a });
      const c = registerStackCluster(without, { provider }, first);
      ids = [a?.clusterId, b?.clusterId, c?.clusterId];
      return {};
    });
    assert.deepEqual(ids, ["203-0-113-10", "acme", undefined]);
    const ready = run.get("command:remote:Command", "ready");
    const registers = run.ofType("command:remote:Command").filter((r) => r.name === "gateway-registration-register");
    assert.equal(registers.length, 2);
    for (const r of registers) assert.ok(r.dependsOn.includes(ready.urn), "registration waits for the first server");
    const bodies = registers.map((r) => String(run.inputs(r)["create"]));
    assert.ok(bodies.some((b) => b.includes('{"ip":"203.0.113.10","port":80}')));
    assert.ok(bodies.some((b) => b.includes('{"ip":"203.0.113.10","port":80,"name":"acme"}')));
  });
});

describe("GatewayRegistration at a first preview", () => {
  it("plans without the token, which stays unknown and secret", async () => {
    let token: pulumi.Output<string> | undefined;
    const run = await evaluateProgram(
      () => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "fake" });
        const r = new GatewayRegistration("gateway", {
          baseDomain: "skipper.run",
          host: HOST,
          connection: { host: HOST.address },
          cluster: { provider },
        });
        token = r.token;
        return {};
      },
      { preview: true },
    );
    assert.ok(token);
    assert.equal(await isKnown(token), false);
    assert.equal(await pulumi.isSecret(token), true);
    assert.equal(run.ofType("kubernetes:batch/v1:CronJob").length, 1, "the heartbeat is planned all the same");
  });
});
