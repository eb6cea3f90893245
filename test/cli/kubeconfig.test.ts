/**
 * `kip kubeconfig` with the stand-in `pulumi` (test/cli/pulumi-standin) answering `stack output kubeconfig`: merging
 * into a file with other contexts, a missing file, a read-only file, a name that belongs to another cluster.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { type KipRun, runKip, tempDir } from "./synth-support.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const tmp = tempDir("kip-kubeconfig-");
after(tmp.cleanup);
writeFileSync(join(tmp.dir, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");

const KEY = "c3RhY2stY2xpZW50LWtleS0xMjM0";

/** The stack's kubeconfig as the K3sCluster component outputs it (names skipper-<cluster id>). */
function stackKubeconfig(cert: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "skipper-203-0-113-10",
        cluster: { server: "https://203.0.113.10:6443", "certificate-authority-data": "Y2E=" },
      },
    ],
    contexts: [
      { name: "skipper-203-0-113-10", context: { cluster: "skipper-203-0-113-10", user: "skipper-203-0-113-10" } },
    ],
    "current-context": "skipper-203-0-113-10",
    users: [{ name: "skipper-203-0-113-10", user: { "client-certificate-data": cert, "client-key-data": KEY } }],
  });
}

const OTHERS = {
  apiVersion: "v1",
  kind: "Config",
  preferences: { colors: true },
  clusters: [
    { name: "work", cluster: { server: "https://k8s.work.example:443" } },
    { name: "kind-dev", cluster: { server: "https://127.0.0.1:36443" } },
  ],
  contexts: [
    { name: "work", context: { cluster: "work", user: "alice", namespace: "team" } },
    { name: "kind-dev", context: { cluster: "kind-dev", user: "kind-dev" } },
  ],
  users: [
    { name: "alice", user: { token: "work-token" } },
    { name: "kind-dev", user: { "client-key-data": "a2luZA==" } },
  ],
  "current-context": "work",
};

let n = 0;
async function kip(args: string[], env: Record<string, string>): Promise<KipRun> {
  const out = join(tmp.dir, `stack-kubeconfig-${n++}.yaml`);
  writeFileSync(out, stackKubeconfig(env["CERT"] ?? "Y2VydC0x"));
  const run = await runKip(["kubeconfig", ...args], {
    cwd: tmp.dir,
    env: {
      PATH: [join(HERE, "pulumi-standin"), dirname(process.execPath)].join(delimiter),
      PULUMI_STANDIN_OUTPUT_kubeconfig: out,
      ...env,
    },
  });
  assert.ok(!run.stdout.includes(KEY) && !run.stderr.includes(KEY), "the private key was printed");
  return run;
}

const entry = (doc: Record<string, unknown>, list: string, name: string) =>
  (doc[list] as { name: string }[]).find((e) => e.name === name);

