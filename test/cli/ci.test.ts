/**
 * `kip ci github`: the workflow it writes (pinned actions, least privilege, no event values in shell commands,
 * `pull_request` only), its sticky-comment script run against an in-memory GitHub API, and what it refuses to
 * overwrite.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { COMMENT_MARKER, renderWorkflow, WORKFLOW_PATH, writeGithubWorkflow } from "../../cli/day2/github-workflow.ts";
import { runKip, tempDir } from "./synth-support.ts";

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  if: string;
  permissions: Record<string, string>;
  steps: Step[];
  environment?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const wf = parse(renderWorkflow({ stack: "prod" })) as Workflow;
const steps = Object.values(wf.jobs).flatMap((j) => j.steps);

describe("kip ci github: the workflow", () => {
  it("pins every action to a full commit SHA", () => {
    const uses = steps.filter((s) => s.uses).map((s) => s.uses as string);
    assert.ok(uses.length >= 5);
    for (const u of uses) assert.match(u, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, u);
  });

  it("grants the least privilege: read by default, comment rights only on the diff job", () => {
    assert.deepEqual(wf.permissions, { contents: "read" });
    assert.deepEqual(wf.jobs["diff"]?.permissions, { contents: "read", "pull-requests": "write" });
    assert.deepEqual(wf.jobs["deploy"]?.permissions, { contents: "read" });
  });

  it("runs pull requests' code with pull_request only, never pull_request_target", () => {
    assert.deepEqual(Object.keys(wf.on).sort(), ["pull_request", "push"]);
    assert.deepEqual(wf.on["push"], { branches: ["main"] });
  });

  it("puts no event value into a shell command (they reach it through env)", () => {
    for (const s of steps) assert.ok(!/\$\{\{/.test(s.run ?? ""), `interpolated: ${s.run}`);
  });

  it("diffs and previews on pull requests and deploys on main", () => {
    const diff = wf.jobs["diff"] as Job;
    assert.equal(diff.if, "github.event_name == 'pull_request'");
    const runs = diff.steps.map((s) => s.run ?? "").join("\n");
    assert.match(runs, /npx kip diff --stack prod --base "origin\/\$BASE_REF" --markdown --max-chars 40000/);
    assert.match(runs, /npx kip preview --stack prod --markdown --max-chars 20000/);
    const preview = diff.steps.find((s) => s.run?.includes("kip preview"));
    assert.equal(preview?.if, "env.PULUMI_ACCESS_TOKEN != '' || env.PULUMI_BACKEND_URL != ''");
    const checkout = diff.steps[0];
    assert.deepEqual(checkout?.with, { "fetch-depth": 0, "persist-credentials": false });
    const deploy = wf.jobs["deploy"] as Job;
    assert.equal(deploy.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
    assert.ok(deploy.steps.some((s) => s.run === "npx kip up --stack prod --yes"));
  });

  it("refuses names that could break out of the YAML or a command", () => {
    assert.throws(() => renderWorkflow({ stack: "prod; curl evil" }), /stack 'prod; curl evil' has characters/);
    assert.throws(() => renderWorkflow({ branch: "main\n  evil: 1" }), /branch/);
  });
});

describe("kip ci github: the sticky comment", () => {
  const script = wf.jobs["diff"]?.steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.["script"];

  /** Run the workflow's script with GitHub's API replaced by an in-memory list of comments. */
  async function runScript(existing: { id: number; body: string; user: { type: string } }[], body: string) {
    const calls: string[] = [];
    const dir = tempDir("kip-ci-comment-");
    const file = join(dir.dir, "comment.md");
    writeFileSync(file, body);
    const github = {
      paginate: async (_list: () => unknown, args: unknown) => {
        calls.push(`list ${JSON.stringify(args)}`);
        return existing;
      },
      rest: {
        issues: {
          listComments: () => undefined,
          updateComment: async (a: { comment_id: number; body: string }) =>
            calls.push(`update ${a.comment_id} ${a.body}`),
          createComment: async (a: { issue_number: number; body: string }) =>
            calls.push(`create ${a.issue_number} ${a.body}`),
        },
      },
    };
    const context = { repo: { owner: "acme", repo: "shop" }, payload: { pull_request: { number: 7 } } };
    const previous = process.env["COMMENT_FILE"];
    process.env["COMMENT_FILE"] = file;
    try {
      const AsyncFunction = (async () => {}).constructor as new (
        ...args: string[]
      ) => (...a: unknown[]) => Promise<void>;
      await new AsyncFunction("require", "github", "context", script as string)(
        (await import("node:module")).createRequire(import.meta.url),
        github,
        context,
      );
    } finally {
      if (previous === undefined) delete process.env["COMMENT_FILE"];
      else process.env["COMMENT_FILE"] = previous;
      dir.cleanup();
    }
    return calls;
  }

  it("creates the comment when there is none", async () => {
    const calls = await runScript([{ id: 1, body: "looks good", user: { type: "User" } }], `${COMMENT_MARKER}\nnew`);
    assert.deepEqual(calls, [
      `list {"owner":"acme","repo":"shop","issue_number":7}`,
      `create 7 ${COMMENT_MARKER}\nnew`,
    ]);
  });

  it("updates its own comment in place, not a person's that quotes the marker", async () => {
    const calls = await runScript(
      [
        { id: 1, body: `${COMMENT_MARKER}\nquoted by a person`, user: { type: "User" } },
        { id: 2, body: `${COMMENT_MARKER}\nold`, user: { type: "Bot" } },
      ],
      `${COMMENT_MARKER}\nnew`,
    );
    assert.deepEqual(calls.slice(1), [`update 2 ${COMMENT_MARKER}\nnew`]);
  });
});

describe("kip ci github: writing the file", () => {
  const tmp = tempDir("kip-ci-");
  after(tmp.cleanup);

  it("writes .github/workflows/skipper.yml, and replaces it only with --force", async () => {
    const first = await runKip(["ci", "github", "--stack", "staging"], { cwd: tmp.dir });
    assert.equal(first.code, 0, first.stderr);
    const path = join(tmp.dir, WORKFLOW_PATH);
    assert.equal(readFileSync(path, "utf8"), renderWorkflow({ stack: "staging" }));
    writeFileSync(path, `${readFileSync(path, "utf8")}# my edit\n`);
    const again = await runKip(["ci", "github", "--stack", "staging"], { cwd: tmp.dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists \(written by kip, since edited or older\); pass --force/);
    const forced = await runKip(["ci", "github", "--stack", "staging", "--force"], { cwd: tmp.dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(!readFileSync(path, "utf8").includes("# my edit"));
  });

  it("never replaces a workflow kip did not write", () => {
    const dir = join(tmp.dir, "other");
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(dir, WORKFLOW_PATH), "name: mine\n");
    assert.throws(() => writeGithubWorkflow(dir, { force: true }), /was not written by kip/);
    assert.equal(readFileSync(join(dir, WORKFLOW_PATH), "utf8"), "name: mine\n");
  });

  it("runs the project's commands in its folder when it is below the repository root", () => {
    const root = join(tmp.dir, "mono");
    const project = join(root, "infra");
    mkdirSync(project, { recursive: true });
    const written = writeGithubWorkflow(project, { repoRoot: root });
    assert.equal(written.path, join(root, WORKFLOW_PATH));
    const w = parse(readFileSync(written.path, "utf8")) as Workflow & {
      jobs: Record<string, { defaults?: { run: { "working-directory": string } } }>;
    };
    assert.equal(w.jobs["diff"]?.defaults?.run["working-directory"], "infra");
    assert.ok(!existsSync(join(project, ".github")));
  });
});
