/**
 * `kip synth` as a user runs it (the real binary, a child process) on the example stacks: what it writes is valid
 * Kubernetes, complete, identical across runs, and free of secrets.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { K8sObject } from "../../core/k8s.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import { type KipRun, pulumiConfigEnv, readTree, runKip, tempDir } from "./synth-support.ts";

const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSYNTH-TEST-KEY-e41b\n-----END OPENSSH PRIVATE KEY-----";
const STRIPE = "sk_live_synth_test_90ab";
const SECRETS = [SSH_KEY, "SYNTH-TEST-KEY-e41b", STRIPE, "mock-password-"];
const env = pulumiConfigEnv({ "skipper:sshPrivateKey": SSH_KEY, "skipper:secret.storefront.STRIPE_KEY": STRIPE }, [
  "skipper:sshPrivateKey",
  "skipper:secret.storefront.STRIPE_KEY",
]);

const tmp = tempDir("kip-synth-");
after(tmp.cleanup);

/** The Kubernetes objects, plus the add-ons k3s applies (every server gets the same file; the first one's). */
function objectsOf(tree: Map<string, string>): K8sObject[] {
  const objs: K8sObject[] = [];
  const addons = [...tree.keys()].filter((p) => p.endsWith("-manifests.stdin")).sort()[0];
  for (const [path, text] of tree) {
    if (!path.startsWith("k8s/") && path !== addons) continue;
    for (const doc of parseAllDocuments(text)) {
      assert.equal(doc.errors.length, 0, `${path}: ${doc.errors.join("; ")}`);
      objs.push(doc.toJS() as K8sObject);
    }
  }
  return objs;
}

for (const stackFile of ["stacks/skipper.ts", "stacks/multi-host.ts"]) {
  describe(`kip synth ${stackFile}`, () => {
    const name = stackFile.replace(/\W+/g, "-");
    const outA = join(tmp.dir, `${name}-a`);
    const outB = join(tmp.dir, `${name}-b`);
    let runA: KipRun;
    let runB: KipRun;
    let tree: Map<string, string>;

    before(async () => {
      [runA, runB] = await Promise.all([
        runKip(["synth", stackFile, "--out", outA, "--json"], { env }),
        runKip(["synth", stackFile, "--out", outB], { env }),
      ]);
      assert.equal(runA.code, 0, runA.stderr);
      assert.equal(runB.code, 0, runB.stderr);
      tree = readTree(outA);
    });

    it("writes one file per Kubernetes object, grouped by component, and every host script", () => {
      const k8s = [...tree.keys()].filter((p) => p.startsWith("k8s/"));
      assert.ok(k8s.length >= 10, `only ${k8s.length} objects`);
      for (const p of k8s) {
        assert.match(
          p,
          /^k8s\/(app|service|project|gatewayregistration|console)-[a-z0-9-]+\/[a-z]+-[a-z0-9-]+\.yaml$/,
          p,
        );
        assert.equal(parseAllDocuments(tree.get(p) as string).length, 1, `${p} holds one object`);
      }
      const scripts = [...tree.keys()].filter((p) => p.startsWith("hosts/") && p.endsWith(".sh"));
      assert.ok(scripts.some((p) => /\/01-preflight\.sh$/.test(p)));
      assert.ok(scripts.some((p) => /-install\.sh$/.test(p)));
      assert.ok(scripts.some((p) => /-read-kubeconfig\.sh$/.test(p)));
      // Each step's file is the script itself, strict from its first line; the root/sudo wrapper is one file per host.
      const steps = scripts.filter((p) => !p.endsWith("/as-root.sh"));
      for (const p of steps) assert.match(tree.get(p) as string, /^set -euo pipefail\n/, `${p} is a strict script`);
      const hostDirs = new Set(steps.map((p) => p.slice(0, p.lastIndexOf("/"))));
      assert.deepEqual(
        scripts.filter((p) => p.endsWith("/as-root.sh")).sort(),
        [...hostDirs].map((d) => `${d}/as-root.sh`).sort(),
      );
      assert.ok(tree.has(".kip-synth"));
    });

    it("writes only objects that pass the schema and cross-object checks (add-ons included)", () => {
      const objs = objectsOf(tree);
      assert.ok(
        objs.some((o) => o.kind === "HelmChartConfig"),
        "the add-on manifests are checked too",
      );
      assert.deepEqual(validateObjects(objs), []);
    });

    it("writes the same bytes on every run", () => {
      assert.deepEqual(readTree(outB), tree);
    });

    it("never writes or prints a secret, and shows where secrets go", () => {
      const outputs: [string, string][] = [...tree, ["stdout", runA.stdout], ["stderr", runA.stderr]];
      for (const [path, text] of outputs) {
        for (const s of SECRETS) assert.ok(!text.includes(s), `${path} contains a secret (${s.slice(0, 12)}…)`);
      }
      const all = [...tree.values()].join("\n");
      assert.match(all, /<secret>/);
      const install = [...tree].find(([p]) => p.endsWith("-install.stdin"));
      assert.equal(install?.[1], "<secret>\n", "the install step's stdin is the token, shown as a placeholder");
    });

    it("prints the summary it wrote with --json: sorted resources with parents, providers and dependencies", () => {
      const summary = JSON.parse(tree.get("summary.json") as string);
      assert.deepEqual(JSON.parse(runA.stdout), summary);
      const urns = summary.resources.map((r: { urn: string }) => r.urn);
      assert.deepEqual(urns, [...urns].sort());
      const deployment = summary.resources.find((r: { type: string }) => r.type === "kubernetes:apps/v1:Deployment");
      assert.match(deployment.parent, /skipper:apps:App/);
      assert.match(deployment.provider, /pulumi:providers:kubernetes::cluster-k8s::/);
      assert.ok(deployment.dependsOn.length > 0);
      assert.equal(summary.outputs.kubeconfig, "<secret>");
      assert.equal(summary.stackFile, stackFile);
    });
  });
}