describe("kip kubeconfig", () => {
  it("creates ~/.kube/config (mode 0600) when there is none, with its context current", async () => {
    const home = join(tmp.dir, "home-empty");
    mkdirSync(home);
    const run = await kip([], { HOME: home, KUBECONFIG: "" });
    assert.equal(run.code, 0, run.stderr);
    const file = join(home, ".kube", "config");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const doc = parse(readFileSync(file, "utf8"));
    assert.equal(doc["current-context"], "skipper-203-0-113-10");
    assert.deepEqual(entry(doc, "users", "skipper-203-0-113-10"), {
      name: "skipper-203-0-113-10",
      user: { "client-certificate-data": "Y2VydC0x", "client-key-data": KEY },
    });
    assert.deepEqual(readdirSync(join(home, ".kube")), ["config"], "no backup of a file that did not exist");
  });

  it("adds its context beside others, keeps them and the current context, and backs the old file up", async () => {
    const file = join(tmp.dir, "others.yaml");
    const before = stringify(OTHERS);
    writeFileSync(file, before, { mode: 0o644 });
    const run = await kip([], { KUBECONFIG: [file, join(tmp.dir, "second.yaml")].join(delimiter) });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /added context 'skipper-203-0-113-10' in .*others\.yaml \(old file kept as .*others\.yaml\.kip-backup-\d{8}T\d{6}Z\)/,
    );
    const doc = parse(readFileSync(file, "utf8"));
    for (const list of ["clusters", "contexts", "users"] as const) {
      assert.deepEqual(
        doc[list].filter((e: { name: string }) => e.name !== "skipper-203-0-113-10"),
        OTHERS[list],
        `${list} of the other contexts changed`,
      );
    }
    assert.equal(doc["current-context"], "work");
    assert.deepEqual(doc.preferences, { colors: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const backups = readdirSync(tmp.dir).filter((f) => f.startsWith("others.yaml.kip-backup-"));
    assert.equal(backups.length, 1);
    assert.equal(readFileSync(join(tmp.dir, backups[0] as string), "utf8"), before);
    assert.equal(statSync(join(tmp.dir, backups[0] as string)).mode & 0o777, 0o600);

    // A renewed certificate replaces its own entries in place, nothing else.
    const again = await kip(["--output", file, "--use"], { CERT: "cmVuZXdlZA==" });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /updated context 'skipper-203-0-113-10'/);
    const after = parse(readFileSync(file, "utf8"));
    assert.equal(after.users.length, 3);
    assert.equal(
      entry(after, "users", "skipper-203-0-113-10")?.["user" as never]["client-certificate-data"],
      "cmVuZXdlZA==",
    );
    assert.equal(after["current-context"], "skipper-203-0-113-10", "--use switches");
  });

  it("never overwrites a same-named context of another cluster", async () => {
    const file = join(tmp.dir, "clash.yaml");
    const clash = structuredClone(OTHERS);
    clash.clusters.push({ name: "skipper-203-0-113-10", cluster: { server: "https://198.51.100.9:6443" } });
    const text = stringify(clash);
    writeFileSync(file, text);
    const run = await kip(["--output", file], {});
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /already has entries named 'skipper-203-0-113-10' that are not this stack's \(cluster 'skipper-203-0-113-10' points at https:\/\/198\.51\.100\.9:6443\); choose another name with --name/,
    );
    assert.equal(readFileSync(file, "utf8"), text);
    assert.ok(!readdirSync(tmp.dir).some((f) => f.startsWith("clash.yaml.kip-backup")));
    const renamed = await kip(["--output", file, "--name", "shop-prod"], {});
    assert.equal(renamed.code, 0, renamed.stderr);
    const doc = parse(readFileSync(file, "utf8"));
    assert.deepEqual(entry(doc, "contexts", "shop-prod"), {
      name: "shop-prod",
      context: { cluster: "shop-prod", user: "shop-prod" },
    });
    assert.equal(
      entry(doc, "clusters", "skipper-203-0-113-10")?.["cluster" as never]["server"],
      "https://198.51.100.9:6443",
    );
  });

  it("leaves a read-only file alone and says what to do", async () => {
    const file = join(tmp.dir, "readonly.yaml");
    const text = stringify(OTHERS);
    writeFileSync(file, text);
    chmodSync(file, 0o400);
    const run = await kip(["--output", file], {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /readonly\.yaml is read-only \(mode 0400\); kip leaves read-only kubeconfigs alone/);
    assert.equal(readFileSync(file, "utf8"), text);
    assert.equal(statSync(file).mode & 0o777, 0o400);
  });

  it("refuses a file that is not YAML, untouched", async () => {
    const file = join(tmp.dir, "broken.yaml");
    writeFileSync(file, "clusters: [\n");
    const run = await kip(["--output", file], {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the kubeconfig file is not valid YAML/);
    assert.equal(readFileSync(file, "utf8"), "clusters: [\n");
  });

  it("exits 4 without the Pulumi CLI, writing nothing", async () => {
    const file = join(tmp.dir, "never.yaml");
    const run = await runKip(["kubeconfig", "--output", file], {
      cwd: tmp.dir,
      env: { PATH: dirname(process.execPath) },
    });
    assert.equal(run.code, 4);
    assert.ok(!existsSync(file));
  });
});
