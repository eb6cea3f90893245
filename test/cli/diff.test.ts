/**
 * `kip diff` as a user runs it (the real binary) on a git repository made here: a commit, then a working tree that
 * changes replicas, adds an app, removes a service, bumps k3s (so a host script changes) and re-sets a secret env
 * value in the stack config (so a secret changes, and its value must show nowhere).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BASE_SHAPE, makeProject, type Project, stackConfig, stackSource } from "./diff-support.ts";
import { type KipRun, runKip } from "./synth-support.ts";

/** Each run evaluates two stacks; on a busy shared machine that can take minutes. */
const SLOW = 240_000;
const OLD_CIPHER = "v1:T2xkQ2lwaGVydGV4dA==";
const NEW_CIPHER = "v1:TmV3Q2lwaGVydGV4dA==";
const CHANGED = {
  ...BASE_SHAPE,
  replicas: 3,
  k3s: "v1.31.5+k3s1",
  withCache: false,
  extraApps: { api: "ghcr.io/acme/api:2.0.0" },
};
/**
 * The exact summary for these changes. Which objects an app or a service renders is the renderers' business (and
 * grows with them), so the added and removed counts are those of the app and the service the change adds and
 * removes, as the JSON lists them; everything else is fixed by the change itself.
 */
function expectedSummary(d: Diff): string {
  const n = (change: string) => d.objects.filter((o) => o.change === change).length;
  const gone = d.resources.filter((r) => r.change === "removed").length;
  return (
    `${n("added")} Kubernetes objects added, 3 changed, ${n("removed")} removed; 1 host step changed (1 will run ` +
    `again); 1 stack output changed${gone > 0 ? `; ${gone} other resource${gone === 1 ? "" : "s"} removed` : ""}.`
  );
}

interface Diff {
  counts: Record<string, unknown>;
  changed: boolean;
  objects: {
    change: string;
    kind: string;
    namespace?: string;
    name: string;
    component: string;
    fields?: { path: string; old?: unknown; new?: unknown; secretChanged?: boolean }[];
  }[];
  scripts: {
    change: string;
    host: string;
    step: string;
    runsAgain: boolean;
    parts: { part: string; patch?: string }[];
  }[];
  outputs: { path: string; old?: unknown; new?: unknown }[];
  resources: { change: string; type: string; name: string; urn: string }[];
}

