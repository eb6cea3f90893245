/**
 * The console in a whole stack under the mock runtime (`defineStack`/`buildStack`, the real console-api bundle): with
 * `console.enabled` the Console component sits beside the cluster, its objects go through the cluster's provider and
 * are deleted with the k3s install, the admin password is a secret output and `consoleUrl` names the console's host;
 * without it there is no Console, no console object and no console output.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { buildStack, type StackOutputs } from "../../components/define-stack.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { renderAddons } from "../../core/render/addons.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { bareMetal } from "../../providers/bare-metal.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateProgram,
  evaluateStackFile,
  isSecretValue,
  outputValue,
  type RecordedResource,
  revealSecrets,
  TEST_SSH_KEY,
} from "../support/pulumi-mocks.ts";

const config = { "skipper:sshPrivateKey": TEST_SSH_KEY };
const CONSOLE = "skipper:console:Console";
const isK8sObject = (r: RecordedResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");
const manifest = (r: RecordedResource) => revealSecrets(r.inputs) as K8sObject;

let withConsole: Evaluated<StackOutputs>;
before(async () => {
  withConsole = await evaluateStackFile<StackOutputs>("stacks/skipper.ts", { config });
});

describe("the example stack with console.enabled", () => {
  it("deploys one Console beside the cluster, every object on the cluster's provider and deleted with the install", () => {
    const root = withConsole.ofType("pulumi:pulumi:Stack")[0] as RecordedResource;
    const [component] = withConsole.ofType(CONSOLE);
    assert.ok(component);
    assert.equal(withConsole.ofType(CONSOLE).length, 1);
    assert.equal(component.parent, root.urn);
    const provider = withConsole.get("pulumi:providers:kubernetes", "cluster-k8s");
    const install = withConsole.ofType("command:remote:Command").find((c) => c.name.endsWith("-install"));
    assert.ok(install);
    const objects = withConsole.childrenOf(component.urn).filter(isK8sObject);
    assert.ok(objects.length >= 15, `${objects.length} objects`);
    for (const r of objects) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} on the cluster's provider`);
      assert.equal(r.options.deletedWith, install.urn, `${r.name} deletedWith`);
    }
    // The credentials Role lives in the project's namespace, so it waits for that namespace to exist.
    const projectNs = withConsole.childrenOf(
      withConsole.get("skipper:apps:Project", "main").urn,
    )[0] as RecordedResource;
    const role = objects.find((o) => o.name === "main/skipper-console-credentials");
    assert.ok(role, "the credentials Role in namespace main");
    assert.ok(role.dependsOn.includes(projectNs.urn), "the credentials Role waits for namespace main");
  });

  it("outputs the console URL, the first admin's e-mail and the password as a secret", async () => {
    const out = withConsole.runtime.stackOutputs();
    assert.equal(out["consoleUrl"], "https://console-203-0-113-10.skipper.run");
    assert.equal(out["consoleAdminEmail"], "ops@example.com");
    assert.ok(isSecretValue(out["consoleAdminPassword"]), "consoleAdminPassword is a secret output");
    const password = withConsole.result.consoleAdminPassword as pulumi.Output<string>;
    assert.ok(await pulumi.isSecret(password));
    assert.equal(await outputValue(password), "mock-password-console-admin-password");
    const env = (
      manifest(
        withConsole
          .ofType("kubernetes:apps/v1:Deployment")
          .find((d) => d.name === "skipper-console/console-api") as RecordedResource,
      )["spec"] as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }
    ).template.spec.containers[0]?.env;
    assert.equal(env?.find((e) => e.name === "SKIPPER_ADMIN_EMAIL")?.value, "ops@example.com");
    assert.equal(env?.find((e) => e.name === "SKIPPER_CLUSTER_ID")?.value, "203-0-113-10");
  });

  it("renders objects that pass the schema and cross-object checks beside every other object of the stack", () => {
    const stack = validateStack({
      cluster: { hosts: [{ address: "203.0.113.10" }], k3s: { version: "v1.31.4+k3s1" } },
    });
    const manifests = withConsole.resources.filter(isK8sObject).map(manifest);
    assert.ok(manifests.some((m) => m.kind === "ClusterRole"));
    assert.deepEqual(validateObjects([...renderAddons(stack), ...manifests]), []);
  });
});

describe("stacks with other console settings", () => {
  const cluster = { provider: bareMetal({ hosts: [{ address: "203.0.113.20" }] }), k3s: { version: "v1.31.4+k3s1" } };
  const apps = { web: { image: "ghcr.io/acme/web:1.0.0", port: 8080 } };

  it("deploys nothing of the console and outputs none of it when the console is off", async () => {
    const off = await evaluateProgram(() => buildStack({ cluster, apps, domain: { gateway: "skipper.run" } }), {
      config,
    });
    assert.equal(off.ofType(CONSOLE).length, 0);
    const namespaces = off.resources
      .filter(isK8sObject)
      .map(manifest)
      .filter((m) => m.kind === "Namespace");
    assert.ok(!namespaces.some((n) => n.metadata.name === "skipper-console"));
    assert.equal(off.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").length, 0);
    const out = off.runtime.stackOutputs();
    for (const key of ["consoleUrl", "consoleAdminEmail", "consoleAdminPassword"]) assert.ok(!(key in out), key);
  });

  it("with console.domain: served there over HTTPS, which becomes consoleUrl when there is no gateway", async () => {
    const ev = await evaluateProgram(
      () => buildStack({ cluster, apps, console: { enabled: true, domain: "Console.Example.com" } }),
      { config },
    );
    const out = ev.runtime.stackOutputs();
    assert.equal(out["consoleUrl"], "https://console.example.com");
    assert.equal(out["consoleAdminEmail"], "admin@example.com", "the ACME e-mail derived from the domain");
    const tls = ev
      .ofType("kubernetes:networking.k8s.io/v1:Ingress")
      .map(manifest)
      .filter((m) => m.metadata.namespace === "skipper-console")
      .flatMap((m) => ((m["spec"] as { tls?: { hosts: string[] }[] }).tls ?? []).flatMap((t) => t.hosts));
    assert.deepEqual(tls, ["console.example.com"]);
  });

  it("without a gateway: deployed and reachable by port-forward only, no consoleUrl, admin@skipper.local", async () => {
    const bare = await evaluateProgram(() => buildStack({ cluster, apps, console: { enabled: true } }), { config });
    assert.equal(bare.ofType(CONSOLE).length, 1);
    assert.equal(
      bare.ofType("kubernetes:networking.k8s.io/v1:Ingress").filter((i) => i.name.startsWith("skipper-console/"))
        .length,
      0,
    );
    const out = bare.runtime.stackOutputs();
    assert.ok(!("consoleUrl" in out));
    assert.equal(out["consoleAdminEmail"], "admin@skipper.local");
    assert.ok(isSecretValue(out["consoleAdminPassword"]));
  });
});