describe("kip synth defaults and its output folder", () => {
  it("renders the Pulumi.yaml program when no stack file is given", async () => {
    const out = join(tmp.dir, "default");
    const run = await runKip(["synth", "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /evaluating stacks\/skipper\.ts/);
    assert.equal(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).stackFile, "stacks/skipper.ts");
  });

  it("reads config from PULUMI_CONFIG, as Pulumi's language host passes it", async () => {
    const out = join(tmp.dir, "configured");
    const run = await runKip(["synth", "--out", out], {
      env: pulumiConfigEnv({ "skipper:host": "198.51.100.7", "skipper:domains": '["shop.example.org"]' }, []),
    });
    assert.equal(run.code, 0, run.stderr);
    const tree = readTree(out);
    assert.ok([...tree.keys()].some((p) => p.startsWith("hosts/198-51-100-7/")));
    const summary = JSON.parse(tree.get("summary.json") as string);
    assert.deepEqual(summary.outputs.apps.web, ["https://web-198-51-100-7.skipper.run", "https://shop.example.org"]);
  });

  it("refuses to replace a folder it did not write, and leaves it alone", async () => {
    const out = join(tmp.dir, "users-folder");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    const run = await runKip(["synth", "--out", out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /was not written by kip synth/);
    assert.equal(readFileSync(join(out, "notes.txt"), "utf8"), "mine");
    assert.ok(!existsSync(join(out, "summary.json")));
  });

  it("replaces its own earlier output, dropping files that are no longer produced", async () => {
    const out = join(tmp.dir, "again");
    assert.equal((await runKip(["synth", "--out", out])).code, 0);
    writeFileSync(join(out, "k8s", "stale.yaml"), "kind: Stale\n");
    assert.equal((await runKip(["synth", "--out", out])).code, 0);
    assert.ok(!existsSync(join(out, "k8s", "stale.yaml")));
    assert.ok(existsSync(join(out, "summary.json")));
  });
});