describe("kip diff on a repository with a change", () => {
  let project: Project;
  let json: KipRun;
  let text: KipRun;
  let again: KipRun;
  let markdown: KipRun;
  let statusBefore: string;

  before(async () => {
    project = makeProject();
    project.write("skipper.ts", stackSource(CHANGED));
    project.write("Pulumi.dev.yaml", stackConfig(NEW_CIPHER));
    statusBefore = project.git("status", "--porcelain");
    const cwd = project.dir;
    // One after the other: each run already evaluates two stacks at once, and the machine may be shared.
    json = await runKip(["diff", "--stack", "dev", "--json"], { cwd, timeoutMs: SLOW });
    text = await runKip(["diff", "--stack", "dev", "--exit-code"], { cwd, timeoutMs: SLOW });
    again = await runKip(["diff", "--stack", "dev"], { cwd, env: { NO_COLOR: "1" }, timeoutMs: SLOW });
    markdown = await runKip(["diff", "--stack", "dev", "--markdown"], { cwd, timeoutMs: SLOW });
  });
  after(() => project.cleanup());

  it("lists objects added, changed and removed by kind, namespace and name", () => {
    assert.equal(json.code, 0, json.stderr);
    const d = JSON.parse(json.stdout) as Diff;
    const list = (change: string) =>
      d.objects.filter((o) => o.change === change).map((o) => `${o.kind} ${o.namespace}/${o.name} (${o.component})`);
    assert.deepEqual(list("changed"), [
      "Deployment main/web (app-web)",
      "Deployment main/worker (app-worker)",
      "Secret main/web-env (app-web)",
    ]);
    for (const o of ["Deployment main/api (app-api)", "Service main/api (app-api)", "Ingress main/api (app-api)"]) {
      assert.ok(list("added").includes(o), `${o} added`);
    }
    assert.ok(
      list("added").every((o) => o.endsWith("(app-api)")),
      list("added").join(", "),
    );
    for (const o of ["StatefulSet main/cache (service-cache)", "Service main/cache (service-cache)"]) {
      assert.ok(list("removed").includes(o), `${o} removed`);
    }
    assert.ok(
      list("removed").every((o) => o.endsWith("(service-cache)")),
      list("removed").join(", "),
    );
    assert.deepEqual(list("added"), [...list("added")].sort(), "sorted by kind, namespace, name");
    assert.deepEqual(d.counts.scripts, { added: 0, removed: 0, changed: 1 });
    assert.equal(d.counts.outputs, 1);
    assert.ok(
      d.resources.every((r) => r.change === "removed" && r.urn.includes("::cache")),
      "only cache's resources go",
    );
    const web = d.objects.find((o) => o.name === "web" && o.kind === "Deployment");
    assert.deepEqual(web?.fields, [
      { path: 'metadata.annotations["skipper.run/declared-replicas"]', old: "2", new: "3" },
      { path: "spec.replicas", old: 2, new: 3 },
    ]);
    const worker = d.objects.find((o) => o.name === "worker");
    assert.ok(worker?.fields?.some((f) => f.path === "spec.template.spec.containers[worker].env[REDIS_URL]"));
    assert.ok(
      worker?.fields?.every((f) => f.new === undefined),
      "only the cache bindings went away",
    );
  });

  it("reports a changed secret as <secret> on both sides and never shows a value", () => {
    const d = JSON.parse(json.stdout) as Diff;
    const secret = d.objects.find((o) => o.kind === "Secret" && o.name === "web-env");
    assert.deepEqual(secret?.fields, [
      { path: "stringData.STRIPE_KEY", old: "<secret>", new: "<secret>", secretChanged: true },
    ]);
    for (const run of [json, text, again, markdown]) {
      for (const leak of [OLD_CIPHER, NEW_CIPHER, "T2xkQ2lwaGVydGV4dA", "mock-password-"]) {
        assert.ok(!run.stdout.includes(leak) && !run.stderr.includes(leak), `${leak} leaked`);
      }
    }
  });

  it("shows the host script that runs again with a unified diff", () => {
    const d = JSON.parse(json.stdout) as Diff;
    assert.deepEqual(
      d.scripts.map((s) => [s.change, s.host, s.step, s.runsAgain, s.parts.map((p) => p.part)]),
      [["changed", "203-0-113-10", "install", true, ["script"]]],
    );
    const patch = d.scripts[0]?.parts[0]?.patch ?? "";
    assert.match(
      patch,
      /^--- a\/hosts\/203-0-113-10\/03-install\.sh\n\+\+\+ b\/hosts\/203-0-113-10\/03-install\.sh\n@@ /,
    );
    const minus = patch.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"));
    const plus = patch.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
    assert.ok(minus.length > 0 && minus.every((l) => l.includes("v1.31.4+k3s1")), minus.join("\n"));
    assert.deepEqual(
      plus,
      minus.map((l) => `+${l.slice(1).replaceAll("v1.31.4+k3s1", "v1.31.5+k3s1")}`),
    );
  });

  it("lists changed stack outputs", () => {
    const d = JSON.parse(json.stdout) as Diff;
    assert.deepEqual(d.outputs, [{ path: "apps.api", new: ["https://api-203-0-113-10.skipper.run"] }]);
  });

  it("prints the exact summary, the same on every run, and exits 1 with --exit-code", () => {
    assert.equal(text.code, 1, text.stderr);
    assert.equal(again.code, 0, again.stderr);
    const lines = text.stdout.split("\n");
    assert.match(lines[0] ?? "", /^kip diff skipper\.ts: HEAD \([0-9a-f]{12}\) → working tree$/);
    assert.equal(lines[1], expectedSummary(JSON.parse(json.stdout)));
    assert.equal(text.stdout, again.stdout, "two runs differ");
    assert.ok(!text.stdout.includes("\u001b["), "colours on a pipe");
    assert.match(
      text.stdout,
      /\n {2}~ Deployment main\/web {2}\(app-web\)\n {6}metadata\.annotations\["skipper\.run\/declared-replicas"\]: "2" → "3"\n {6}spec\.replicas: 2 → 3\n/,
    );
    assert.match(text.stdout, /\n {6}stringData\.STRIPE_KEY: <secret> → <secret> \(changed; value not shown\)\n/);
  });

  it("renders a pull-request comment with a summary table and collapsed details", () => {
    assert.equal(markdown.code, 0, markdown.stderr);
    const md = markdown.stdout;
    assert.ok(md.startsWith("<!-- kip-diff -->\n"));
    assert.ok(md.includes(`**${expectedSummary(JSON.parse(json.stdout))}**`));
    const d = JSON.parse(json.stdout) as Diff;
    const c = d.counts["objects"] as { added: number; changed: number; removed: number };
    assert.ok(md.includes(`| Kubernetes objects | ${c.added} | 3 | ${c.removed} |`));
    assert.ok(md.includes("| Host steps (1 run again) | 0 | 1 | 0 |"));
    const sections = [d.objects, d.scripts, d.resources, d.outputs].filter((list) => list.length > 0).length;
    assert.equal(md.match(/<details>/g)?.length, sections);
    assert.equal(md.match(/<\/details>/g)?.length, sections);
    assert.ok(md.includes("```diff\n--- a/hosts/203-0-113-10/03-install.sh"));
    assert.ok(!md.includes("Cut to stay under"), "nothing is cut from a small diff");
  });

  it("leaves the user's tree as it was and removes its worktree", () => {
    assert.equal(project.git("status", "--porcelain"), statusBefore);
    assert.equal(project.git("worktree", "list", "--porcelain").match(/^worktree /gm)?.length, 1);
  });
});

describe("kip diff without a difference, and with an invalid stack", () => {
  let project: Project;
  before(() => {
    project = makeProject();
  });
  after(() => project.cleanup());

  it("exits 0 with --exit-code and says there are no changes", async () => {
    const run = await runKip(["diff", "--exit-code", "-q"], { cwd: project.dir, timeoutMs: SLOW });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.split("\n")[1], "No changes.");
    assert.equal(run.stderr, "");
  });

  it("exits 2 and names the file and field when the working tree's stack is invalid", async () => {
    project.write("skipper.ts", stackSource(BASE_SHAPE).replace("port: 3000", "port: 70000"));
    const run = await runKip(["diff", "-q"], { cwd: project.dir, timeoutMs: SLOW });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^kip diff: invalid stack\nskipper\.ts: skipper\.ts: apps\.web\.port: |^kip diff: invalid stack\nskipper\.ts: apps\.web\.port: /,
    );
    assert.equal(project.git("worktree", "list", "--porcelain").match(/^worktree /gm)?.length, 1);
  });

  it("exits 3 on a ref that does not exist", async () => {
    const run = await runKip(["diff", "--base", "no-such-branch", "-q"], { cwd: project.dir, timeoutMs: SLOW });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /--base: 'no-such-branch' is not a commit/);
  });
});
