/**
 * `kip preview | up | destroy | refresh` against the stand-in `pulumi` on PATH (test/cli/pulumi-standin/pulumi, the
 * only test double, which records its arguments and replays `pulumi preview --json` digests written in the CLI's
 * format): the arguments Pulumi gets, the per-resource summary, secrets, the comment, and the exit codes.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type KipRun, runKip, tempDir } from "./synth-support.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const STANDIN_DIR = join(HERE, "pulumi-standin");
const FIXTURES = join(HERE, "fixtures", "pulumi");
const NODE_DIR = dirname(process.execPath);

let dir: string;
let cleanup: () => void;
let log: string;

before(() => {
  ({ dir, cleanup } = tempDir("kip-pulumi-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nmain: skipper.ts\n");
  log = join(dir, "calls.jsonl");
});
after(() => cleanup());

/** Run kip with the stand-in first on PATH (or no pulumi at all), recording into a fresh log. */
function kip(args: string[], env: Record<string, string> = {}, withPulumi = true): Promise<KipRun> {
  writeFileSync(log, "");
  return runKip(args, {
    cwd: dir,
    env: {
      PATH: withPulumi ? [STANDIN_DIR, NODE_DIR].join(delimiter) : NODE_DIR,
      PULUMI_STANDIN_LOG: log,
      PULUMI_STANDIN_PREVIEW: join(FIXTURES, "preview-changes.json"),
      NO_COLOR: "1",
      ...env,
    },
  });
}

function calls(): { argv: string[]; cwd: string; skipUpdateCheck: string | null }[] {
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("kip preview --json", () => {
  let run: KipRun;
  before(async () => {
    run = await kip(["preview", "--stack", "dev", "--json"]);
  });

  it("checks the version, then runs pulumi preview --json non-interactively in the project", () => {
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      calls().map((c) => c.argv),
      [["version"], ["preview", "--json", "--non-interactive", "--stack", "dev"]],
    );
    assert.ok(calls().every((c) => c.cwd === dir && c.skipUpdateCheck === "true"));
  });

  it("summarises creates, updates, replaces and deletes per resource with the changed paths", () => {
    const s = JSON.parse(run.stdout);
    assert.deepEqual(s.counts, { create: 1, update: 2, replace: 1, delete: 1 });
    assert.deepEqual(
      s.resources.map((r: { op: string; type: string; name: string }) => `${r.op} ${r.type} ${r.name}`),
      [
        "create kubernetes:apps/v1:Deployment api",
        "update kubernetes:apps/v1:Deployment web",
        "update kubernetes:core/v1:Secret web-env",
        "replace kubernetes:apps/v1:StatefulSet db",
        "delete kubernetes:core/v1:Service cache",
      ],
    );
    const web = s.resources.find((r: { name: string }) => r.name === "web");
    assert.deepEqual(web.properties, [{ path: "spec.replicas", kind: "update", replaces: false, old: 2, new: 3 }]);
    const db = s.resources.find((r: { name: string }) => r.name === "db");
    assert.deepEqual(db.properties, [
      {
        path: "spec.volumeClaimTemplates[0].spec.resources.requests.storage",
        kind: "update",
        replaces: true,
        old: "10Gi",
        new: "20Gi",
      },
    ]);
    assert.deepEqual(s.warnings, [
      "db: replacing a StatefulSet with volumeClaimTemplates keeps the old PersistentVolumeClaims",
    ]);
  });

  it("shows secret values as <secret>", () => {
    const s = JSON.parse(run.stdout);
    const secret = s.resources.find((r: { name: string }) => r.name === "web-env");
    assert.deepEqual(secret.properties, [
      { path: "stringData.STRIPE_KEY", kind: "update", replaces: false, old: "<secret>", new: "<secret>" },
    ]);
    assert.ok(!run.stdout.includes("[secret]"));
  });
});

describe("kip preview --markdown", () => {
  it("renders the plan as a pull-request comment", async () => {
    const run = await kip(["preview", "--stack", "dev", "--markdown"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith("<!-- kip-preview -->\n### kip preview · stack `dev`\n"));
    assert.ok(run.stdout.includes("**1 to create, 2 to update, 1 to replace, 1 to delete.**"));
    assert.ok(run.stdout.includes("| create | update | replace | delete |\n|--:|--:|--:|--:|\n| 1 | 2 | 1 | 1 |"));
    assert.ok(run.stdout.includes("**forces replacement**"));
    assert.ok(!run.stdout.includes("[secret]"));
  });

  it("says so when nothing changes", async () => {
    const run = await kip(["preview", "--markdown"], {
      PULUMI_STANDIN_PREVIEW: join(FIXTURES, "preview-no-changes.json"),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes("**No changes.**"));
    assert.ok(!run.stdout.includes("<details>"));
  });
});

describe("kip up | destroy | refresh", () => {
  it("passes the terminal through and the arguments on", async () => {
    const run = await kip(["up", "--stack", "dev", "--yes", "--", "--target", "urn:x"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "pulumi stand-in: up --stack dev --yes --non-interactive --target urn:x\n");
    assert.deepEqual(calls()[1]?.argv, ["up", "--stack", "dev", "--yes", "--non-interactive", "--target", "urn:x"]);
  });

  it("runs destroy and refresh with the stack", async () => {
    for (const command of ["destroy", "refresh"]) {
      const run = await kip([command, "-s", "prod"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(calls()[1]?.argv, [command, "--stack", "prod"]);
    }
  });

  it("exits 1 when the deployment fails", async () => {
    const run = await kip(["up", "--stack", "dev", "--yes"], { PULUMI_STANDIN_EXIT: "255" });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /kip up: pulumi up failed \(exit code 255\)/);
  });
});

describe("without a usable Pulumi CLI", () => {
  it("exits 4 with how to install it when pulumi is not on PATH", async () => {
    const run = await kip(["preview", "--json"], {}, false);
    assert.equal(run.code, 4);
    assert.match(run.stderr, /the Pulumi CLI \(`pulumi`\) was not found on PATH/);
    assert.match(run.stderr, /curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
  });

  it("exits 4 when the CLI is too old, and runs nothing else", async () => {
    const run = await kip(["up", "--yes"], { PULUMI_STANDIN_VERSION: "v3.30.1" });
    assert.equal(run.code, 4);
    assert.match(run.stderr, /the Pulumi CLI is v3\.30\.1; kip needs 3\.44\.0 or newer/);
    assert.deepEqual(
      calls().map((c) => c.argv),
      [["version"]],
    );
  });

  it("names the folder when there is no Pulumi.yaml", async () => {
    const run = await kip(["preview", "--cwd", join(dir, "nowhere")]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no Pulumi\.yaml in .*nowhere: run kip in the project folder/);
  });
});
