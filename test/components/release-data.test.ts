/**
 * The release-data step under the mock runtime: present only when a service sets `deleteDataOnDestroy`, on the first
 * server's connection with the scripts of `core/k3s/release-data.ts`, no triggers (a replacement would run the old
 * delete), after the last host step of every machine (so on destroy it runs before any of them, and any server, is
 * deleted), and waited for by the opted-in services' objects only. On bare metal, on several hosts and on Hetzner
 * Cloud, where it also waits for every server and renders once the first server's address exists.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildStack, type StackOutputs } from "../../components/define-stack.ts";
import { planReleaseData } from "../../core/k3s/release-data.ts";
import { unwrapPrivileged } from "../../core/k3s/shell.ts";
import type { ServiceSpec, StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { bareMetal } from "../../providers/bare-metal.ts";
import { hetzner } from "../../providers/hetzner.ts";
import { HETZNER_CONFIG, hetznerState, serverAddress } from "../providers/hetzner-support.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import {
  type Evaluated,
  evaluateProgram,
  evaluateStackFile,
  isUnknownValue,
  type RecordedResource,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const CMD = "command:remote:Command";
const STEP = "cluster-release-data";
const SSH = { config: { "skipper:sshPrivateKey": TEST_SSH_KEY } };
const OPTED: Record<string, ServiceSpec> = {
  db: { engine: "postgres", deleteDataOnDestroy: true },
  cache: { engine: "redis" },
};

function bareMetalSpec(services: Record<string, ServiceSpec>): StackSpec {
  return { ...EXAMPLE_SPEC, apps: {}, console: { enabled: false }, services };
}

function evaluateBareMetal(services: Record<string, ServiceSpec>): Promise<Evaluated<StackOutputs>> {
  const { cluster, ...rest } = bareMetalSpec(services);
  const { hosts, ...clusterRest } = cluster;
  return evaluateProgram(
    () => buildStack({ ...rest, cluster: { ...clusterRest, provider: bareMetal({ hosts }) } }),
    SSH,
  );
}

/** The last host step of every K3sHost. */
function lastSteps(ev: Evaluated<unknown>): RecordedResource[] {
  return ev.ofType("skipper:cluster:K3sHost").map((host) => {
    const steps = ev.childrenOf(host.urn).filter((r) => r.type === CMD);
    const last = steps.find((s) => !steps.some((other) => other.dependsOn.includes(s.urn)));
    assert.ok(last, `${host.name} has a last step`);
    return last;
  });
}

/** Whether `from` depends on `to`, directly or through other resources (what orders Pulumi's deletes). */
function reaches(ev: Evaluated<unknown>, from: RecordedResource, to: string, seen = new Set<string>()): boolean {
  if (from.dependsOn.includes(to)) return true;
  seen.add(from.urn);
  return from.dependsOn.some((d) => {
    const next = ev.byUrn(d);
    return next !== undefined && !seen.has(d) && reaches(ev, next, to, seen);
  });
}

function script(r: RecordedResource, key: "create" | "delete"): string {
  const parts = unwrapPrivileged(String(r.inputs[key]));
  assert.ok(parts, `${r.name}.${key} runs a script as root`);
  return parts.script;
}

describe("the release-data step", () => {
  it("is absent when no service opted in: the stack renders as before", async () => {
    const ev = await evaluateBareMetal({ db: { engine: "postgres" }, cache: { engine: "redis" } });
    assert.deepEqual(
      ev.ofType(CMD).filter((r) => r.name.endsWith("release-data")),
      [],
    );
    const example = await evaluateStackFile<StackOutputs>("stacks/skipper.ts", SSH);
    assert.ok(!example.ofType(CMD).some((r) => r.name.endsWith("release-data")));
  });

  it("runs the plan's scripts on the first server after its last host step, without triggers", async () => {
    const ev = await evaluateBareMetal(OPTED);
    const step = ev.get(CMD, STEP);
    const stack = validateStack(bareMetalSpec(OPTED));
    const plan = planReleaseData(stack.cluster, stack.cluster.hosts[0]!, stack.services)!;
    assert.equal(script(step, "create"), plan.createScript);
    assert.equal(script(step, "delete"), plan.deleteScript);
    assert.equal(step.inputs["triggers"], undefined, "a trigger change would replace it and run the old delete");
    assert.equal(step.inputs["addPreviousOutputInEnv"], false);
    assert.equal(step.options.deletedWith, undefined);
    assert.equal(step.options.customTimeouts?.delete, `${plan.timeoutSeconds}s`);
    assert.equal(step.parent, ev.get("skipper:cluster:K3sCluster", "cluster").urn);
    const first = ev.get("skipper:cluster:K3sHost", "cluster-203-0-113-10");
    const read = ev.get(CMD, "cluster-203-0-113-10-read-kubeconfig");
    assert.ok(step.dependsOn.includes(read.urn), "after k3s is up (the first server's last step)");
    assert.deepEqual(ev.inputs(step)["connection"], ev.inputs(ev.childrenOf(first.urn)[0]!)["connection"]);
  });

  it("keeps its URN when the opted-in services change, so Pulumi updates it (reruns the check) instead of replacing it", async () => {
    const one = (await evaluateBareMetal(OPTED)).get(CMD, STEP);
    const two = (await evaluateBareMetal({ ...OPTED, cache: { engine: "redis", deleteDataOnDestroy: true } })).get(
      CMD,
      STEP,
    );
    assert.equal(two.urn, one.urn);
    assert.notEqual(script(two, "delete"), script(one, "delete"));
    assert.match(script(two, "delete"), /'main cache app\.kubernetes\.io\/instance=cache,/);
    for (const step of [one, two]) assert.equal(step.inputs["triggers"], undefined);
  });

  it("is waited for by the opted-in service's objects only", async () => {
    const ev = await evaluateBareMetal(OPTED);
    const step = ev.get(CMD, STEP);
    const sts = (name: string) =>
      ev.ofType("kubernetes:apps/v1:StatefulSet").find((r) => r.name === `main/${name}`) as RecordedResource;
    assert.ok(sts("db").dependsOn.includes(step.urn));
    assert.ok(!sts("cache").dependsOn.includes(step.urn));
    assert.ok(ev.get("skipper:apps:Service", "db").dependsOn.includes(step.urn));
    assert.ok(!ev.get("skipper:apps:Service", "cache").dependsOn.includes(step.urn));
    // The services' objects are still skipped on a full destroy, with the cluster.
    assert.ok(sts("db").options.deletedWith?.includes("cluster-203-0-113-10-install"));
  });

  it("waits for the last step of every host of a multi-host cluster (stacks/multi-host.ts)", async () => {
    const ev = await evaluateStackFile<StackOutputs>("stacks/multi-host.ts", {
      config: { ...SSH.config, "skipper:secret.storefront.STRIPE_KEY": "sk_test_release_9d2" },
    });
    const step = ev.get(CMD, STEP);
    const lasts = lastSteps(ev);
    assert.equal(lasts.length, 3);
    for (const last of lasts) assert.ok(step.dependsOn.includes(last.urn), `after ${last.name}`);
    assert.match(script(step, "delete"), /'shop legacy app\.kubernetes\.io\/instance=legacy,/);
    assert.doesNotMatch(script(step, "delete"), /shop db |sessions|search/);
  });

  describe("on Hetzner Cloud", () => {
    const PROVIDER = { location: "fsn1", serverType: "cx22", image: "ubuntu-24.04" } as const;
    const program = () =>
      buildStack({
        cluster: {
          name: "acme",
          provider: hetzner({ ...PROVIDER, count: { servers: 1, agents: 2 }, loadBalancer: true }),
          k3s: { version: "v1.31.4+k3s1" },
        },
        services: OPTED,
      });

    it("runs before every server is deleted, on the first server's real address", async () => {
      const ev = await evaluateProgram(program, { ...HETZNER_CONFIG, stateFor: hetznerState });
      const step = ev.get(CMD, STEP);
      const servers = ev.ofType("hcloud:index/server:Server");
      assert.equal(servers.length, 3);
      for (const server of servers) assert.ok(reaches(ev, step, server.urn), `deleted before ${server.name}`);
      for (const last of lastSteps(ev)) assert.ok(step.dependsOn.includes(last.urn), `after ${last.name}`);
      const address = serverAddress("hcloud-acme-server-1");
      assert.match(
        script(step, "delete"),
        new RegExp(`release-data on server-1 \\(${address.replaceAll(".", "\\.")}\\)`),
      );
      assert.match(script(step, "delete"), /hcloud volume list -l skipper\.run\/cluster=acme/);
      const first = ev.get("skipper:cluster:K3sHost", "cluster-server-1");
      assert.deepEqual(ev.inputs(step)["connection"], ev.inputs(ev.childrenOf(first.urn)[0]!)["connection"]);
    });

    it("is planned in a first preview, its commands waiting for the address", async () => {
      const ev = await evaluateProgram(program, { ...HETZNER_CONFIG, preview: true });
      const step = ev.get(CMD, STEP);
      assert.ok(isUnknownValue(step.inputs["create"]));
      assert.ok(isUnknownValue(step.inputs["delete"]));
    });
  });
});
